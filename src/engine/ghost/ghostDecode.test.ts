import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ScriptedModel, ScriptedWindowModel, type Script } from '../testing/fakeModel';
import { fakeEngine } from '../testing/fakeEngine';
import type { InfillRequest } from '../types';
import { REUSE_LIMITS } from './canvasReuse';

const V = 138;
const id = CharTokenizer.id;
// Predicts the character the "file" has at each canvas position past the prefix: a model that knows the answer.
const answer = 'return x + 1\n';
const script =
  (prefixLen: number): Script =>
  (ids, pos) => {
    // the gap starts right after the prefix (+1 for BOS); what it holds depends on what was typed
    let typed = 0;
    while (typed < answer.length && ids[1 + prefixLen + typed] === id(answer[typed])) typed++;
    const k = pos - (1 + prefixLen);
    return { token: k >= 0 && k < answer.length ? id(answer[k]) : 0, p: 0.95 };
  };

const ghostReq = (prefix: string, suffix: string, extra: Partial<InfillRequest['ghostText']> = {}): InfillRequest => ({
  pieces: [prefix, suffix],
  gaps: [{ maxTokens: 16, singleLine: true }],
  sampler: {},
  ghostText: { document: 'doc', ...extra },
});

test('ghost text decodes in parallel (threshold) even when the manifest recommends one token per step', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'entropy', stepsPerToken: 1, temperature: 0.3, topP: 0.95 } });
  const r = await e.infill(ghostReq(base, '\n'));
  assert.equal(r.gaps[0].text, 'return x + 1\n');
  assert.equal(r.stats.algorithm, 'threshold');
  assert.equal(r.stats.forwardPasses, 2); // every slot of a block above the threshold at once: one pass per block of 8
  // the same request as a fill follows the manifest: one token per step
  const fill = await e.infill({ pieces: [base, '\n'], gaps: [{ maxTokens: 16, singleLine: true }] });
  assert.equal(fill.stats.algorithm, 'entropy');
  assert.ok(fill.stats.forwardPasses >= 13);
});

test('one full pass per request whatever the block size, then windows over what changed and the rows asked for', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, blockSize: 4, cache: 'dual' } });
  const r = await e.infill(ghostReq(base, '\n'));
  assert.equal(r.gaps[0].text, 'return x + 1\n');
  assert.equal(r.stats.fullPasses, 1);
  assert.equal(model.passes.filter((p) => p.kind === 'prefill').length, 1);
  const gapStart = 1 + base.length;
  const windows = model.passes.filter((q) => q.kind === 'window');
  assert.ok(windows.length >= 1);
  for (const p of windows) assert.ok(p.lo >= gapStart - 1 && p.hi <= gapStart + 16, `window [${p.lo}, ${p.hi}) inside the gap`);
  // a fill with the same sampler still refreshes at every block start (the dual cache as Fast-dLLM runs it)
  model.passes.length = 0;
  await e.infill({ pieces: [base, '\n'], gaps: [{ maxTokens: 16 }] });
  assert.ok(model.passes.filter((p) => p.kind === 'prefill').length > 1);
});

test('typing at the cursor reuses the canvas: no full pass, the suffix stays put, the gap shrinks', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  const first = await e.infill(ghostReq(base, '\nprint(f(2))\n'));
  assert.equal(first.stats.reuse, 'no canvas');
  model.passes.length = 0;
  const second = await e.infill(ghostReq(base + 'ret', '\nprint(f(2))\n'));
  assert.equal(second.stats.reuse, 'reused');
  assert.equal(first.stats.reusesLeft, REUSE_LIMITS.maxReuses);
  assert.equal(second.stats.reusesLeft, REUSE_LIMITS.maxReuses - 1);
  assert.equal(second.stats.fullPasses, 0);
  assert.equal(second.gaps[0].text, 'urn x + 1\n');
  assert.equal(second.stats.canvasTokens, first.stats.canvasTokens); // same positions: 3 typed tokens, 3 fewer masks
  const gapStart = 1 + base.length;
  const w = model.passes[0];
  assert.equal(w.kind, 'window');
  // the typed 'ret' is what the cache already computed at those positions (the last suggestion began with it), so
  // the window starts at the new gap at the latest
  assert.ok(w.lo >= gapStart - 3 && w.lo <= gapStart + 3, `window starts at the changed tail (${w.lo})`);
  assert.ok(w.hi <= gapStart + 16); // ... and ends inside the gap: the suffix is not recomputed
});

test('an edit elsewhere, a changed suffix, too many reuses or a different gap recompute in full', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  await e.infill(ghostReq(base, '\n'));
  assert.equal((await e.infill(ghostReq(base, '\nmore\n'))).stats.reuse, 'edit after the cursor');
  assert.equal((await e.infill(ghostReq('def g(x):\n    ', '\nmore\n'))).stats.reuse, 'edit before the cursor');
  assert.equal((await e.infill({ ...ghostReq('def g(x):\n    ', '\nmore\n'), gaps: [{ maxTokens: 20 }] })).stats.reuse, 'gap shape changed');
  assert.equal((await e.infill(ghostReq('def g(x):\n    ', '\nmore\n', { reuse: false }))).stats.reuse, 'reuse off');
  let prefix = 'def g(x):\n    ';
  const reasons: string[] = [];
  for (let i = 0; i < 10; i++) {
    prefix += i % 2 ? 'a' : 'b';
    const r = await e.infill({ ...ghostReq(prefix, '\nmore\n'), gaps: [{ maxTokens: 40, singleLine: true }] });
    reasons.push(r.stats.reuse!);
  }
  assert.equal(reasons[0], 'gap shape changed');
  assert.deepEqual(reasons.slice(1, 9), Array(8).fill('reused'));
  assert.equal(reasons[9], 'reused 8 times');
  // the gap (16 asked + 16 slack) is used up when less than half the size asked is left
  assert.equal(REUSE_LIMITS.slackTokens, 16);
  let p2 = 'x = ';
  await e.infill(ghostReq(p2, ''));
  const why: string[] = [];
  for (let i = 0; i < 4; i++) {
    p2 += 'abcdefgh';
    why.push((await e.infill(ghostReq(p2, ''))).stats.reuse!);
  }
  assert.deepEqual(why, ['reused', 'reused', 'reused', 'gap used up']);
});

