// Stage 3 of a denoising step: token, probability and confidence for every eligible row, from full rows of
// logits (with the per-row bans and the repetition penalty applied here) or from the confidence head's top k (the
// same bans and penalty applied in the graph: denoiseForward.ts).

import { EngineError } from '../types';
import type { PassOutput } from '../forwardModel';
import type { StepRows } from './denoisePlan';
import type { DenoiseConfig, DenoiseState } from './denoiseTypes';
import type { Prng } from './prng';
import { MAX_REPEATS, nearbyRepeats } from './repetition';
import type { RowSample, RowSampler } from './rowSampler';

const repeats = new Int32Array(MAX_REPEATS); // scratch: one row's penalised ids (JS is single-threaded)

/**
 * `bounded`: greedy threshold decoding only needs the exact probability of rows that reach tau or are the best so
 * far, so other rows stop scanning early.
 */
export function scoreRows(out: PassOutput, r: StepRows, state: DenoiseState, cfg: DenoiseConfig, sampler: RowSampler, rng: Prng, V: number, bounded: boolean, sample: RowSample): void {
  const n = r.n;
  if (!(out instanceof Float32Array)) {
    if (out.ids.length < n * out.k) throw new EngineError(`the confidence head returned ${out.ids.length} ids, expected ${n} × ${out.k}`, 'BAD_MODEL');
    for (let j = 0; j < n; j++) {
      sampler.sampleTop(out, j, rng, sample);
      r.tok[j] = sample.token;
      r.prob[j] = sample.prob;
      r.conf[j] = sample.confidence;
    }
    return;
  }
  const logits = out;
  if (logits.length < n * V) throw new EngineError(`the model returned ${logits.length} logits, expected ${n} × ${V}`, 'BAD_MODEL');
  const s = cfg.sampler;
  let bestProb = 0;
  for (let j = 0; j < n; j++) {
    const row = logits.subarray(j * V, (j + 1) * V);
    for (const b of cfg.bannedIds) if (b < V) row[b] = -Infinity;
    // eosAfterText: this slot may end the answer only once the slot before it holds text.
    if (s.eosAfterText && r.slotOf[j] > 0 && state.ids[r.pos[j] - 1] === cfg.maskId) for (const b of cfg.stopIds) if (b < V) row[b] = -Infinity;
    if (cfg.expandId !== null) {
      const gs = state.gaps[r.gapOf[j]];
      if (gs.length >= gs.maxLength || state.ids.length >= cfg.contextLength) row[cfg.expandId] = -Infinity;
    }
    if (s.repetitionPenalty) {
      const c = nearbyRepeats(state, cfg, r.gapOf[j], r.slotOf[j], repeats);
      for (let i = 0; i < c; i++) if (repeats[i] < V) row[repeats[i]] -= s.repetitionPenalty;
    }
    sampler.sample(row, rng, sample, bounded && bestProb > 0 ? 1 / Math.min(s.threshold, bestProb) : Infinity);
    if (sample.prob > bestProb) bestProb = sample.prob;
    r.tok[j] = sample.token;
    r.prob[j] = sample.prob;
    r.conf[j] = sample.confidence;
  }
}
