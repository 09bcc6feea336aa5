// The decoding configurations the bench compares side by side. Step counts depend on the gap size, so each config
// is a function of the task's maxTokens.

import type { SamplerOptions } from '../src/engine/types';

export interface BenchConfig {
  name: string;
  /** The baseline every other config's exact match is compared with. */
  baseline?: boolean;
  /** Counts for the "≥3 tokens per forward with ≤1 point EM loss" target. */
  parallel?: boolean;
  sampler: (maxTokens: number) => Partial<SamplerOptions>;
}

// blockSize = the gap length (one block) unless a config asks for blocks: a manifest may recommend a block size,
// and the bench must compare exactly the configurations it names.
const greedy = { temperature: 0, topP: 1, seed: 0 };

export const CONFIGS: BenchConfig[] = [
  { name: 'one-per-step (entropy, steps=N)', baseline: true, sampler: (n) => ({ algorithm: 'entropy', steps: n, blockSize: n, ...greedy }) },
  { name: 'dream entropy, steps=N/4', sampler: (n) => ({ algorithm: 'entropy', steps: Math.max(1, Math.round(n / 4)), blockSize: n, ...greedy }) },
  { name: 'threshold 0.7', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.7, blockSize: n, ...greedy }) },
  { name: 'threshold 0.8', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.8, blockSize: n, ...greedy }) },
  { name: 'threshold 0.9', parallel: true, sampler: (n) => ({ algorithm: 'threshold', threshold: 0.9, blockSize: n, ...greedy }) },
  { name: 'block 8, threshold 0.9', parallel: true, sampler: () => ({ algorithm: 'threshold', threshold: 0.9, blockSize: 8, ...greedy }) },
];
