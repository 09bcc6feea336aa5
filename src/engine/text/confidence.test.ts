import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeConfidence } from './confidence';

test('min, mean and geometric mean of the committed tokens\' probabilities', () => {
  const s = summarizeConfidence([0.5, 1, 0.25])!;
  assert.equal(s.min, 0.25);
  assert.ok(Math.abs(s.mean - 1.75 / 3) < 1e-12);
  assert.ok(Math.abs(s.geomean - Math.cbrt(0.125)) < 1e-12);
  assert.equal(s.tokens, 3);
});

test('an empty gap has no summary', () => {
  assert.equal(summarizeConfidence([]), undefined);
});

test('min <= geomean <= mean even where exp(log p) rounds outside', () => {
  const p = 0.11265905234313203;
  assert.ok(Math.exp(Math.log(p)) < p, 'the rounding this guards against');
  const c = summarizeConfidence([p])!;
  assert.ok(c.min <= c.geomean && c.geomean <= c.mean);
  assert.equal(c.geomean, p);
});
