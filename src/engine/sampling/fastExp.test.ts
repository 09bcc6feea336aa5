import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expNonPos } from './fastExp';

test('matches Math.exp to 1e-5 relative on [-700, 0]', () => {
  let worst = 0;
  for (let x = -700; x <= 0; x += 0.0137) worst = Math.max(worst, Math.abs(expNonPos(x) - Math.exp(x)) / Math.exp(x));
  assert.ok(worst < 1e-5, `worst relative error ${worst}`);
  assert.equal(expNonPos(0), 1);
});

test('underflow, -Infinity and NaN give 0', () => {
  assert.equal(expNonPos(-Infinity), 0);
  assert.equal(expNonPos(NaN), 0);
  assert.ok(expNonPos(-800) < 1e-300);
});
