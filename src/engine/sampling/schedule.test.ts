import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dreamPlan, dreamTimesteps, tokensThisStep, transferProbability } from './schedule';

test('64 tokens in 8 steps commits 7,8,8,8,8,8,8,9 (Dream reference)', () => {
  assert.deepEqual(dreamPlan(64, 8, 1e-3), [7, 8, 8, 8, 8, 8, 8, 9]);
});

test('256 tokens in 256 steps wastes step 0 and commits 2 at the end', () => {
  const plan = dreamPlan(256, 256, 1e-3);
  assert.equal(plan[0], 0);
  assert.equal(plan[255], 2);
  assert.ok(plan.slice(1, 255).every((k) => k === 1));
  assert.equal(plan.reduce((a, b) => a + b, 0), 256);
});

test('256 tokens in 64 steps: 3 first, 5 last', () => {
  const plan = dreamPlan(256, 64, 1e-3);
  assert.equal(plan[0], 3);
  assert.equal(plan[63], 5);
  assert.equal(plan.reduce((a, b) => a + b, 0), 256);
});

test('timesteps run from 1 to eps', () => {
  const ts = dreamTimesteps(4, 0.001);
  assert.equal(ts[0], 1);
  assert.ok(Math.abs(ts[4] - 0.001) < 1e-7);
  assert.ok(ts[1] < ts[0] && ts[2] < ts[1]);
});

test('the last step takes everything left, the transfer probability is 1 there', () => {
  const ts = dreamTimesteps(3, 1e-3);
  assert.equal(tokensThisStep(ts, 2, 17), 17);
  assert.equal(transferProbability(ts, 2), 1);
  assert.ok(transferProbability(ts, 0) > 0 && transferProbability(ts, 0) < 1);
});

test('bad step counts are rejected', () => {
  assert.throws(() => dreamTimesteps(0, 1e-3), RangeError);
  assert.throws(() => dreamTimesteps(1.5, 1e-3), RangeError);
});
