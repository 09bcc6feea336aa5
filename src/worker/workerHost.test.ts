import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ScriptedModel } from '../engine/testing/fakeModel';
import { fakeEngine } from '../engine/testing/fakeEngine';
import type { FromWorker } from './protocol';
import { WorkerHost } from './workerHost';

/** A host whose "model folder" is a slow scripted model (each forward waits `ms`). */
function host(ms = 5, idleUnloadMs = 0, onShutdown?: () => void) {
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
    onShutdown,
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

test('every malformed message is answered with BAD_REQUEST naming the field, never thrown', async () => {
  const { h, sent } = host(0);
  const infill = (over: Record<string, unknown>, reqOver: Record<string, unknown> = {}) => ({ type: 'infill', id: 50, progress: false, ...over, request: { ...req, ...reqOver } });
  const table: [string, unknown, RegExp, number | undefined][] = [
    ['null', null, /message must be an object with a "type" \(got null\)/, undefined],
    ['a number', 42, /message must be an object/, undefined],
    ['an array', [1], /message must be an object/, undefined],
    ['no type', {}, /type must be one of init, load, infill, cancel, shutdown \(got undefined\)/, undefined],
    ['unknown type', { type: 'frobnicate', id: 1 }, /type must be one of .* \(got "frobnicate"\)/, undefined],
    ['string id', infill({ id: '7' }), /id must be an integer >= 0 \(got "7"\)/, undefined],
    ['fractional id', { type: 'cancel', id: 1.5 }, /id must be an integer >= 0/, undefined],
    ['init without config', { type: 'init', config: null }, /config must be an object/, undefined],
    ['init with a bad folder', { type: 'init', config: { modelDir: 3 } }, /config\.modelDir must be a non-empty string/, undefined],
    ['init with bad threads', { type: 'init', config: { modelDir: 'x', threads: -1 } }, /config\.threads must be an integer >= 0/, undefined],
    ['request null', { type: 'infill', id: 51, request: null }, /request must be an object \(got null\)/, 51],
    ['negative prefix budget', infill({ id: 52 }, { budget: { prefixTokens: -10 } }), /request\.budget\.prefixTokens must be an integer >= 0 \(got -10\)/, 52],
    ['string suffix budget', infill({ id: 53 }, { budget: { suffixTokens: 'x' } }), /request\.budget\.suffixTokens must be an integer >= 0 \(got "x"\)/, 53],
    ['budget not an object', infill({ id: 54 }, { budget: 5 }), /request\.budget must be an object/, 54],
    ['singleLine "yes"', infill({ id: 55 }, { gaps: [{ maxTokens: 3, singleLine: 'yes' }] }), /request\.gaps\[0\]\.singleLine must be true or false \(got "yes"\)/, 55],
    ['maxTokens a string', infill({ id: 56 }, { gaps: [{ maxTokens: '3' }] }), /request\.gaps\[0\]\.maxTokens must be an integer >= 1/, 56],
    ['maxTokens 0', infill({ id: 57 }, { gaps: [{ maxTokens: 0 }] }), /request\.gaps\[0\]\.maxTokens must be an integer >= 1 \(got 0\)/, 57],
    ['no gaps', infill({ id: 58 }, { gaps: [] }), /request\.gaps must be a non-empty array/, 58],
    ['a gap null', infill({ id: 59 }, { gaps: [null] }), /request\.gaps\[0\] must be an object/, 59],
    ['pieces not an array', infill({ id: 60 }, { pieces: 'ab' }), /request\.pieces must be an array of gaps\.length \+ 1 = 2 strings/, 60],
    ['a piece not a string', infill({ id: 61 }, { pieces: ['a', 7] }), /request\.pieces\[1\] must be a string \(got 7\)/, 61],
    ['sampler a string', infill({ id: 62 }, { sampler: 'abc' }), /request\.sampler must be an object/, 62],
    ['progress "yes"', infill({ id: 63, progress: 'yes' }), /progress must be true or false/, 63],
    ['supersedeKey a number', infill({ id: 64, supersedeKey: 5 }), /supersedeKey must be a string/, 64],
  ];
  for (const [what, msg, re, id] of table) {
    const before = sent.length;
    assert.doesNotThrow(() => h.handle(msg), what);
    const answers = sent.slice(before);
    assert.equal(answers.length, 1, `${what}: one answer`);
    const a = answers[0];
    if (id === undefined) assert.equal(a.type, 'refused', what);
    else assert.ok(a.type === 'error' && a.id === id, `${what}: answered under id ${id}`);
    const error = a.type === 'refused' || a.type === 'error' ? a.error : undefined;
    assert.equal(error?.code, 'BAD_REQUEST', what);
    assert.match(error?.message ?? '', re, what);
  }
  // The host is still serving, with its original config.
  h.handle({ type: 'infill', id: 99, request: req, progress: false });
  await until(() => !!answer(sent, 99));
  assert.equal(answer(sent, 99)?.type, 'result');
});

test('a duplicate in-flight id is refused (runs once), and a cancel for an unknown id is ignored', async () => {
  const { h, sent } = host(10);
  h.handle({ type: 'infill', id: 7, request: req, progress: false });
  h.handle({ type: 'infill', id: 7, request: req, progress: false });
  const refused = sent.filter((m) => m.type === 'refused');
  assert.equal(refused.length, 1);
  if (refused[0].type === 'refused') assert.match(refused[0].error.message, /id 7 is already in flight; the duplicate request was refused/);
  const before = sent.length;
  h.handle({ type: 'cancel', id: 12345 });
  assert.equal(sent.length, before, 'an unknown cancel sends nothing');
  h.handle({ type: 'infill', id: 8, request: req, progress: false });
  await until(() => !!answer(sent, 8));
  const answers7 = sent.filter((m) => (m.type === 'result' || m.type === 'error') && m.id === 7);
  assert.deepEqual(answers7.map((m) => m.type), ['result'], 'id 7 ran once and was answered once');
  assert.equal(answer(sent, 8)?.type, 'result', 'the unknown cancel stopped nothing');
  // Once answered, the id may be used again.
  h.handle({ type: 'infill', id: 7, request: req, progress: false });
  await until(() => sent.filter((m) => m.type === 'result' && m.id === 7).length === 2);
});

test('shutdown cancels what is running, unloads the model, then hands over to the process entry (the host never exits)', async () => {
  let unloadedAtShutdown = -1;
  const { h, sent, disposed } = host(20, 0, () => (unloadedAtShutdown = disposed()));
  h.handle({ type: 'infill', id: 1, request: req, progress: true });
  await until(() => sent.some((m) => m.type === 'progress'));
  h.handle({ type: 'shutdown' });
  await until(() => unloadedAtShutdown >= 0);
  assert.equal(unloadedAtShutdown, 1, 'the model was disposed before the shutdown hook ran');
  await until(() => answer(sent, 1) !== undefined);
  assert.equal(answer(sent, 1)?.type, 'error');
});

test('background work (prefill ahead) waits for real requests and is dropped by any of them', async () => {
  const { h, sent } = host(20);
  h.handle({ type: 'load', id: 1 });
  await until(() => sent.some((m) => m.type === 'loaded'));
  // a running background job is stopped before its next pass when a real request comes
  h.handle({ type: 'infill', id: 2, request: req, progress: false, background: true });
  await new Promise((r) => setTimeout(r, 30));
  h.handle({ type: 'infill', id: 3, request: req, progress: false });
  await until(() => !!answer(sent, 3));
  const bg = answer(sent, 2);
  assert.equal(bg?.type, 'error');
  if (bg?.type === 'error') {
    assert.equal(bg.error.name, 'AbortError');
    assert.equal(bg.error.passesStartedAfterCancel, 0);
  }
  assert.equal(answer(sent, 3)?.type, 'result');
  // a queued background job never runs before a real one queued after it, and is dropped by it
  h.handle({ type: 'infill', id: 4, request: req, progress: false });
  h.handle({ type: 'infill', id: 5, request: req, progress: false, background: true });
  h.handle({ type: 'infill', id: 6, request: req, progress: false });
  await until(() => !!answer(sent, 6));
  assert.equal(answer(sent, 5)?.type, 'error');
  assert.equal(answer(sent, 6)?.type, 'result');
  // alone, background work runs to the end
  h.handle({ type: 'infill', id: 7, request: req, progress: false, background: true });
  await until(() => !!answer(sent, 7));
  assert.equal(answer(sent, 7)?.type, 'result');
});

test('every forward pass is announced before it runs (the client\'s sign of progress), also without progress text', async () => {
  const { h, sent } = host(1);
  h.handle({ type: 'infill', id: 7, request: req, progress: false });
  await until(() => !!answer(sent, 7));
  const r = answer(sent, 7);
  assert.equal(r?.type, 'result');
  const passes = sent.filter((m): m is Extract<FromWorker, { type: 'pass' }> => m.type === 'pass' && m.id === 7).map((m) => m.passes);
  if (r?.type === 'result') assert.deepEqual(passes, Array.from({ length: r.result.stats.forwardPasses }, (_, i) => i + 1));
  assert.ok(!sent.some((m) => m.type === 'progress'), 'no progress text unasked');
});
