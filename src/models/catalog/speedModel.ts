// How long a model would take here, before it is downloaded: a pure function of its parameter count and this
// machine's sustained matrix-product throughput (GFLOP/s), so the catalog can say "ghost text off, ~100 s a fill"
// beside a 7B and the figures can be retuned from the bench without touching anything else.
//
// The model: a forward pass over T tokens costs 2 x params x T floating-point operations (the products dominate at
// these sizes; attention over a few hundred tokens adds a few %), run at `efficiency` of the measured MatMul
// ceiling. A single-line fill with the editor's default decoder (threshold, blocks of 8, dual cache) is 3 full
// passes over the canvas + 4 window passes, a window pass costing about `windowTokens` tokens' worth. Calibrated on
// bench/results/real-models.json (2-core EPYC, MatMul ceiling ~190 GFLOP/s): 7.6B int4 full pass over 350 tokens
// measured 32.8 s -> 2 x 7.6e9 x 350 / 32.8 s = 162 GFLOP/s = 0.85 of the ceiling; its window pass measured 1.18 s
// -> ~15 tokens' worth at that rate. The ghost-text verdict is not a fill's figure: it is the engine's own rule
// (engine/model/speed.ts estimate — a cold suggestion, one full pass and the rest in windows, within
// GHOST_TEXT_SLOW_MS) applied to these predicted pass times, so the catalog and the loaded model's verdict agree.

import { estimate, GHOST_TEXT_SLOW_MS, SPEED_CANVAS } from '../../engine/model/speed';

export interface SpeedModelOptions {
  /** Tokens in the canvas of a full pass (default: the engine's measured ghost-text canvas). */
  canvasTokens?: number;
  fullPasses?: number;
  windowPasses?: number;
  windowTokens?: number;
  /** Fraction of the MatMul ceiling a whole pass sustains. */
  efficiency?: number;
}

export const SPEED_DEFAULTS: Required<SpeedModelOptions> = {
  canvasTokens: SPEED_CANVAS,
  fullPasses: 3,
  windowPasses: 4,
  windowTokens: 15,
  efficiency: 0.85,
};

/** The MatMul ceiling measured on this project's 2-core AMD EPYC (bench/results/real-models.json, fp32 and int4
 *  MatMulNBits alike ~183-190 GFLOP/s): the figure to use when no measurement of the user's machine is at hand. */
export const REFERENCE_GFLOPS = 190;

/** Seconds for one forward pass over `tokens` tokens. */
export function passSeconds(params: number, tokens: number, gflops: number, efficiency = SPEED_DEFAULTS.efficiency): number {
  if (!(params > 0) || !(tokens > 0) || !(gflops > 0)) throw new RangeError('params, tokens and gflops must be positive');
  return (2 * params * tokens) / (gflops * 1e9 * efficiency);
}

/** Seconds for a single-line fill with the editor's default decoder. */
export function fillSeconds(params: number, gflops: number, opts: SpeedModelOptions = {}): number {
  const o = { ...SPEED_DEFAULTS, ...opts };
  return o.fullPasses * passSeconds(params, o.canvasTokens, gflops, o.efficiency) + o.windowPasses * passSeconds(params, o.windowTokens, gflops, o.efficiency);
}

/** Seconds for a ghost-text suggestion on a cold canvas, by the engine's own estimate from predicted pass times. */
export function suggestionSeconds(params: number, gflops: number, opts: SpeedModelOptions = {}): number {
  const o = { ...SPEED_DEFAULTS, ...opts };
  const fullPassMs = 1000 * passSeconds(params, o.canvasTokens, gflops, o.efficiency);
  const windowPassMs = 1000 * passSeconds(params, o.windowTokens, gflops, o.efficiency);
  return estimate({ canvasTokens: o.canvasTokens, fullPassMs, windowTokens: o.windowTokens, windowPassMs }).coldMs / 1000;
}

export interface SpeedVerdict {
  /** Whether ghost text would be on by default (the engine's rule: a cold suggestion within GHOST_TEXT_SLOW_MS). */
  ghostText: boolean;
  secondsPerFill: number;
  /** A ghost-text suggestion on a cold canvas (the verdict's figure). */
  secondsPerSuggestion: number;
  gflops: number;
}

export function speedVerdict(params: number, gflops: number, opts: SpeedModelOptions = {}): SpeedVerdict {
  const secondsPerSuggestion = suggestionSeconds(params, gflops, opts);
  return { ghostText: secondsPerSuggestion * 1000 <= GHOST_TEXT_SLOW_MS, secondsPerFill: fillSeconds(params, gflops, opts), secondsPerSuggestion, gflops };
}

/** This machine's throughput inferred from a measured pass (e.g. the loaded model's ModelSpeed.fullPassMs over
 *  its canvasTokens): the inverse of passSeconds, so a verdict can use a real measurement instead of the reference. */
export function gflopsFromPass(params: number, tokens: number, ms: number, efficiency = SPEED_DEFAULTS.efficiency): number {
  if (!(ms > 0)) throw new RangeError('ms must be positive');
  return (2 * params * tokens) / (ms / 1000) / 1e9 / efficiency;
}
