// The repetition penalty (sampler.repetitionPenalty, issue 17): the bundled model stutters (`a, b, b, b`,
// `index, index, index`), so a masked slot's logit for a word token that its own gap has already committed near it
// is lowered by the penalty, in logit space (a fixed cost in nats, so a token the model is sure of still wins).
// This file only says WHICH ids a row penalises; denoiseScore.ts subtracts them from full rows and
// denoiseForward.ts sends them to the confidence head as a bias, so both paths choose the same tokens.

import type { DenoiseConfig, DenoiseState } from './denoiseTypes';

/**
 * Slots looked at on EACH side of the row (diffusion commits out of order, so a repeat can grow leftwards as well as
 * rightwards). Measured on the 1000 held-out cases with penalty 2 (bench/results/repetition-penalty.json): 2 slots
 * (a word next to itself or across one separator token: `index, index`, `b, b`) cut stutter but not repeated
 * 3-grams; 8 (about a line of this tokenizer's tokens) also catch the longer repeats inside a line
 * (`'name' and 'name' and`) and gain edit similarity; the whole gap cut 3-grams most but left multi-line fills
 * unbalanced far more often (code legitimately repeats across lines: `self.` on every one).
 */
export const REPEAT_WINDOW = 8;

/** Most ids one row can penalise (its buffer size). */
export const MAX_REPEATS = 2 * REPEAT_WINDOW;

/**
 * Writes into `out` the distinct ids that the row at `slot` of gap `g` penalises: tokens committed within
 * REPEAT_WINDOW slots of it (before the gap's stop) that are word tokens (cfg.isWordToken; punctuation and
 * whitespace repeat legitimately: `a, b, c`, `f(g(x))`) and neither stop nor expand tokens. Returns how many.
 */
export function nearbyRepeats(state: DenoiseState, cfg: DenoiseConfig, g: number, slot: number, out: Int32Array): number {
  const gs = state.gaps[g];
  let n = 0;
  const lo = Math.max(0, slot - REPEAT_WINDOW);
  const hi = Math.min(gs.stopAt, slot + REPEAT_WINDOW + 1);
  for (let s = lo; s < hi; s++) {
    if (s === slot) continue;
    const id = state.ids[gs.start + s];
    if (id === cfg.maskId || id === cfg.expandId || cfg.stopIds.includes(id)) continue;
    if (cfg.isWordToken && !cfg.isWordToken(id)) continue;
    let seen = false;
    for (let i = 0; i < n; i++) if (out[i] === id) seen = true;
    if (!seen) out[n++] = id;
  }
  return n;
}
