// Resolves the sampler options of one request: built-in defaults < the manifest's recommendation < the request.
// Every value is validated here so the denoiser can trust them; a bad value is a clear EngineError.

import { EngineError, type Algorithm, type SamplerOptions } from '../types';

export const ALGORITHMS: readonly Algorithm[] = ['origin', 'maskgit_plus', 'topk_margin', 'entropy', 'threshold'];

export const BUILTIN_SAMPLER: SamplerOptions = {
  algorithm: 'threshold',
  threshold: 0.9,
  temperature: 0,
  topP: 1,
  eps: 1e-3,
  seed: 0,
};

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
  const bad = (field: string, why: string): never => {
    throw new EngineError(`sampler.${field} ${why} (got ${JSON.stringify((o as unknown as Record<string, unknown>)[field])})`, 'BAD_SAMPLER');
  };
  if (!ALGORITHMS.includes(o.algorithm)) bad('algorithm', `must be one of ${ALGORITHMS.join(', ')}`);
  const num = (f: keyof SamplerOptions) => typeof o[f] === 'number' && Number.isFinite(o[f] as number);
  if (!num('threshold') || o.threshold < 0 || o.threshold > 1) bad('threshold', 'must be a number in [0, 1]');
  if (!num('temperature') || o.temperature < 0) bad('temperature', 'must be a number >= 0');
  if (!num('topP') || o.topP <= 0 || o.topP > 1) bad('topP', 'must be a number in (0, 1]');
  if (!num('eps') || o.eps <= 0 || o.eps >= 1) bad('eps', 'must be a number in (0, 1)');
  if (!num('seed') || !Number.isInteger(o.seed)) bad('seed', 'must be an integer');
  if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 1)) bad('steps', 'must be a positive integer');
  // Above 1 there are more steps than masks: passes that commit nothing (a typo of 25 for 0.25 would be 25x slower).
  if (o.stepsPerToken !== undefined && (!num('stepsPerToken') || o.stepsPerToken <= 0 || o.stepsPerToken > 1)) bad('stepsPerToken', 'must be a number in (0, 1]: 1 = one token per step, 0.25 = about four');
  if (o.blockSize !== undefined && (!Number.isInteger(o.blockSize) || o.blockSize < 1)) bad('blockSize', 'must be a positive integer');
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 0)) bad('topK', 'must be an integer >= 0');
  if (o.algTemp !== undefined && (!num('algTemp') || o.algTemp < 0)) bad('algTemp', 'must be a number >= 0');
  if (o.eosAfterText !== undefined && typeof o.eosAfterText !== 'boolean') bad('eosAfterText', 'must be true or false');
  if (o.cache !== undefined && o.cache !== 'none' && o.cache !== 'dual') bad('cache', "must be 'none' or 'dual'");
  if (o.cacheRefresh !== undefined && (!Number.isInteger(o.cacheRefresh) || o.cacheRefresh < 0)) bad('cacheRefresh', 'must be an integer >= 0');
}
