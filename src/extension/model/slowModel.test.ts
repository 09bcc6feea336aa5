import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeGhostTextSpeed } from './slowModel';

const speed = (ghostTextMs: number) => ({ canvasTokens: 346, fullPassMs: ghostTextMs / 5, windowPassMs: 10, ghostTextMs });

test('a model fast enough keeps ghost text; one too slow has it off with a message naming the measured time', () => {
  assert.deepEqual(judgeGhostTextSpeed('tiny', speed(300), false), { off: false });
  assert.deepEqual(judgeGhostTextSpeed('tiny', undefined, false), { off: false });
  const slow = judgeGhostTextSpeed('diffucoder-7b', speed(45_000), false);
  assert.equal(slow.off, true);
  assert.match(slow.message!, /diffucoder-7b needs about 45\.0 s per ghost-text suggestion/);
  assert.match(slow.message!, /Fill masked region/);
});

test('an explicit ghostText.enabled keeps ghost text on for a slow model, and says so', () => {
  const v = judgeGhostTextSpeed('big', speed(9000), true);
  assert.equal(v.off, false);
  assert.match(v.message!, /stays on because diffucode.ghostText.enabled is set explicitly/);
});
