import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedDifference, percentile } from './stats';

test('paired difference: a constant gain has no spread; a noisy one straddles zero; same seed, same interval', () => {
  const a = Array.from({ length: 40 }, (_, i) => 50 + (i % 4) * 10);
  const d = pairedDifference(a, a.map((x) => x - 10));
  assert.deepEqual([d.diff, d.lo, d.hi].map((x) => Math.round(x * 1e9) / 1e9), [10, 10, 10]);
  const noisy = pairedDifference(Array.from({ length: 40 }, (_, i) => (i % 2 ? 100 : 0)), Array(40).fill(45));
  assert.ok(Math.abs(noisy.diff - 5) < 1e-9);
  assert.ok(noisy.lo < 0 && noisy.hi > 0, `${noisy.lo} .. ${noisy.hi}`);
  assert.deepEqual(pairedDifference([1, 2, 3], [0, 0, 5], 500, 7), pairedDifference([1, 2, 3], [0, 0, 5], 500, 7));
  assert.throws(() => pairedDifference([1], [1, 2]), /same non-zero length/);
});

test('percentile: nearest rank', () => {
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile([5, 1, 4, 2, 3], 95), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
});
