import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ScriptedModel, ScriptedWindowModel, type Script } from './testing/fakeModel';
import { fakeEngine } from './testing/fakeEngine';
import { EngineError, MASK_PLACEHOLDER, type StepProgress } from './types';

const V = 138;
const id = CharTokenizer.id;
const greedy = { temperature: 0, topP: 1 };


/** Script from a function of the canvas position. */
const at = (f: (pos: number) => string | number, p: number | ((pos: number) => number) = 0.99): Script => (_ids, pos) => {
  const t = f(pos);
  return { token: typeof t === 'number' ? t : id(t), p: typeof p === 'number' ? p : p(pos) };
};

test('fills one gap; shifted models are asked for row p-1', async () => {
  // canvas: [BOS] a b M M M c [EOS] -> masks at 3,4,5
  const model = new ScriptedModel(V, at((pos) => 'xyz'[pos - 3] ?? 'q'));
  const r = await fakeEngine(model).infill({ pieces: ['ab', 'c'], gaps: [{ maxTokens: 3 }], sampler: { algorithm: 'threshold', threshold: 0.5, ...greedy } });
  assert.equal(r.gaps[0].text, 'xyz');
  assert.deepEqual(model.rowsSeen[0], [2, 3, 4]);
  assert.equal(r.stats.forwardPasses, 1);
  assert.equal(r.stats.tokensPerForward, 3);
  // banned ids (mask, BOS) lose their share, so the probability is slightly above the scripted 0.99
  assert.ok(Math.abs(r.gaps[0].tokens[0].confidence - 0.99) < 1e-3);
});

test('unshifted models are asked for row p', async () => {
  const model = new ScriptedModel(V, at((pos) => 'xyz'[pos - 3] ?? 'q'), false);
  const r = await fakeEngine(model, { shifted: false }).infill({ pieces: ['ab', 'c'], gaps: [{ maxTokens: 3 }], sampler: { algorithm: 'threshold', ...greedy } });
  assert.deepEqual(model.rowsSeen[0], [3, 4, 5]);
  assert.equal(r.gaps[0].text, 'xyz');
});

test('Dream schedule: 64 masks in 8 steps commit 7,8,8,8,8,8,8,9', async () => {
  const model = new ScriptedModel(V, at(() => 'a', (pos) => 0.5 + pos / 1000));
  const counts: number[] = [];
  let last = 0;
  await fakeEngine(model).infill(
    { pieces: ['', ''], gaps: [{ maxTokens: 64 }], sampler: { algorithm: 'entropy', steps: 8, ...greedy } },
    { onProgress: (p) => { counts.push(p.committed - last); last = p.committed; } },
  );
  assert.deepEqual(counts, [7, 8, 8, 8, 8, 8, 8, 9]);
  assert.equal(model.calls, 8);
});

test('stepsPerToken scales the schedule to the gap: a request beats the manifest, steps beats both', async () => {
  const run = async (manifest: object, sampler: object, maxTokens: number) => {
    const model = new ScriptedModel(V, at(() => 'a', (pos) => 0.5 + pos / 1000));
    const r = await fakeEngine(model, { sampler: manifest }).infill({ pieces: ['', ''], gaps: [{ maxTokens }], sampler: { algorithm: 'entropy', ...greedy, ...sampler } });
    assert.equal(r.gaps[0].text, 'a'.repeat(maxTokens));
    return model.calls;
  };
  assert.equal(await run({}, {}, 24), 24); // default: one token per step
  assert.equal(await run({}, { stepsPerToken: 0.25 }, 24), 6);
  assert.equal(await run({}, { stepsPerToken: 0.25 }, 56), 14);
  assert.equal(await run({}, { stepsPerToken: 0.25 }, 2), 1); // at least one step
  assert.equal(await run({ stepsPerToken: 0.5 }, {}, 24), 12);
  assert.equal(await run({ stepsPerToken: 0.5 }, { stepsPerToken: 0.25 }, 24), 6);
  assert.equal(await run({ stepsPerToken: 0.5 }, { stepsPerToken: 0.25, steps: 3 }, 24), 3);
});

