import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressMessage } from './timeLeft';

test('a long fill shows the time left at its rate so far; a short one only counts tokens', () => {
  assert.equal(progressMessage(3, 24, 1, 500), '3/24 tokens (step 1)');
  assert.equal(progressMessage(6, 24, 2, 10_000), '6/24 tokens (step 2), about 30 s left');
  assert.equal(progressMessage(2, 64, 1, 8_000), '2/64 tokens (step 1), about 4 min left');
  assert.equal(progressMessage(24, 24, 9, 30_000), '24/24 tokens (step 9)');
  assert.equal(progressMessage(0, 24, 0, 5_000), '0/24 tokens (step 0)');
});
