// The decoding configurations the bench compares side by side. Step counts depend on the gap size, so each config
// is a function of the task's maxTokens.

import type { SamplerOptions } from '../src/engine/types';

export interface BenchConfig {
  name: string;
  /** Dual-cache rows: the name of the same config without the cache, whose fills they are compared with. */
  uncached?: string;
  /** The baseline every other config's exact match is compared with. */
  baseline?: boolean;
  /** Counts for the "≥3 tokens per forward with ≤1 point EM loss" target. */
  parallel?: boolean;
  sampler: (maxTokens: number) => Partial<SamplerOptions>;
}

// blockSize = the gap length (one block) unless a config asks for blocks: a manifest may recommend a block size,
// and the bench must compare exactly the configurations it names.
// Every row names its cache setting, so a manifest that recommends the dual cache does not silently change them.
const greedy = { temperature: 0, topP: 1, seed: 0, cache: 'none' as const };

export const CONFIGS: BenchConfig[] = [
  { name: 'one-per-step (entropy, steps=N)', baseline: true, sampler: (n) => ({ algorithm: 'entropy', steps: n, blockSize: n, ...greedy }) },
  // Dream's schedule with a quarter of the steps (about four tokens per pass), with each of its confidence orders.
  ...(['entropy', 'maskgit_plus', 'topk_margin'] as const).map(
    (algorithm): BenchConfig => ({ name: `dream ${algorithm}, steps=N/4`, parallel: true, sampler: (n) => ({ algorithm, stepsPerToken: 0.25, blockSize: n, ...greedy }) }),
  ),
  { name: 'threshold 0.7', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.7, blockSize: n, ...greedy }) },
  { name: 'threshold 0.8', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.8, blockSize: n, ...greedy }) },
  { name: 'threshold 0.9', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.9, blockSize: n, ...greedy }) },
  { name: 'block 8, threshold 0.9', parallel: true, sampler: () => ({ algorithm: 'threshold', threshold: 0.9, blockSize: 8, ...greedy }) },
];

/** Rows that need the dual cache (a window graph, or graph v2): the cache next to its uncached twin. */
export const CACHED_CONFIGS: BenchConfig[] = [
  { name: 'block 8, threshold 0.9, dual cache', parallel: true, uncached: 'block 8, threshold 0.9', sampler: () => ({ algorithm: 'threshold', threshold: 0.9, blockSize: 8, ...greedy, cache: 'dual' }) },
  { name: 'threshold 0.9, dual cache', parallel: true, uncached: 'threshold 0.9', sampler: (n) => ({ algorithm: 'threshold', threshold: 0.9, blockSize: n, ...greedy, cache: 'dual' }) },
];

/**
 * What the editor runs when the user changes nothing: the model manifest's recommended sampler, exactly. The
 * latency targets are judged on this row. The other rows override the manifest's choices they name (algorithm,
 * threshold, block size) and inherit the rest, such as eosAfterText.
 */
export function editorDefault(recommended: Record<string, unknown> | undefined): BenchConfig {
  const rec: Partial<SamplerOptions> = { ...recommended };
  const parts = [rec.algorithm === 'threshold' ? `threshold ${rec.threshold ?? 0.9}` : String(rec.algorithm ?? 'threshold 0.9')];
  if (rec.blockSize) parts.push(`blocks of ${rec.blockSize}`);
  if (rec.eosAfterText) parts.push('eos after text');
  if (rec.cache === 'dual') parts.push('dual cache');
  if (rec.algorithm !== 'threshold' && rec.stepsPerToken !== undefined && rec.stepsPerToken !== 1) parts.push(`steps=${rec.stepsPerToken}N`);
  // Judged for the parallel target like every other row: a one-per-step default simply stays under 3 tokens/forward.
  return { name: `editor default (${parts.join(', ')})`, parallel: true, sampler: () => ({ ...rec, seed: 0 }) };
}
