import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate } from './engineApi';
import { judgeGhostTextSpeed } from './slowModel';

// Pass times as measured on this 2-core CPU (docs/models.md): the bundled model, and a 0.5B int4 / 7.6B int4 shape.
const tiny = estimate({ canvasTokens: 346, fullPassMs: 12, windowTokens: 28, windowPassMs: 4 });
const small = estimate({ canvasTokens: 346, fullPassMs: 1200, windowTokens: 28, windowPassMs: 110 });
const big = estimate({ canvasTokens: 346, fullPassMs: 14_000, windowTokens: 28, windowPassMs: 1400 });

test('the estimate is what ghost text runs: warm = windows only, cold = one full pass + windows', () => {
  assert.deepEqual(small.passes, { warm: { full: 0, window: 3 }, cold: { full: 1, window: 2 } });
  assert.equal(small.warmMs, 330);
  assert.equal(small.coldMs, 1420);
  // without the dual cache every pass is a full one
  const noCache = estimate({ canvasTokens: 346, fullPassMs: 100 });
  assert.deepEqual(noCache.passes.cold, { full: 3, window: 0 });
  assert.equal(noCache.warmMs, 300);
});

test('a model fast enough keeps ghost text; one too slow has it off with a message naming the measured passes', () => {
  assert.deepEqual(judgeGhostTextSpeed('tiny', tiny, false), { on: true, off: false, reason: 'fast enough', msPerSuggestion: 12, coldMsPerSuggestion: 20 });
  assert.deepEqual(judgeGhostTextSpeed('tiny', undefined, false), { on: true, off: false, reason: 'not measured' });
  assert.equal(judgeGhostTextSpeed('0.5b', small, false).on, true);
  const slow = judgeGhostTextSpeed('diffucoder-7b', big, false);
  assert.equal(slow.off, true);
  assert.equal(slow.on, false);
  assert.equal(slow.reason, 'too slow');
  assert.equal(slow.msPerSuggestion, 4200);
  assert.match(slow.message!, /diffucoder-7b needs about 16\.8 s per ghost-text suggestion/);
  assert.match(slow.message!, /1 full \+ 2 window passes/);
  assert.match(slow.message!, /Fill masked region/);
});

test('an explicit ghostText.enabled keeps ghost text on for a slow model, and says so', () => {
  const v = judgeGhostTextSpeed('big', big, true);
  assert.equal(v.off, false);
  assert.equal(v.on, true);
  assert.match(v.message!, /stays on because diffucode.ghostText.enabled is set explicitly/);
});