test('maskgit_plus commits the most confident positions first', async () => {
  // position 5 is the most confident, then 3, then 4
  const conf: Record<number, number> = { 3: 0.8, 4: 0.6, 5: 0.95 };
  const model = new ScriptedModel(V, at(() => 'k', (pos) => conf[pos] ?? 0.5));
  const firstSeen = [-1, -1, -1];
  await fakeEngine(model).infill(
    { pieces: ['ab', ''], gaps: [{ maxTokens: 3 }], sampler: { algorithm: 'maskgit_plus', steps: 4, ...greedy } },
    { onProgress: (p) => [...p.gaps[0]].forEach((ch, i) => { if (ch !== MASK_PLACEHOLDER && firstSeen[i] < 0) firstSeen[i] = p.step; }) },
  );
  assert.ok(firstSeen[2] < firstSeen[1] && firstSeen[2] <= firstSeen[0] && firstSeen[0] <= firstSeen[1], `order ${firstSeen}`);
});

test('threshold decoding commits every confident mask and at least one', async () => {
  const conf: Record<number, number> = { 1: 0.95, 2: 0.3, 3: 0.92, 4: 0.2 };
  const model = new ScriptedModel(V, (_ids, pos, call) => ({ token: id('t'), p: call === 0 ? conf[pos] : 0.4 }));
  const steps: number[] = [];
  let last = 0;
  const r = await fakeEngine(model).infill(
    { pieces: ['', ''], gaps: [{ maxTokens: 4 }], sampler: { algorithm: 'threshold', threshold: 0.9, ...greedy } },
    { onProgress: (p) => { steps.push(p.committed - last); last = p.committed; } },
  );
  assert.deepEqual(steps, [2, 1, 1]); // two confident, then one per pass when none qualifies
  assert.equal(r.gaps[0].text, 'tttt');
});

test('a stop token ends its gap: text after it is dropped and the rest is finalised without forwards', async () => {
  // slot 2 predicts EOS with high confidence; the others are unsure
  const model = new ScriptedModel(V, at((pos) => (pos === 3 ? 0 : 'ab'[pos - 1] ?? 'z'), (pos) => (pos === 3 ? 0.99 : 0.5)));
  const r = await fakeEngine(model).infill({ pieces: ['', '\n'], gaps: [{ maxTokens: 20 }], sampler: { algorithm: 'threshold', threshold: 0.9, ...greedy } });
  assert.equal(r.gaps[0].text, 'ab');
  assert.equal(r.gaps[0].stopped, true);
  assert.equal(r.gaps[0].tokens.length, 2);
  assert.equal(r.stats.slotsFinalisedByStop, 17);
  assert.equal(r.stats.forwardPasses, 3); // EOS, then 'a', then 'b' — not 20 passes
});

test('eosAfterText: end-of-text waits for the text before it, so an unsure start does not end the answer', async () => {
  // Gap of 4 at positions 1..4. A slot whose left neighbour is still a mask predicts EOS (0.95); once the
  // neighbour holds text it predicts the next letter, and EOS only after 'abc'.
  const script: Script = (ids, pos) => {
    if (pos === 1) return { token: id('a'), p: 0.6 };
    if (ids[pos - 1] === 1) return { token: 0, p: 0.95 };
    return pos <= 3 ? { token: id('abc'[pos - 1]), p: 0.99 } : { token: 0, p: 0.99 };
  };
  const run = (eosAfterText: boolean) =>
    fakeEngine(new ScriptedModel(V, script)).infill({ pieces: ['', '\n'], gaps: [{ maxTokens: 4 }], sampler: { algorithm: 'threshold', threshold: 0.9, eosAfterText, ...greedy } });
  const plain = await run(false);
  assert.equal(plain.gaps[0].text, 'a', 'without the rule the confident EOS at slot 1 ends the answer first');
  const guarded = await run(true);
  assert.equal(guarded.gaps[0].text, 'abc');
  assert.equal(guarded.gaps[0].stopped, true);
  assert.equal(guarded.stats.forwardPasses, 4);
});

