// Small statistics helpers for the bench.

import { Prng } from '../src/engine/sampling/prng';

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : NaN);

/**
 * Mean of a[i] - b[i] over paired tasks with a 95 % paired-bootstrap interval (tasks resampled with replacement,
 * seeded so a rerun prints the same interval). Says how much of a difference between two rows is task noise.
 */
export function pairedDifference(a: number[], b: number[], draws = 2000, seed = 0): { diff: number; lo: number; hi: number } {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`paired samples need the same non-zero length (${a.length} vs ${b.length})`);
  const d = a.map((x, i) => x - b[i]);
  const rng = new Prng(seed);
  const means: number[] = [];
  for (let k = 0; k < draws; k++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[Math.floor(rng.next() * d.length)];
    means.push(s / d.length);
  }
  return { diff: mean(d), lo: percentile(means, 2.5), hi: percentile(means, 97.5) };
}