test('prefill ahead warms the cache: the next request at that cursor runs window passes only', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  const pre = await e.infill(ghostReq(base, '\n', { prefillOnly: true }));
  assert.equal(pre.gaps.length, 0);
  assert.deepEqual(model.passes.map((p) => p.kind), ['prefill']);
  const r = await e.infill(ghostReq(base + 'r', '\n'));
  assert.equal(r.stats.reuse, 'reused');
  assert.equal(r.stats.fullPasses, 0);
  assert.equal(r.gaps[0].text, 'eturn x + 1\n');
});

test('forced work commits exactly N tokens a pass and never ends early (random-weight models in the bench)', async () => {
  const model = new ScriptedWindowModel(V, () => ({ token: 0, p: 0.99 })); // a model that ends every gap at once
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  const quick = await e.infill(ghostReq('a = ', ''));
  assert.equal(quick.gaps[0].text, '');
  assert.equal(quick.stats.forwardPasses, 1);
  const forced = await e.infill(ghostReq('b = ', '', { forceTokensPerPass: 4 }));
  assert.equal(forced.stats.forwardPasses, 4); // 16 slots, 4 a pass
  assert.equal(forced.stats.tokensCommitted, 16);
  assert.equal(forced.gaps[0].tokens.length, 16);
  // ... or as long as the real line is (6 tokens: 4 + 2)
  const line = await e.infill(ghostReq('c = ', '', { forceTokensPerPass: 4, forceLength: 6 }));
  assert.equal(line.stats.forwardPasses, 2);
  assert.equal(line.gaps[0].tokens.length, 6);
  assert.equal(line.gaps[0].stopped, true);
});

test('a cancelled reuse leaves the old canvas usable', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  await e.infill(ghostReq(base, '\n'));
  const ctrl = new AbortController();
  ctrl.abort();
  await assert.rejects(e.infill(ghostReq(base + 'r', '\n'), { signal: ctrl.signal }));
  const r = await e.infill(ghostReq(base + 're', '\n'));
  assert.equal(r.stats.reuse, 'reused');
});

test('a request cancelled before its first pass keeps the document\'s canvas', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  await e.infill(ghostReq(base, '\n'));
  const ctrl = new AbortController();
  const cancelled = e.infill(ghostReq('def g(y):\n    ', '\n'), { signal: ctrl.signal }); // would recompute in full
  ctrl.abort(); // the next keystroke came before its full pass started
  await assert.rejects(cancelled);
  const r = await e.infill(ghostReq(base + 're', '\n'));
  assert.equal(r.stats.reuse, 'reused');
  assert.equal(r.gaps[0].text, 'turn x + 1\n');
});

test('a block canvas serves the line requests typed on its line; a line canvas never serves a block request', async () => {
  const base = 'def f(x):\n    ';
  const model = new ScriptedWindowModel(V, script(base.length));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  const block = (prefix: string) => ({ ...ghostReq(prefix, '\n'), gaps: [{ maxTokens: 24 }] });
  await e.infill(block(base));
  const line = await e.infill(ghostReq(base + 'r', '\n')); // the first character typed on the empty line
  assert.equal(line.stats.reuse, 'reused');
  assert.equal(line.gaps[0].text, 'eturn x + 1\n');
  assert.equal((await e.infill(block(base + 're'))).stats.reuse, 'reused'); // still the block canvas
  const other = 'def g(x):\n    ';
  await e.infill(ghostReq(other, '\n'));
  assert.equal((await e.infill(block(other + 'r'))).stats.reuse, 'gap shape changed');
});

test('the slack past the size asked is seen as masks but never decoded', async () => {
  const model = new ScriptedWindowModel(V, () => ({ token: id('a'), p: 0.95 }));
  const e = fakeEngine(model, { sampler: { algorithm: 'threshold', threshold: 0.9, cache: 'dual' } });
  const r = await e.infill({ ...ghostReq('s = "', '"\n'), gaps: [{ maxTokens: 16 }] });
  assert.equal(r.gaps[0].text, 'a'.repeat(16));
  assert.equal(r.gaps[0].stopped, false); // it filled the size asked: not an early stop
  assert.equal(r.stats.canvasTokens, 1 + 5 + 16 + REUSE_LIMITS.slackTokens + 2 + 1);
  // without a document nothing is kept, so there is no slack
  const plain = await e.infill({ ...ghostReq('s = "', '"\n'), gaps: [{ maxTokens: 16 }], ghostText: {} });
  assert.equal(plain.stats.canvasTokens, 1 + 5 + 16 + 2 + 1);
});