test('dual cache: a full pass at each block start, then windows over the block (and the row before it)', async () => {
  // canvas [BOS] x M*8 y [EOS]: gap at positions 2..9; one token per pass (p 0.5 < threshold), blocks of 4
  const script = at((pos) => 'abcdefgh'[pos - 2] ?? 'q', 0.5);
  const sampler = { algorithm: 'threshold' as const, threshold: 0.9, blockSize: 4, ...greedy };
  const plain = await fakeEngine(new ScriptedModel(V, script)).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 8 }], sampler });
  const model = new ScriptedWindowModel(V, script);
  const cached = await fakeEngine(model).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 8 }], sampler: { ...sampler, cache: 'dual' } });
  assert.equal(cached.gaps[0].text, plain.gaps[0].text);
  assert.equal(cached.gaps[0].text, 'abcdefgh');
  assert.deepEqual(model.passes.map((p) => p.kind), ['prefill', 'window', 'window', 'window', 'prefill', 'window', 'window', 'window']);
  // block 0 = slots 0..3 = positions 2..5, plus row 1 (shifted logits); block 1 = positions 6..9, plus row 5
  assert.deepEqual(model.passes.filter((p) => p.kind === 'window').map((p) => [p.lo, p.hi]), [[1, 6], [1, 6], [1, 6], [5, 10], [5, 10], [5, 10]]);
  assert.equal(cached.stats.windowPasses, 6);
  assert.equal(cached.stats.forwardPasses, 8);
  // cacheRefresh 2: a full pass again after two window passes
  const m2 = new ScriptedWindowModel(V, script);
  await fakeEngine(m2).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 8 }], sampler: { ...sampler, cache: 'dual', cacheRefresh: 2 } });
  assert.deepEqual(m2.passes.map((p) => p.kind[0]).join(''), 'pwwppwwp');
});

test('dual cache: a stop inside a block refreshes the cache; the window spans the whole block', async () => {
  // gap of 8 at positions 2..9, blocks of 4; slot 2 (position 4) is a confident EOS, the rest unsure letters
  const script = at((pos) => (pos === 4 ? 0 : 'abcdefgh'[pos - 2] ?? 'q'), (pos) => (pos === 4 ? 0.95 : 0.5));
  const model = new ScriptedWindowModel(V, script);
  const r = await fakeEngine(model).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 8 }], sampler: { algorithm: 'threshold', threshold: 0.9, blockSize: 4, ...greedy, cache: 'dual' } });
  assert.equal(r.gaps[0].text, 'ab');
  // pass 1 (full) commits the EOS and fills slots 3..7: pass 2 is a full pass again, pass 3 a window over block 0
  assert.deepEqual(model.passes.map((p) => p.kind), ['prefill', 'prefill', 'window']);
  assert.deepEqual([model.passes[2].lo, model.passes[2].hi], [1, 6]);
});

test('dual cache without the memory for the window session falls back to full passes and says so', async () => {
  const model = new ScriptedModel(V, at(() => 'a'));
  (model as unknown as { openWindow: () => Promise<never> }).openWindow = async () => {
    throw new EngineError('the model needs about 99 MB of memory but only 1 MB is available', 'OUT_OF_MEMORY');
  };
  const r = await fakeEngine(model).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 2 }], sampler: { algorithm: 'threshold', threshold: 0.5, ...greedy, cache: 'dual' } });
  assert.equal(r.gaps[0].text, 'aa');
  assert.equal(r.stats.windowPasses, 0);
  assert.match(r.stats.cacheSkipped ?? '', /memory/);
});

test('opening the dual cache is reported as cacheLoadMs, not as sampler time', async () => {
  // A window graph loaded on first use (old model folders) takes seconds at real sizes; stats must not blame the
  // sampler for it. The delay is deliberate and large against a fake request's few milliseconds.
  const model = new ScriptedWindowModel(V, at(() => 'a'));
  const open = model.openWindow.bind(model);
  model.openWindow = async () => {
    await new Promise((r) => setTimeout(r, 400));
    return open();
  };
  const r = await fakeEngine(model).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 2 }], sampler: { algorithm: 'threshold', threshold: 0.5, ...greedy, cache: 'dual' } });
  assert.ok((r.stats.cacheLoadMs ?? 0) >= 390, `cacheLoadMs ${r.stats.cacheLoadMs}`);
  assert.ok(r.stats.samplerMs < (r.stats.cacheLoadMs ?? 0), `samplerMs ${r.stats.samplerMs}`);
  assert.ok(r.stats.totalMs >= (r.stats.cacheLoadMs ?? 0));
});

