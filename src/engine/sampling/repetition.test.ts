import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, UsageError } from '../../cli/args';
import type { ForwardModel, HeadRequest, TopRows } from '../forwardModel';
import { fakeEngine } from '../testing/fakeEngine';
import { CharTokenizer } from '../testing/fakeModel';
import type { InfillRequest, SamplerOptions } from '../types';
import type { DenoiseConfig, DenoiseState } from './denoiseTypes';
import { resolveSampler } from './options';
import { MAX_REPEATS, nearbyRepeats, REPEAT_WINDOW } from './repetition';

const V = 138;
const id = CharTokenizer.id;
const greedy = { temperature: 0, topP: 1 };
const oneByOne = { algorithm: 'entropy' as const, stepsPerToken: 1, ...greedy };

/** Full rows of logits from a function of the canvas (shifted like Dream: row p-1 predicts position p). */
class RowsModel implements ForwardModel {
  readonly vocabSize = V;
  constructor(private readonly logitsAt: (ids: Int32Array, pos: number, row: Float32Array) => void) {}
  async forward(ids: Int32Array, rows: Int32Array): Promise<Float32Array> {
    const out = new Float32Array(rows.length * V);
    rows.forEach((r, j) => this.logitsAt(ids, r + 1, out.subarray(j * V, (j + 1) * V)));
    return out;
  }
}

/** The same model with graph v2's confidence head computed here as the graph does it (src/models/convert/confidenceHead.ts:
 *  scale, add bias[j, i] at column bias_ids[i], top k with ties to the lower id, log-normaliser, entropy). */
class HeadModel extends RowsModel {
  readonly biasWidths: number[] = [];
  async forwardTop(ids: Int32Array, rows: Int32Array, head: HeadRequest): Promise<TopRows> {
    const full = await this.forward(ids, rows);
    const n = rows.length;
    const c = head.biasIds.length;
    this.biasWidths.push(c);
    assert.equal(new Set(head.biasIds).size, c, 'bias ids are distinct (the graph scatters them)');
    const top: TopRows = { k: head.k, ids: new Int32Array(n * head.k), logits: new Float32Array(n * head.k), logsumexp: new Float32Array(n), entropy: new Float32Array(n) };
    for (let j = 0; j < n; j++) {
      const x = Array.from(full.subarray(j * V, (j + 1) * V), (l) => Math.fround(l * head.scale));
      for (let i = 0; i < c; i++) x[head.biasIds[i]] = Math.fround(x[head.biasIds[i]] + head.bias[j * c + i]);
      const order = x.map((_, i) => i).sort((a, b) => x[b] - x[a] || a - b);
      for (let i = 0; i < head.k; i++) {
        top.ids[j * head.k + i] = order[i];
        top.logits[j * head.k + i] = x[order[i]];
      }
      const m = x[order[0]];
      let z = 0;
      let s = 0;
      for (const v of x) {
        const e = Math.exp(v - m);
        z += e;
        if (e > 0) s += e * (v - m);
      }
      top.logsumexp[j] = m + Math.log(z);
      top.entropy[j] = Math.log(z) - s / z;
    }
    return top;
  }
}

/** Every row wants `first` by `margin` nats over `second`: a model that stutters `first`. */
const stutterer = (first: string, second: string, margin = 1) =>
  (_ids: Int32Array, _pos: number, row: Float32Array) => {
    row.fill(-20);
    row[id(first)] = 5;
    row[id(second)] = 5 - margin;
  };

const fill = async (model: ForwardModel, sampler: Partial<SamplerOptions>, maxTokens = 6) => {
  const req: InfillRequest = { pieces: ['x = ', '\n'], gaps: [{ maxTokens }], sampler };
  return (await fakeEngine(model).infill(req)).gaps[0];
};

test('the option: a number >= 0 on the table (CLI flag, engine validation), unset = off', () => {
  assert.equal(parseCli(['fill', 'x', '--repetition-penalty', '1.5']).sampler.repetitionPenalty, 1.5);
  assert.throws(() => parseCli(['fill', 'x', '--repetition-penalty=-1']), (e: Error) => e instanceof UsageError && /repetitionPenalty must be a number >= 0/.test(e.message));
  assert.throws(() => resolveSampler(undefined, { repetitionPenalty: Number.NaN }), /repetitionPenalty/);
  assert.equal(resolveSampler({ repetitionPenalty: 2 }, undefined).repetitionPenalty, 2, 'a manifest can recommend it');
  assert.equal(resolveSampler({ repetitionPenalty: 2 }, { repetitionPenalty: 0 }).repetitionPenalty, 0, 'a request can turn it off');
  assert.equal('repetitionPenalty' in resolveSampler(undefined, undefined), false, 'off by default');
});

