// The real worker process (dist/worker.js) fed malformed IPC messages: null, wrong types, unknown kinds, duplicate
// ids, unknown cancels, oversized payloads. Each gets an answer (BAD_REQUEST naming the field, or a clean engine
// error), the process never exits, and a good request afterwards is served. Figures: section "malformedIpc".

import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { FromWorker } from '../../src/worker/protocol';
import { buildOnce, MODEL, until, WORKER } from '../integration/helpers';
import { recordFigures, round } from './figures';

let worker: ChildProcess;
const got: FromWorker[] = [];
let exited: number | string | null = null;
const figures: Record<string, unknown> = {};
const good = { pieces: ['def add(a, b):\n    return ', '\n'], gaps: [{ maxTokens: 3 }], sampler: { algorithm: 'threshold', threshold: 0.5, temperature: 0 } };

before(async () => {
  buildOnce();
  worker = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
  worker.on('message', (m: FromWorker) => got.push(m));
  worker.on('exit', (code, signal) => (exited = code ?? signal));
  worker.send({ type: 'init', config: { modelDir: MODEL } });
  worker.send({ type: 'load', id: 1 });
  await until(() => got.some((m) => m.type === 'loaded'), 60_000, 'the model to load');
});
after(() => {
  worker.kill('SIGKILL');
  recordFigures('malformedIpc', figures);
});

/** Sends `msg` and waits for the answer it should get: under `id`, or a 'refused' one when the message has none. */
async function answerTo(msg: unknown, id?: number): Promise<FromWorker> {
  const from = got.length;
  worker.send(msg as object);
  const pick = () => got.slice(from).find((m) => (id === undefined ? m.type === 'refused' : (m.type === 'error' || m.type === 'result') && m.id === id));
  await until(() => !!pick() || exited !== null, 60_000, `an answer to ${JSON.stringify(msg).slice(0, 80)}`);
  assert.equal(exited, null, 'the worker is still running');
  return pick()!;
}

const infill = (id: number, request: unknown, extra: Record<string, unknown> = {}) => ({ type: 'infill', id, request, progress: false, ...extra });

const TABLE: [string, unknown, number | undefined, RegExp][] = [
  ['null', null, undefined, /message must be an object/],
  ['a number', 7, undefined, /message must be an object/],
  ['a string', 'infill', undefined, /message must be an object/],
  ['an array', [{ type: 'load', id: 2 }], undefined, /message must be an object/],
  ['no type', { id: 3 }, undefined, /type must be one of/],
  ['unknown kind', { type: 'explode', id: 4 }, undefined, /type must be one of .*"explode"/],
  ['id a string', infill('5' as unknown as number, good), undefined, /id must be an integer >= 0/],
  ['request null', infill(6, null), 6, /request must be an object/],
  ['pieces a number', infill(7, { ...good, pieces: 5 }), 7, /request\.pieces must be an array/],
  ['gap size a string', infill(8, { ...good, gaps: [{ maxTokens: '3' }] }), 8, /request\.gaps\[0\]\.maxTokens must be an integer >= 1/],
  ['singleLine "yes"', infill(9, { ...good, gaps: [{ maxTokens: 3, singleLine: 'yes' }] }), 9, /request\.gaps\[0\]\.singleLine must be true or false/],
  ['prefix budget -10', infill(10, { ...good, budget: { prefixTokens: -10 } }), 10, /request\.budget\.prefixTokens must be an integer >= 0 \(got -10\)/],
  ['suffix budget "x"', infill(11, { ...good, budget: { suffixTokens: 'x' } }), 11, /request\.budget\.suffixTokens must be an integer >= 0 \(got "x"\)/],
  ['sampler a string', infill(12, { ...good, sampler: 'fast' }), 12, /request\.sampler must be an object/],
  ['sampler value out of range', infill(13, { ...good, sampler: { topP: 0 } }), 13, /sampler\.topP must be a number in \(0, 1\]/],
  ['gap larger than the context', infill(14, { ...good, gaps: [{ maxTokens: 100_000 }] }), 14, /maxTokens must be an integer in \[1, \d+\]/],
  ['init with a bad config', { type: 'init', config: { modelDir: '' } }, undefined, /config\.modelDir must be a non-empty string/],
];

test('every malformed message is answered and the worker keeps running', async () => {
  for (const [what, msg, id, re] of TABLE) {
    const a = await answerTo(msg, id);
    assert.ok(a.type === 'error' || a.type === 'refused', `${what}: refused`);
    if (a.type === 'error' || a.type === 'refused') {
      assert.match(a.error.message, re, what);
      assert.ok(['BAD_REQUEST', 'BAD_SAMPLER'].includes(a.error.code ?? ''), `${what}: code ${a.error.code}`);
    }
  }
  const ok = await answerTo(infill(20, good), 20);
  assert.equal(ok.type, 'result', 'a good request is still served');
  Object.assign(figures, { malformedMessages: TABLE.length, answered: TABLE.length, workerExits: 0 });
});

test('duplicate in-flight ids are refused, an unknown cancel is ignored', async () => {
  const slow = { ...good, gaps: [{ maxTokens: 48 }], sampler: { algorithm: 'entropy', steps: 48, temperature: 0 } };
  const from = got.length;
  worker.send(infill(30, slow));
  worker.send(infill(30, slow));
  worker.send({ type: 'cancel', id: 424242 });
  await until(() => got.slice(from).some((m) => m.type === 'result' && m.id === 30), 60_000, 'request 30');
  await new Promise((r) => setTimeout(r, 100));
  const mine = got.slice(from);
  assert.equal(mine.filter((m) => (m.type === 'result' || m.type === 'error') && m.id === 30).length, 1, 'id 30 ran and was answered once');
  const refused = mine.filter((m) => m.type === 'refused');
  assert.equal(refused.length, 1);
  if (refused[0].type === 'refused') assert.match(refused[0].error.message, /id 30 is already in flight/);
  assert.equal(exited, null);
});

test('oversized payloads: a 32 MB text and 100,000 gaps are answered, the worker survives', async () => {
  const big = 'x = 1  # filler line of text\n'.repeat(1_150_000); // ~32 MB
  const t0 = performance.now();
  const a = await answerTo(infill(40, { ...good, pieces: [big, big.slice(0, 1000)] }), 40);
  const bigMs = performance.now() - t0;
  assert.equal(a.type, 'result', 'the text is cut to the context window, not refused');
  const many = { pieces: Array(100_001).fill(''), gaps: Array(100_000).fill({ maxTokens: 1 }) };
  const t1 = performance.now();
  const b = await answerTo(infill(41, many), 41);
  const manyMs = performance.now() - t1;
  assert.ok(b.type === 'error' && /do not fit the model's context/.test(b.error.message), JSON.stringify(b).slice(0, 300));
  const ok = await answerTo(infill(42, good), 42);
  assert.equal(ok.type, 'result');
  Object.assign(figures, { text32MbAnsweredMs: round(bigMs), gaps100kAnsweredMs: round(manyMs) });
});
