// Ghost text's sampler: always parallel, whatever the model's manifest recommends for fills. A manifest may ask for
// Dream's entropy order at one token per step (the upstream recommendation for a fill the user waits for); ghost
// text cannot afford 24 full passes per keystroke, so it decodes by confidence threshold, greedily, over the dual
// cache when the model has one. The user's own sampler settings still win, except that a schedule algorithm they
// pick runs at about four tokens per step at most.

import { PARALLEL_SAMPLER } from '../sampling/fillSampler';
import { resolveSampler } from '../sampling/options';
import type { SamplerOptions } from '../types';

/** Threshold used when the manifest recommends another algorithm: the parallel decoder's (fills use the same one). */
export const GHOST_THRESHOLD = PARALLEL_SAMPLER.threshold!;
/**
 * Block size when the manifest names none (the parallel decoder's): the window passes then recompute the active
 * block (and what changed) instead of the whole gap, and the answer is decoded left to right in blocks, as Fast-dLLM
 * decodes.
 */
export const GHOST_BLOCK_SIZE = PARALLEL_SAMPLER.blockSize!;
/** The schedule algorithms' rate when the user picks one for ghost text: about four tokens per forward pass. */
export const GHOST_STEPS_PER_TOKEN = 0.25;

export function ghostTextSampler(
  manifest: Partial<SamplerOptions> | undefined,
  request: Partial<SamplerOptions> | undefined,
  dualCache: boolean,
): SamplerOptions {
  const m = manifest ?? {};
  const parallel: Partial<SamplerOptions> =
    m.algorithm === undefined || m.algorithm === 'threshold'
      ? {}
      : // The manifest's schedule is for fills: its steps and sampling temperature do not carry over.
        { algorithm: 'threshold', threshold: GHOST_THRESHOLD, steps: undefined, stepsPerToken: undefined, temperature: 0, topP: 1, topK: undefined, algTemp: undefined };
  const base: Partial<SamplerOptions> = { blockSize: GHOST_BLOCK_SIZE, ...m, ...parallel, cache: dualCache ? 'dual' : 'none', cacheRefresh: undefined };
  const s = resolveSampler(stripUndefined(base), request);
  if (s.algorithm !== 'threshold' && request?.steps === undefined) s.stepsPerToken = Math.min(s.stepsPerToken ?? 1, GHOST_STEPS_PER_TOKEN);
  return s;
}

function stripUndefined(o: Partial<SamplerOptions>): Partial<SamplerOptions> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<SamplerOptions>;
}