test('nearbyRepeats: committed word tokens within REPEAT_WINDOW slots on both sides, distinct, before the stop only', () => {
  const M = 1;
  const W = REPEAT_WINDOW;
  // context 50 60 | gap of 2W + 6 slots: b , at slots 0-1, masks, the row at slot W + 1, b c d after it, then masks
  const gap = [id('b'), id(','), ...new Array<number>(2 * W + 4).fill(M)];
  const row = W + 1;
  gap[row + 1] = id('b');
  gap[row + 2] = id('c');
  gap[row + W] = id('d');
  gap[row + W + 1] = id('e'); // one slot too far
  const state: DenoiseState = { ids: Int32Array.from([50, 60, ...gap, 0]), gaps: [{ start: 2, length: gap.length, stopAt: gap.length, end: gap.length, probs: [], maxLength: gap.length }], step: 0, committed: 0, total: gap.length };
  const cfg: DenoiseConfig = {
    sampler: resolveSampler(undefined, undefined), shifted: true, maskId: M, stopIds: [0], expandId: null, bannedIds: [M], sampleable: V, contextLength: 99,
    isWordToken: (t) => t !== id(','),
  };
  const out = new Int32Array(MAX_REPEATS);
  const near = (c: DenoiseConfig = cfg, slot = row) => Array.from(out.subarray(0, nearbyRepeats(state, c, 0, slot, out)));
  // slot 0's b is W + 1 away; slot 1's ',' is punctuation; b (once), c and d are near; e is W + 1 away
  assert.deepEqual(near(), [id('b'), id('c'), id('d')]);
  assert.deepEqual(near(cfg, row + 1), [id('c'), id('d'), id('e')], 'the row itself never counts');
  assert.deepEqual(near({ ...cfg, isWordToken: undefined }, 2), [id('b'), id(',')], 'without a word test every token counts');
  state.gaps[0].stopAt = row + W; // end-of-text committed at d's slot: d and what follows it are not text
  assert.deepEqual(near(), [id('b'), id('c')]);
  state.ids[2 + row + 2] = 0;
  assert.deepEqual(near(), [id('b')], 'stop tokens never count');
});

test('with the penalty a stutter loses to the next-best token; below the margin, or off, it does not', async () => {
  const model = new RowsModel(stutterer('b', 'c', 1));
  assert.equal((await fill(model, oneByOne)).text, 'bbbbbb');
  assert.equal((await fill(model, { ...oneByOne, repetitionPenalty: 0.5 })).text, 'bbbbbb', 'a penalty below the margin changes nothing');
  const text = (await fill(model, { ...oneByOne, repetitionPenalty: 2 })).text;
  assert.equal(text.slice(0, 2), 'bc', 'the slot next to a committed b takes c');
  // Each distinct nearby id costs the penalty once: once b and c are both near, b is back ahead (by its margin).
  assert.equal(text, 'bcbbbb');
  // threshold decoding (the manifest's algorithm) commits several per pass: the penalty applies to what is committed
  const thr = (await fill(model, { algorithm: 'threshold', threshold: 0.5, blockSize: 2, repetitionPenalty: 2, ...greedy })).text;
  assert.match(thr, /c/);
});

test('punctuation is never penalised: `,,,` stays what the model wants', async () => {
  const model = new RowsModel(stutterer(',', 'c', 1));
  assert.equal((await fill(model, { ...oneByOne, repetitionPenalty: 4 })).text, ',,,,,,');
});

/** Letters with logits that depend on the neighbours and the position, and a taste for repeating the left one. */
function busy(ids: Int32Array, pos: number, row: Float32Array): void {
  let x = (pos * 2654435761 + ids[pos - 1] * 40503 + ids[pos + 1] * 9973) >>> 0;
  for (let i = 0; i < row.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    row[i] = i >= id('a') && i <= id('z') ? (x / 4294967296) * 6 : -20; // letters only: every token a word
  }
  if (ids[pos - 1] >= 10) row[ids[pos - 1]] += 2;
  row[id('q')] += 1.5;
}

test('penalty 0 is exactly today: same tokens and confidences as the option unset, on both paths', async () => {
  const samplers: Partial<SamplerOptions>[] = [oneByOne, { algorithm: 'threshold', threshold: 0.3, ...greedy }, { algorithm: 'entropy', steps: 4, temperature: 0.8, topK: 5, seed: 3 }];
  for (const sampler of samplers) {
    for (const model of [new RowsModel(busy), new HeadModel(busy)]) {
      const off = await fill(model, sampler, 12);
      assert.deepEqual(await fill(model, { ...sampler, repetitionPenalty: 0 }, 12), off, JSON.stringify(sampler));
    }
  }
  const head = new HeadModel(busy);
  await fill(head, { ...oneByOne, repetitionPenalty: 0 }, 12);
  assert.deepEqual(new Set(head.biasWidths), new Set([head.biasWidths[0]]), 'penalty 0: the bias holds only the bans, every pass');
});

test('the confidence head (penalty as in-graph bias) chooses what full rows choose, with the penalty on', async () => {
  const samplers: Partial<SamplerOptions>[] = [
    { ...oneByOne, repetitionPenalty: 3 },
    { algorithm: 'threshold', threshold: 0.3, blockSize: 4, eosAfterText: true, repetitionPenalty: 2, ...greedy },
    { algorithm: 'topk_margin', ...greedy, repetitionPenalty: 1.5 },
    { algorithm: 'entropy', steps: 5, temperature: 0.7, topK: 6, topP: 0.9, seed: 5, repetitionPenalty: 2 },
    { algorithm: 'maskgit_plus', steps: 14, temperature: 0.5, topK: 8, topP: 0.95, seed: 9, repetitionPenalty: 1 },
  ];
  for (const sampler of samplers) {
    const head = new HeadModel(busy);
    const a = await fill(head, sampler, 14);
    const b = await fill(new RowsModel(busy), sampler, 14);
    assert.deepEqual(a.tokens.map((t) => t.id), b.tokens.map((t) => t.id), JSON.stringify(sampler));
    a.tokens.forEach((t, k) => assert.ok(Math.abs(t.confidence - b.tokens[k].confidence) < 1e-4, JSON.stringify(sampler)));
    assert.ok(Math.max(...head.biasWidths) > head.biasWidths[0], 'penalised ids joined the head bias');
    assert.notDeepEqual(b.tokens.map((t) => t.id), (await fill(new RowsModel(busy), { ...sampler, repetitionPenalty: 0 }, 14)).tokens.map((t) => t.id), 'the penalty changed this fill');
  }
});
