// One ghost-text request: reuse the document's last canvas when the user typed at the cursor (canvasReuse.ts), else
// decode the fresh canvas with one full pass at most; keep the result (canvas and keys/values) for the next request.
// A prefill-only request (prefill ahead) runs just the full pass, so the next real request finds a warm cache.

import type { Canvas } from '../canvas/canvas';
import type { ForwardModel, WindowForward } from '../forwardModel';
import { denoise, type DenoiseConfig, type DenoiseHooks, type DenoiseState, type DenoiseStats } from '../sampling/denoiser';
import { openDualCache } from '../sampling/denoiseForward';
import { abortError, type GhostTextDecode, type InfillRequest } from '../types';
import { keptPrefixText, keptSuffixText, planReuse, REUSE_LIMITS, type GhostSessions, type Reuse } from './canvasReuse';

export interface GhostParts {
  model: ForwardModel;
  shifted: boolean;
  encode(text: string): number[];
  bytesOf(id: number): Uint8Array;
  mask: number;
  pad: number;
}

export async function decodeGhostText(
  parts: GhostParts,
  sessions: GhostSessions,
  request: InfillRequest,
  ghost: GhostTextDecode,
  canvas: Canvas,
  cfg: DenoiseConfig,
  hooks: DenoiseHooks,
): Promise<{ state: DenoiseState; stats: DenoiseStats; reuse?: string; reusesLeft?: number; canvasTokens: number }> {
  const key = ghost.document;
  const old = key !== undefined ? sessions.take(key) : undefined;
  const useCache = cfg.sampler.cache === 'dual' && !!parts.model.openWindow;
  let win: WindowForward | undefined = old?.win;
  let cacheSkipped: string | undefined;
  let cacheLoadMs = 0;
  if (useCache && !win) {
    win = sessions.spare();
    if (!win) ({ win, loadMs: cacheLoadMs, skipped: cacheSkipped } = await openDualCache(parts.model));
  }
  const tracked = win ? { win } : undefined;
  const gap = request.gaps[0];
  const ask = { prefix: request.pieces[0], suffix: request.pieces[request.pieces.length - 1], maxTokens: gap.maxTokens, singleLine: gap.singleLine === true };
  const reuseOrWhy: Reuse | { reason: string } = !old
    ? { reason: 'no canvas' }
    : !tracked
      ? { reason: 'no dual cache' }
      : ghost.reuse === false
        ? { reason: 'reuse off' }
        : ghost.prefillOnly
          ? { reason: 'prefill' }
          : request.gaps.length !== 1
            ? { reason: 'several gaps' }
            : planReuse(old, ask, parts);
  const reuse = 'ids' in reuseOrWhy ? reuseOrWhy : undefined;
  // What the cache holds, position by position: kept up to date by the denoiser (denoiseForward.ts runGhost).
  const ghostState: { window: WindowForward; cacheIds?: Int32Array } | undefined = tracked ? { window: tracked.win, cacheIds: reuse ? old!.cacheIds : undefined } : undefined;
  // The shape a kept canvas was built for: a reused one keeps its own (a block canvas serving a line request stays a
  // block canvas), a fresh one is the request's.
  const fresh = { builtGap: canvas.gaps[0]?.length ?? 0, maxTokens: ask.maxTokens, singleLine: ask.singleLine };
  const built = reuse ? { builtGap: old!.builtGap, maxTokens: old!.maxTokens, singleLine: old!.singleLine } : fresh;
  const save = (ids: Int32Array, gapStart: number, gapLength: number, reuses: number, fullLogProb: number | undefined, shape = built) => {
    if (key === undefined || !ghostState?.cacheIds || request.gaps.length !== 1) return;
    const keptText = keptPrefixText(ids, gapStart, ask.prefix, parts);
    if (keptText === undefined) return;
    const keptSuffix = keptSuffixText(ids, gapStart + gapLength, parts);
    sessions.put(key, { win: ghostState.window, ids, cacheIds: ghostState.cacheIds, gapStart, gapLength, ...shape, keptText, keptSuffix, suffixWhole: keptSuffix === ask.suffix, reuses, fullLogProb });
  };
  const ghostCfg = (): DenoiseConfig => ({ ...cfg, ...(ghostState ? { ghost: ghostState } : {}) });

  if (ghost.prefillOnly) {
    const stats = emptyStats();
    if (tracked) {
      if (hooks.signal?.aborted) throw abortError();
      const t = performance.now();
      const g = canvas.gaps[0];
      await tracked.win.prefill(canvas.ids, Int32Array.of(parts.shifted ? g.start - 1 : g.start));
      ghostState!.cacheIds = canvas.ids.slice();
      stats.modelMs = performance.now() - t;
      stats.forwardPasses = 1;
      save(canvas.ids.slice(), g.start, g.length, 0, undefined);
    }
    const state: DenoiseState = { ids: canvas.ids, gaps: [], step: 0, committed: 0, total: 0 };
    return { state, stats, reuse: 'prefill', canvasTokens: canvas.ids.length };
  }

  let collapsed = false; // the reuse's answer collapsed and the canvas is being recomputed in full
  const run = async (c: Canvas, cold: boolean) => {
    if (cold && ghostState) ghostState.cacheIds = undefined;
    try {
      return await denoise(c, parts.model, ghostCfg(), hooks);
    } catch (e) {
      // Cancelled (the user typed on): keep what the cache holds — a finished full pass of this canvas is as good as a
      // prefill ahead, and a reuse cut short still has its cache, which ghostState.cacheIds describes exactly. Cancelled
      // before any pass: the document's last canvas is untouched and stays.
      const g = c.gaps[0];
      if (ghostState?.cacheIds) save(c.ids, g.start, g.length, cold ? 0 : old!.reuses, cold ? undefined : old!.fullLogProb, cold ? fresh : built);
      else if (old && key !== undefined && !collapsed) sessions.put(key, old);
      throw e;
    }
  };

  let why: string;
  let out: { state: DenoiseState; stats: DenoiseStats };
  if (reuse) {
    // Decoded up to the size asked; the rest of the gap (the slack, or a block canvas's room) stays masked.
    const gapSpan = { start: reuse.gapStart, length: reuse.gapLength, decodeLength: Math.min(reuse.gapLength, ask.maxTokens) };
    out = await run({ ids: reuse.ids, gaps: [gapSpan], trimmedTokens: canvas.trimmedTokens }, false);
    why = 'reused';
    const lp = meanLogProb(out.state);
    if (old!.fullLogProb !== undefined && lp !== undefined && lp < old!.fullLogProb - REUSE_LIMITS.collapseNats) {
      // The approximation broke down on this canvas (the typed text changed what the context means): recompute now.
      const first = out.stats;
      collapsed = true;
      out = await run(canvas, true);
      out.stats = addStats(first, out.stats);
      why = 'confidence collapsed';
    } else {
      const g = out.state.gaps[0];
      if (out.state.ids.length === reuse.ids.length) save(out.state.ids, g.start, g.length, old!.reuses + 1, old!.fullLogProb);
      return { ...out, stats: withCache(out.stats, cacheSkipped, cacheLoadMs), reuse: why, reusesLeft: REUSE_LIMITS.maxReuses - old!.reuses - 1, canvasTokens: reuse.ids.length };
    }
  } else {
    out = await run(canvas, true);
    why = 'reason' in reuseOrWhy ? reuseOrWhy.reason : 'no canvas';
  }
  const g = out.state.gaps[0];
  if (out.state.ids.length === canvas.ids.length) save(out.state.ids, g.start, g.length, 0, meanLogProb(out.state), fresh);
  return { ...out, stats: withCache(out.stats, cacheSkipped, cacheLoadMs), reuse: key === undefined ? undefined : why, reusesLeft: key === undefined ? undefined : REUSE_LIMITS.maxReuses, canvasTokens: canvas.ids.length };
}

