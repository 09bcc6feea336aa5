import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from './prng';
import { selectRandom, selectSampled, selectThreshold, selectTopK } from './select';

const out = new Int32Array(16);
const picked = (c: number) => Array.from(out.subarray(0, c)).sort((a, b) => a - b);

test('threshold commits every candidate at or above tau', () => {
  const c = selectThreshold(Float64Array.from([0.95, 0.2, 0.9, 0.5]), 4, 0.9, out);
  assert.deepEqual(picked(c), [0, 2]);
});

test('threshold commits at least one (the most confident) when none qualifies', () => {
  const c = selectThreshold(Float64Array.from([0.1, 0.4, 0.3]), 3, 0.9, out);
  assert.deepEqual(picked(c), [1]);
});

test('top-k takes the k most confident, leftmost on ties', () => {
  const c = selectTopK(Float64Array.from([-1, -0.1, -0.5, -0.1]), 4, 2, out);
  assert.deepEqual(picked(c), [1, 3]);
  const d = selectTopK(Float64Array.from([0, 0, 0]), 3, 1, out);
  assert.deepEqual(picked(d), [0]);
});

test('alg_temp sampling favours confident positions but is random', () => {
  const conf = Float64Array.from([0, 0, 0, 5]);
  const keys = new Float64Array(4);
  const rng = new Prng(9);
  let hits = 0;
  for (let i = 0; i < 1000; i++) {
    selectSampled(conf, 4, 1, 1, rng, keys, out);
    if (out[0] === 3) hits++;
  }
  // softmax([0,0,0,5]) gives position 3 about 0.98
  assert.ok(hits > 950 && hits < 1000, `hits=${hits}`);
});

test('origin reveals each with probability p, all at p=1', () => {
  const rng = new Prng(1);
  let total = 0;
  for (let i = 0; i < 2000; i++) total += selectRandom(10, 0.25, rng, out);
  assert.ok(Math.abs(total / 20000 - 0.25) < 0.02);
  assert.equal(selectRandom(7, 1, rng, out), 7);
});
