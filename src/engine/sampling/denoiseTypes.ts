// The shapes the denoising loop and its stages share: the request's configuration, the canvas state it changes
// step by step, its statistics and the caller's hooks.

import type { WindowForward } from '../forwardModel';
import type { SamplerOptions } from '../types';

export interface DenoiseConfig {
  sampler: SamplerOptions;
  shifted: boolean;
  maskId: number;
  stopIds: readonly number[];
  /** DreamOn's expand token, or null. */
  expandId: number | null;
  /** Ids never sampled (the mask itself, BOS...). */
  bannedIds: readonly number[];
  /** Ids at or above this are never sampled (rows beyond the tokenizer). */
  sampleable: number;
  contextLength: number;
  /** Per gap: end the gap after its first committed line break (single-line ghost text). */
  singleLine?: readonly boolean[];
  /** Whether a token's text contains a line break (needed with singleLine). */
  isLineBreak?: (id: number) => boolean;
  /** Whether a token holds a letter, digit or underscore: only those count as repeats for the repetition penalty
   *  (absent: every token does). */
  isWordToken?: (id: number) => boolean;
  /**
   * Ghost text (engine/ghost/): one full pass at most — none when the caller's cache is warm — then windows over what
   * changed since the cache saw it and the rows asked for (blocks only order the commits; no block start refreshes).
   * `cacheIds` is the canvas as the cache holds it, position by position (absent: cold, the first pass is a full
   * one); the denoiser keeps it up to date after every pass, so the caller can keep it with the cache.
   */
  ghost?: { window: WindowForward; cacheIds?: Int32Array };
  /** Commit exactly this many rows per pass (the most confident; bench only, see GhostTextDecode). */
  forceTokensPerPass?: number;
  /** With forceTokensPerPass: every gap ends after this many slots (its later slots are finalised as stops). */
  forceLength?: number;
}

export interface GapState {
  start: number;
  length: number;
  /** The gap's text ends before this slot: a committed stop token's slot, the slot after a line break in a
   *  single-line gap, or `end`. Masks at or after it are finalised without forward passes. */
  stopAt: number;
  /** The slots the gap may fill: `length`, or fewer where the canvas holds masks that are never decoded
   *  (GapSpan.decodeLength). A gap whose stopAt is below it stopped early. */
  end: number;
  /** Probability each committed slot had when it was chosen. */
  probs: number[];
  /** Longest this gap may grow to by expansion. */
  maxLength: number;
}

export interface DenoiseState {
  ids: Int32Array;
  gaps: GapState[];
  step: number;
  committed: number;
  total: number;
}

export interface DenoiseStats {
  steps: number;
  forwardPasses: number;
  /** Passes over a window of the canvas with the dual cache (part of forwardPasses). */
  windowPasses: number;
  /** Why a requested dual cache was not used (not enough memory for the window session). */
  cacheSkipped?: string;
  /** Time spent opening the dual cache (a window-graph session on first use): neither model nor sampler time. */
  cacheLoadMs: number;
  rowsScored: number;
  tokensCommitted: number;
  slotsFinalisedByStop: number;
  modelMs: number;
  samplerMs: number;
}

export interface DenoiseHooks {
  signal?: AbortSignal;
  onStep?: (state: DenoiseState) => void;
  /** Called right before each forward pass starts, with the number of passes started so far (this one included). */
  onForward?: (passes: number) => void;
}
