// When the client gives up on a request, and what it keeps when it does. A fixed time limit per request killed fills
// that were progressing (a 64-token gap on a 0.5B model on a CPU: 64 passes of ~1.6 s against a 60 s limit), and
// threw their work away. Instead the limit is on progress: the worker reports the start of every forward pass, and
// the client waits at most `stallLimitMs` for the next one, a limit that follows the model's measured speed (the
// pass time measured after loading, scaled to this request's canvas) and the slowest pass of this request so far.
// A fill that keeps making passes is never cut. When the limit is reached, the worker is taken for stuck (it is
// restarted), and a caller that asked for it gets the tokens committed so far instead of an error. Pure: tested
// without a worker.

import { MASK_PLACEHOLDER, type InfillRequest, type InfillResult, type SamplerOptions, type StepProgress } from '../engine/types';

/** Slack over the expected or slowest pass: a pass may take this many times longer (another job on the cores, GC). */
export const STALL_MARGIN = 3;

/** A model load reports no passes; it gets at least this long (a 7.6B model loads in ~50 s on a quiet laptop). */
export const LOAD_TIMEOUT_FLOOR_MS = 300_000;

export interface StallContext {
  /** The user's limit (diffucode.requestTimeoutSeconds, --timeout): the wait is never shorter. */
  baseMs: number;
  /** The model's measured full pass over `canvasTokens` tokens (ModelInfo.speed), when measured. */
  speed?: { fullPassMs: number; canvasTokens: number };
  /** This request's canvas, estimated (estimateCanvasTokens). */
  canvasTokens?: number;
  /** The longest gap between two passes of this request so far. */
  slowestPassMs?: number;
}

/** How long to wait for the next forward pass of a request. */
export function stallLimitMs(c: StallContext): number {
  let ms = c.baseMs;
  // A pass costs about linearly in the canvas at these sizes (the products dominate attention below ~2k tokens).
  if (c.speed && c.speed.fullPassMs > 0 && c.canvasTokens) ms = Math.max(ms, STALL_MARGIN * c.speed.fullPassMs * Math.max(1, c.canvasTokens / c.speed.canvasTokens));
  if (c.slowestPassMs) ms = Math.max(ms, STALL_MARGIN * c.slowestPassMs);
  return Math.ceil(ms);
}

/**
 * An upper estimate of a request's canvas in tokens, from characters (code runs 3-4 characters a token; 2 is
 * generous): the outer pieces within their budgets, the inner pieces whole, the masks, BOS and EOS, at most the
 * model's context.
 */
export function estimateCanvasTokens(req: InfillRequest, contextLength: number): number {
  const tokens = (s: string) => Math.ceil(s.length / 2);
  const n = req.pieces.length;
  let total = 2 + req.gaps.reduce((a, g) => a + g.maxTokens, 0);
  req.pieces.forEach((p, i) => {
    const budget = i === 0 ? req.budget?.prefixTokens : i === n - 1 ? req.budget?.suffixTokens : undefined;
    total += Math.min(tokens(p), budget ?? Infinity);
  });
  return Math.min(total, contextLength);
}

/** The one-line message of a request stopped for lack of progress; names the limit's setting. */
export function stallMessage(limitMs: number, setting: string): string {
  return `the model made no progress for ${seconds(limitMs)} s (limit: ${setting})`;
}

/** Whole seconds, or as many decimals as a limit under ten seconds needs (2.5, 0.03). */
export function seconds(ms: number): string {
  if (ms >= 10_000) return String(Math.round(ms / 1000));
  return String(Number((ms / 1000).toFixed(ms < 1000 ? 3 : 1)));
}

/**
 * What a stalled request had committed, as a result: each gap's text from the last progress report with the
 * still-masked slots left out, `partial` set on the result and its gaps. Token ids and confidences do not travel
 * with progress, so `tokens` is empty: the whole gap is to be shown as unsure (the editor marks it low-confidence).
 * The stats are the client's view (passes seen, time waited), not the engine's.
 */
export function partialResult(
  last: StepProgress,
  reason: string,
  seen: { passes: number; elapsedMs: number; algorithm: SamplerOptions['algorithm'] },
): InfillResult {
  const gaps = last.gaps.map((g) => ({ text: g.split(MASK_PLACEHOLDER).join(''), tokens: [], stopped: false, partial: true }));
  return {
    gaps,
    partial: { reason, committed: last.committed, total: last.total },
    stats: {
      steps: last.step,
      forwardPasses: seen.passes,
      tokensPerForward: seen.passes > 0 ? last.committed / seen.passes : 0,
      tokensCommitted: last.committed,
      slotsFinalisedByStop: 0,
      modelMs: 0,
      samplerMs: 0,
      prepareMs: 0,
      totalMs: seen.elapsedMs,
      canvasTokens: 0,
      trimmedTokens: 0,
      algorithm: seen.algorithm,
    },
  };
}
