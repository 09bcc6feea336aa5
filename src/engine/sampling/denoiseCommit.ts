// Stage 4 of a denoising step: which rows to commit (Dream's schedule, Fast-dLLM's threshold, origin's random
// transfer), then the commit itself — a stop token ends its gap (the slots after it are finalised as stops without
// forward passes), a line break ends a single-line gap, DreamOn's expand token grows its gap. Committed tokens
// are never re-masked.

import type { DenoisePlan, StepRows } from './denoisePlan';
import type { DenoiseConfig, DenoiseState, DenoiseStats } from './denoiseTypes';
import type { Prng } from './prng';
import { tokensThisStep, transferProbability } from './schedule';
import { selectRandom, selectSampled, selectThreshold, selectTopK } from './select';

/** Writes the rows to commit into r.chosen; returns how many. */
export function chooseRows(cfg: DenoiseConfig, plan: DenoisePlan, r: StepRows, stepInBlock: number, rng: Prng): number {
  const s = cfg.sampler;
  if (cfg.forceTokensPerPass) return selectTopK(r.conf, r.n, cfg.forceTokensPerPass, r.chosen);
  if (s.algorithm === 'threshold') return selectThreshold(r.prob, r.n, s.threshold, r.chosen);
  if (s.algorithm === 'origin') return selectRandom(r.n, transferProbability(plan.ts, stepInBlock), rng, r.chosen);
  const k = tokensThisStep(plan.ts, stepInBlock, r.n);
  return s.algTemp && s.algTemp > 0 ? selectSampled(r.conf, r.n, k, s.algTemp, rng, r.keys, r.chosen) : selectTopK(r.conf, r.n, k, r.chosen);
}

/** Commits the first `c` chosen rows; expansions are applied right to left so positions stay valid. */
export function commitRows(state: DenoiseState, cfg: DenoiseConfig, r: StepRows, c: number, stats: DenoiseStats): void {
  const stop = new Set(cfg.stopIds);
  const stopFill = cfg.stopIds.length > 0 ? cfg.stopIds[0] : -1;
  const expansions: number[] = [];
  for (let i = 0; i < c; i++) {
    const j = r.chosen[i];
    const gs = state.gaps[r.gapOf[j]];
    if (r.slotOf[j] >= gs.stopAt) continue; // an earlier stop in this same step already ended the gap here
    state.ids[r.pos[j]] = r.tok[j];
    gs.probs[r.slotOf[j]] = r.prob[j];
    stats.tokensCommitted++;
    if (stop.has(r.tok[j])) gs.stopAt = r.slotOf[j];
    else if (cfg.singleLine?.[r.gapOf[j]] && cfg.isLineBreak?.(r.tok[j])) gs.stopAt = r.slotOf[j] + 1;
    else if (r.tok[j] === cfg.expandId) expansions.push(j);
  }
  for (const gs of state.gaps) {
    for (let slot = gs.stopAt; slot < gs.length; slot++) {
      const p = gs.start + slot;
      if (state.ids[p] === cfg.maskId) {
        state.ids[p] = stopFill;
        stats.slotsFinalisedByStop++;
      }
    }
  }
  expansions.sort((a, b) => r.pos[b] - r.pos[a]);
  for (const j of expansions) if (r.slotOf[j] < state.gaps[r.gapOf[j]].stopAt) expand(state, r.gapOf[j], r.slotOf[j], cfg.maskId);
}

/** DreamOn: an expand token becomes two masks, growing its gap by one slot and moving everything after it. */
function expand(state: DenoiseState, g: number, slot: number, maskId: number): void {
  const gs = state.gaps[g];
  const p = gs.start + slot;
  const ids = new Int32Array(state.ids.length + 1);
  ids.set(state.ids.subarray(0, p));
  ids[p] = maskId;
  ids[p + 1] = maskId;
  ids.set(state.ids.subarray(p + 1), p + 2);
  state.ids = ids;
  gs.probs.splice(slot, 1, 0, 0);
  gs.length++;
  if (gs.end >= slot + 1) gs.end++;
  if (gs.stopAt >= slot + 1) gs.stopAt++;
  state.total++;
  for (let h = g + 1; h < state.gaps.length; h++) state.gaps[h].start++;
}

export function countCommitted(state: DenoiseState, maskId: number): number {
  let c = 0;
  for (const gs of state.gaps) for (let slot = 0; slot < gs.length; slot++) if (state.ids[gs.start + slot] !== maskId) c++;
  return c;
}
