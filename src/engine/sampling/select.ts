// Which of this step's candidate positions get committed. Candidates are indices 0..n-1 into the caller's arrays;
// the chosen indices are written to `out` and their count returned. n is small (masks in the active block), so
// plain sorts of index arrays are fine here.

import type { Prng } from './prng';

/** The k candidates with the highest confidence (ties: the leftmost first, for determinism). */
export function selectTopK(conf: Float64Array, n: number, k: number, out: Int32Array): number {
  return takeBest(conf, n, Math.min(k, n), out);
}

/**
 * alg_temp > 0: k positions drawn without replacement with weights softmax(conf / algTemp). Gumbel top-k draws
 * exactly that distribution: add Gumbel noise to conf / algTemp and keep the k largest.
 */
export function selectSampled(
  conf: Float64Array,
  n: number,
  k: number,
  algTemp: number,
  rng: Prng,
  keys: Float64Array,
  out: Int32Array,
): number {
  for (let i = 0; i < n; i++) keys[i] = conf[i] / algTemp + rng.gumbel();
  return takeBest(keys, n, Math.min(k, n), out);
}

/** Fast-dLLM: every candidate whose probability is >= tau, and always at least the most confident one. */
export function selectThreshold(prob: Float64Array, n: number, tau: number, out: Int32Array): number {
  if (n === 0) return 0;
  let best = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (prob[i] > prob[best]) best = i;
    if (prob[i] >= tau) out[c++] = i;
  }
  if (c === 0) out[c++] = best;
  return c;
}

/** Dream 'origin': each candidate is revealed independently with probability p (1 at the last step). */
export function selectRandom(n: number, p: number, rng: Prng, out: Int32Array): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (p >= 1 || rng.next() < p) out[c++] = i;
  return c;
}

function takeBest(score: Float64Array, n: number, k: number, out: Int32Array): number {
  if (k <= 0) return 0;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => score[b] - score[a] || a - b);
  for (let i = 0; i < k; i++) out[i] = order[i];
  return k;
}
