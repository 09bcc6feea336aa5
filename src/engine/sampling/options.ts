// Resolves the sampler options of one request: built-in defaults < the manifest's recommendation < the request.
// Every value is validated here so the denoiser can trust them; a bad value is a clear EngineError. The rules
// themselves are rows of the sampler-option table (samplerOptions.ts).

import { EngineError, type SamplerOptions } from '../types';
import { builtinSampler, problemWith, SAMPLER_OPTIONS } from './samplerOptions';

const BUILTIN_SAMPLER: SamplerOptions = builtinSampler();

export function resolveSampler(
  manifest: Partial<SamplerOptions> | undefined,
  request: Partial<SamplerOptions> | undefined,
): SamplerOptions {
  const merged: SamplerOptions = { ...BUILTIN_SAMPLER };
  // A request that asks for a step rate drops a fixed step count the manifest recommends, which would win otherwise.
  const base = request?.stepsPerToken != null && request.steps == null ? { ...manifest, steps: undefined } : manifest;
  for (const src of [base, request]) {
    if (!src) continue;
    for (const [k, v] of Object.entries(src)) if (v !== undefined && v !== null) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  validate(merged);
  return merged;
}

function validate(o: SamplerOptions): void {
  for (const spec of SAMPLER_OPTIONS) {
    const value = o[spec.key];
    if (value === undefined) continue; // only options without a built-in default can be unset: they are off
    const problem = problemWith(spec, value);
    if (problem) throw new EngineError(problem, 'BAD_SAMPLER');
  }
}