test('dual cache on a model without a window graph is a clear error', async () => {
  await assert.rejects(
    fakeEngine(new ScriptedModel(V, at(() => 'a'))).infill({ pieces: ['x', 'y'], gaps: [{ maxTokens: 2 }], sampler: { cache: 'dual', ...greedy } }),
    /needs a model with a window graph/,
  );
});

test('several gaps are filled jointly in one canvas', async () => {
  // [BOS] M M = M [EOS]: gap0 at 1,2; '=' at 3; gap1 at 4
  const model = new ScriptedModel(V, at((pos) => ({ 1: 'x', 2: ' ', 4: '1' })[pos] ?? 0));
  const r = await fakeEngine(model).infill({ pieces: ['', '=', ''], gaps: [{ maxTokens: 2 }, { maxTokens: 1 }], sampler: { algorithm: 'threshold', ...greedy } });
  assert.deepEqual(r.gaps.map((g) => g.text), ['x ', '1']);
  assert.equal(r.stats.forwardPasses, 1);
});

test('block-wise decoding fills blocks left to right', async () => {
  const model = new ScriptedModel(V, at(() => 'b', 0.99));
  const seen: string[] = [];
  await fakeEngine(model).infill(
    { pieces: ['', ''], gaps: [{ maxTokens: 6 }], sampler: { algorithm: 'threshold', blockSize: 2, ...greedy } },
    { onProgress: (p) => seen.push(p.gaps[0]) },
  );
  const B = MASK_PLACEHOLDER;
  assert.deepEqual(seen, [`bb${B}${B}${B}${B}`, `bbbb${B}${B}`, 'bbbbbb']);
  assert.deepEqual(model.rowsSeen, [[0, 1], [2, 3], [4, 5]]);
});

test('the same seed gives the same result at temperature > 0; another seed differs', async () => {
  const script: Script = (_ids, pos) => ({ token: id('a') + (pos % 5), p: 0.3 });
  const run = (seed: number) =>
    fakeEngine(new ScriptedModel(V, script)).infill({ pieces: ['', ''], gaps: [{ maxTokens: 24 }], sampler: { algorithm: 'entropy', steps: 6, temperature: 1, topP: 0.95, seed } });
  const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
  assert.equal(a.gaps[0].text, b.gaps[0].text);
  assert.notEqual(a.gaps[0].text, c.gaps[0].text);
});

test('DreamOn expand turns one slot into two masks and grows the gap', async () => {
  const EXPAND = 3;
  const model = new ScriptedModel(V, (_ids, pos, call) => (call === 0 ? { token: EXPAND, p: 0.99 } : { token: id('e'), p: 0.99 }));
  const r = await fakeEngine(model, { expand: EXPAND }).infill({ pieces: ['', ''], gaps: [{ maxTokens: 2 }], sampler: { algorithm: 'threshold', ...greedy } });
  assert.equal(r.gaps[0].text, 'eeee'); // both slots expanded once, then filled
});

test('cancellation stops between forward passes', async () => {
  const ctrl = new AbortController();
  const model = new ScriptedModel(V, (_ids, _pos, call) => {
    if (call === 2) ctrl.abort();
    return { token: id('c'), p: 0.5 };
  });
  await assert.rejects(
    fakeEngine(model).infill({ pieces: ['', ''], gaps: [{ maxTokens: 30 }], sampler: { algorithm: 'threshold', ...greedy } }, { signal: ctrl.signal }),
    (e: Error) => e.name === 'AbortError',
  );
  assert.equal(model.calls, 3); // the pass running when the cancel came finished; no further pass started
});

test('the mask id is never sampled and ids beyond the tokenizer are never sampled', async () => {
  const model = new ScriptedModel(200, at(() => 1, 0.99)); // the model insists on MASK
  const r = await fakeEngine(model, { tokenizerSize: 138 }).infill({ pieces: ['', ''], gaps: [{ maxTokens: 3 }], sampler: { algorithm: 'threshold', ...greedy } });
  assert.ok(r.gaps[0].tokens.every((t) => t.id !== 1 && t.id < 138));
});