/** Mean log probability of the committed tokens of the first gap (its text, up to where it ends). */
function meanLogProb(state: DenoiseState): number | undefined {
  const g = state.gaps[0];
  if (!g) return undefined;
  const n = Math.min(g.stopAt, g.length);
  let sum = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (g.probs[i] > 0) {
      sum += Math.log(g.probs[i]);
      k++;
    }
  }
  return k > 0 ? sum / k : undefined;
}

function emptyStats(): DenoiseStats {
  return { steps: 0, forwardPasses: 0, windowPasses: 0, rowsScored: 0, tokensCommitted: 0, slotsFinalisedByStop: 0, modelMs: 0, samplerMs: 0, cacheLoadMs: 0 };
}

function addStats(a: DenoiseStats, b: DenoiseStats): DenoiseStats {
  const sum = emptyStats();
  for (const k of Object.keys(sum) as (keyof DenoiseStats)[]) if (k !== 'cacheSkipped') (sum[k] as number) = (a[k] as number) + (b[k] as number);
  return sum;
}

function withCache(stats: DenoiseStats, cacheSkipped: string | undefined, cacheLoadMs: number): DenoiseStats {
  return { ...stats, cacheLoadMs: stats.cacheLoadMs + cacheLoadMs, ...(cacheSkipped ? { cacheSkipped } : {}) };
}
