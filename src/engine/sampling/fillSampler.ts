// Which decoder a fill or a rewrite runs by default. A manifest's recommendation is often the model's published
// setting, decoded one token per step (DiffuCoder: entropy, T 0.3), which at 0.5B on a laptop CPU is ~40 s for a
// 24-token gap. Fast-dLLM's confidence threshold with blocks decodes the same gap in a few passes and, with the dual
// cache, makes most of them window passes; Fast-dLLM reports no meaningful accuracy loss on Dream and LLaDA at
// τ = 0.9, and the bench measures it against one token per step on the bundled model (docs/engine.md). So fills use
// it for every model ('parallel'); 'model' keeps the manifest's sampler exactly. The user's own sampler options (a
// `diffucode.sampler.*` setting, a CLI flag) win over either.

import type { SamplerOptions } from '../types';

export const FILL_SAMPLERS = ['parallel', 'model'] as const;
export type FillSamplerChoice = (typeof FILL_SAMPLERS)[number];

/**
 * The parallel decoder (the editor's ghost-text default): every mask with p >= 0.9 per pass, in blocks of 8, greedy.
 * `eosAfterText` and `repetitionPenalty` are not part of it: they correct a model's habits (calibrated per model), so
 * the manifest's values stay.
 */
export const PARALLEL_SAMPLER: Readonly<Partial<SamplerOptions>> = Object.freeze({
  algorithm: 'threshold',
  threshold: 0.9,
  blockSize: 8,
  temperature: 0,
  topP: 1,
  topK: 0,
  algTemp: 0,
});

/**
 * The sampler a fill sends: the parallel decoder (with the dual cache where the model has one) under the user's
 * overrides, or the overrides alone (the engine then fills in the manifest's recommendation).
 */
export function fillSampler(choice: FillSamplerChoice, model: { dualCache?: boolean }, overrides: Partial<SamplerOptions> = {}): Partial<SamplerOptions> {
  if (choice === 'model') return { ...overrides };
  return { ...PARALLEL_SAMPLER, cache: model.dualCache ? 'dual' : 'none', ...overrides };
}

export function isFillSamplerChoice(v: unknown): v is FillSamplerChoice {
  return (FILL_SAMPLERS as readonly unknown[]).includes(v);
}