test('bad input: empty pieces, gaps at start and end, adjacent gaps, NUL, lone surrogates, CRLF/tabs', async () => {
  const model = new ScriptedModel(V, at(() => 'w', 0.99));
  const e = fakeEngine(model);
  for (const pieces of [['', ''], ['\0\0', '\uD800'], ['a\r\n\tb', '\uDC00x\r\n'], ['', '', '']]) {
    const r = await e.infill({ pieces, gaps: pieces.slice(1).map(() => ({ maxTokens: 2 })), sampler: { algorithm: 'threshold', ...greedy } });
    assert.ok(r.gaps.every((g) => g.text === 'ww'));
  }
  const progress: StepProgress[] = [];
  await e.infill({ pieces: ['x'.repeat(50_000), 'y'.repeat(50_000)], gaps: [{ maxTokens: 2 }] }, { onProgress: (p) => progress.push(p) });
  assert.ok(progress.length >= 1);
  await assert.rejects(e.infill({ pieces: ['a'], gaps: [{ maxTokens: 2 }] }), /pieces must have/);
  await assert.rejects(e.infill({ pieces: ['a', 'b'], gaps: [{ maxTokens: 2 }], sampler: { algorithm: 'magic' as never } }), /sampler.algorithm/);
});

test('a single-line gap ends at its first committed line break, without more forward passes', async () => {
  // canvas [BOS] M×10 [EOS]: slot 3 (pos 4) is a confident newline, the others unsure letters
  const model = new ScriptedModel(V, at((pos) => (pos === 4 ? '\n' : 'abc'[pos - 1] ?? 'z'), (pos) => (pos === 4 ? 0.99 : 0.5)));
  const r = await fakeEngine(model).infill({ pieces: ['', ''], gaps: [{ maxTokens: 10, singleLine: true }], sampler: { algorithm: 'threshold', threshold: 0.9, ...greedy } });
  assert.equal(r.gaps[0].text, 'abc\n');
  assert.equal(r.gaps[0].stopped, true);
  assert.equal(r.stats.forwardPasses, 4); // newline, then a, b, c; the 6 slots after it cost nothing
  assert.equal(r.stats.slotsFinalisedByStop, 6);
  const multi = await fakeEngine(new ScriptedModel(V, at((pos) => (pos === 4 ? '\n' : 'abc'[pos - 1] ?? 'z'), (pos) => (pos === 4 ? 0.99 : 0.5)))).infill({ pieces: ['', ''], gaps: [{ maxTokens: 10 }], sampler: { algorithm: 'threshold', threshold: 0.9, ...greedy } });
  assert.equal(multi.gaps[0].text, 'abc\nzzzzzz');
});

test('origin reveals random positions and finishes within its steps; alg_temp samples positions', async () => {
  const model = new ScriptedModel(V, at(() => 'o', 0.6));
  const r = await fakeEngine(model).infill({ pieces: ['', ''], gaps: [{ maxTokens: 12 }], sampler: { algorithm: 'origin', steps: 5, ...greedy, seed: 3 } });
  assert.equal(r.gaps[0].text, 'o'.repeat(12));
  assert.ok(r.stats.forwardPasses <= 5);
  const a = await fakeEngine(new ScriptedModel(V, at(() => 'g', (pos) => 0.3 + pos / 100))).infill({ pieces: ['', ''], gaps: [{ maxTokens: 12 }], sampler: { algorithm: 'maskgit_plus', steps: 4, algTemp: 0.5, ...greedy } });
  assert.equal(a.gaps[0].text, 'g'.repeat(12));
  assert.equal(a.stats.forwardPasses, 4);
});

test('block-wise Dream schedule gives each block its share of the steps', async () => {
  const model = new ScriptedModel(V, at(() => 'q', (pos) => 0.5 + pos / 1000));
  const counts: number[] = [];
  let last = 0;
  await fakeEngine(model).infill(
    { pieces: ['', ''], gaps: [{ maxTokens: 16 }], sampler: { algorithm: 'entropy', steps: 4, blockSize: 8, ...greedy } },
    { onProgress: (p) => { counts.push(p.committed - last); last = p.committed; } },
  );
  // two blocks of 8, two steps each: floor(8 * (1 - s/t)) then the rest
  assert.equal(counts.length, 4);
  assert.equal(counts[0] + counts[1], 8);
  assert.equal(counts[2] + counts[3], 8);
  assert.deepEqual(model.rowsSeen[0], [0, 1, 2, 3, 4, 5, 6, 7]);
});
