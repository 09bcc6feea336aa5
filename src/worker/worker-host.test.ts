import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ScriptedModel } from '../engine/testing/fake-model';
import { fakeEngine } from '../engine/testing/fake-engine';
import type { FromWorker } from './protocol';
import { WorkerHost } from './worker-host';

/** A host whose "model folder" is a slow scripted model (each forward waits `ms`). */
function host(ms = 5, idleUnloadMs = 0) {
  const sent: FromWorker[] = [];
  let loads = 0;
  let disposed = 0;
  const h = new WorkerHost(
    (m) => sent.push(m),
    async () => {
      loads++;
      const model = new ScriptedModel(138, () => ({ token: CharTokenizer.id('z'), p: 0.3 }));
      const slow = { vocabSize: 138, forward: async (ids: Int32Array, rows: Int32Array) => { await new Promise((r) => setTimeout(r, ms)); return model.forward(ids, rows); } };
      const e = fakeEngine(slow);
      const origDispose = e.dispose.bind(e);
      e.dispose = async () => { disposed++; await origDispose(); };
      return e;
    },
  );
  h.handle({ type: 'init', config: { modelDir: '(fake)', idleUnloadMs } });
  return { h, sent, loads: () => loads, disposed: () => disposed };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 2));
  }
};
const req = { pieces: ['', ''], gaps: [{ maxTokens: 20 }], sampler: { algorithm: 'threshold' as const, temperature: 0 } };
const answer = (sent: FromWorker[], id: number) => sent.find((m) => (m.type === 'result' || m.type === 'error') && m.id === id);

test('load answers with the model info; infill answers with a result and progress', async () => {
  const { h, sent } = host(0);
  h.handle({ type: 'load', id: 1 });
  h.handle({ type: 'infill', id: 2, request: req, progress: true });
  await until(() => !!answer(sent, 2));
  assert.ok(sent.some((m) => m.type === 'loaded' && m.id === 1 && m.info.name === 'fake'));
  const r = answer(sent, 2);
  assert.equal(r?.type, 'result');
  assert.ok(sent.some((m) => m.type === 'progress' && m.id === 2));
  if (r?.type === 'result') assert.ok(r.result.stats.peakRssMb! > 0);
});

test('cancel stops the running request; a queued one is cancelled without running', async () => {
  const { h, sent } = host(10);
  h.handle({ type: 'infill', id: 1, request: req, progress: false });
  h.handle({ type: 'infill', id: 2, request: req, progress: false });
  h.handle({ type: 'cancel', id: 2 });
  await new Promise((r) => setTimeout(r, 30));
  h.handle({ type: 'cancel', id: 1 });
  await until(() => !!answer(sent, 1) && !!answer(sent, 2));
  for (const id of [1, 2]) {
    const a = answer(sent, id);
    assert.equal(a?.type, 'error');
    if (a?.type === 'error') assert.equal(a.error.name, 'AbortError');
  }
  const running = answer(sent, 1);
  // the pass in flight when the cancel arrived finished; no pass started after it
  if (running?.type === 'error') assert.equal(running.error.passesStartedAfterCancel, 0);
});

test('a new request with the same supersedeKey cancels the old one; other keys are untouched', async () => {
  const { h, sent } = host(5);
  h.handle({ type: 'infill', id: 1, request: req, progress: false, supersedeKey: 'doc-a' });
  h.handle({ type: 'infill', id: 2, request: req, progress: false, supersedeKey: 'doc-b' });
  h.handle({ type: 'infill', id: 3, request: req, progress: false, supersedeKey: 'doc-a' });
  await until(() => [1, 2, 3].every((id) => !!answer(sent, id)));
  assert.equal(answer(sent, 1)?.type, 'error');
  assert.equal(answer(sent, 2)?.type, 'result');
  assert.equal(answer(sent, 3)?.type, 'result');
});

test('the model is unloaded after the idle period and loaded again on demand', async () => {
  const { h, sent, loads, disposed } = host(0, 30);
  h.handle({ type: 'infill', id: 1, request: req, progress: false });
  await until(() => !!answer(sent, 1));
  await until(() => disposed() === 1);
  assert.ok(sent.some((m) => m.type === 'state' && m.state === 'idle'));
  h.handle({ type: 'infill', id: 2, request: req, progress: false });
  await until(() => !!answer(sent, 2));
  assert.equal(loads(), 2);
});

test('bad requests come back as errors, not crashes', async () => {
  const { h, sent } = host(0);
  h.handle({ type: 'infill', id: 1, request: { pieces: ['x'], gaps: [{ maxTokens: 1 }] }, progress: false });
  await until(() => !!answer(sent, 1));
  const a = answer(sent, 1);
  assert.equal(a?.type, 'error');
  if (a?.type === 'error') assert.match(a.error.message, /pieces must have/);
});
