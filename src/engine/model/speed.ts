// How fast ghost text runs with this model here, measured once after loading from the passes ghost text actually
// runs (engine/ghost/): a full pass over a ghost-text canvas, and, with the dual cache, a window pass over what a
// request recomputes (the typed tail and the active block of the line gap). A suggestion costs, on a cold canvas (another line, an edit
// elsewhere, every few reuses: about the slowest one in twenty), one full pass and the rest in windows; on a warm one
// (typing at the cursor, or after a prefill ahead), windows only. The extension turns this into its verdict
// (extension/model/slowModel.ts): a suggestion that arrives seconds after the user moved on is worse than none.

import type { ForwardModel } from '../forwardModel';
import type { ModelTokens } from '../modelTokens';

/** Passes of each kind one suggestion runs. */
export interface PassCount {
  full: number;
  window: number;
}

export interface ModelSpeed {
  /** Tokens in the measured canvas (the editor's default budget: 224 prefix + 96 suffix + a 24-token gap + 2). */
  canvasTokens: number;
  fullPassMs: number;
  /** Tokens a window pass recomputes (the typed tail, the row before the gap, a block); absent without the cache. */
  windowTokens?: number;
  /** A dual-cache window pass over `windowTokens` (absent without the cache). */
  windowPassMs?: number;
  /** What a suggestion runs on a warm canvas (typing at the cursor) and on a cold one. */
  passes: { warm: PassCount; cold: PassCount };
  /** A suggestion on a warm canvas: the typical one while typing. */
  warmMs: number;
  /** A suggestion on a cold canvas: what the slow tail of requests costs (the verdict's figure). */
  coldMs: number;
  /** = coldMs (older readers of ModelInfo.speed). */
  ghostTextMs: number;
}

/** Above this (a cold suggestion), ghost text is off by default for the model (it can still be switched on). */
export const GHOST_TEXT_SLOW_MS = 2000;

/** The editor's default budget and line gap (package.json diffucode.context.* and ghostText.lineTokens). */
export const SPEED_CANVAS = 224 + 96 + 24 + 2;
const LINE_GAP = 24;
/** Ghost text's block (ghost/ghostSampler.ts GHOST_BLOCK_SIZE, the parallel decoder's): a window's rows. */
export const GHOST_BLOCK = 8;
/** Typed tokens a reused request recomputes before the gap (the re-encoded tail: canvasReuse.ts backoffTokens). */
const TYPED_TAIL = 3;
/**
 * Passes one line suggestion takes: a real model's line is about 12 tokens and the threshold decoder commits 3-4 a
 * pass (the bench's tokens/forward), so 3 passes — the typing-trace bench's forced work (4 a pass) on a 12-token line.
 */
export const PASSES_PER_SUGGESTION = 3;

export async function measureSpeed(model: ForwardModel, tokens: ModelTokens, contextLength: number): Promise<ModelSpeed> {
  const n = Math.min(SPEED_CANVAS, contextLength);
  const ids = new Int32Array(n);
  // Token values do not change the cost; avoid special ids anyway so the pass is an ordinary one.
  const avoid = new Set([tokens.bos, tokens.eos, tokens.pad, tokens.mask, tokens.expand ?? -1]);
  for (let i = 0, t = 0; i < n; i++) {
    while (avoid.has(t)) t++;
    ids[i] = t++ % Math.max(1, Math.min(model.vocabSize, 1000));
  }
  ids[0] = tokens.bos;
  const gapStart = Math.max(1 + TYPED_TAIL + 1, n - 96 - LINE_GAP);
  const gapEnd = Math.min(n - 1, gapStart + LINE_GAP);
  for (let i = gapStart; i < gapEnd; i++) ids[i] = tokens.mask;
  const rows = Int32Array.from({ length: 8 }, (_, i) => gapStart - 1 + i);
  // Each timing is the best of two runs after a first one: the first allocates (ONNX Runtime sizes its buffers per
  // shape), and a shared CPU adds noise that only ever makes a pass slower.
  const timed = async (pass: () => Promise<unknown>): Promise<number> => {
    await pass();
    let best = Infinity;
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      await pass();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  if (model.openWindow) {
    const win = await model.openWindow();
    const fullPassMs = await timed(() => win.prefill(ids, rows));
    // What a reused request's window recomputes (denoiseForward.ts ghostWindow): the typed tail, the row before the
    // gap and the active block; the gap's later slots keep their cached keys/values.
    const lo = gapStart - 1 - TYPED_TAIL;
    const hi = Math.min(gapEnd, gapStart + GHOST_BLOCK);
    const windowPassMs = await timed(() => win.step(ids, lo, hi, rows));
    return estimate({ canvasTokens: n, fullPassMs, windowTokens: hi - lo, windowPassMs });
  }
  return estimate({ canvasTokens: n, fullPassMs: await timed(() => model.forward(ids, rows)) });
}

/** The per-suggestion figures from pass times: with the cache, warm = windows only, cold = one full pass + windows;
 *  without it every pass is a full one. */
export function estimate(m: { canvasTokens: number; fullPassMs: number; windowTokens?: number; windowPassMs?: number }): ModelSpeed {
  const k = PASSES_PER_SUGGESTION;
  const passes =
    m.windowPassMs === undefined
      ? { warm: { full: k, window: 0 }, cold: { full: k, window: 0 } }
      : { warm: { full: 0, window: k }, cold: { full: 1, window: k - 1 } };
  const cost = (p: PassCount) => p.full * m.fullPassMs + p.window * (m.windowPassMs ?? 0);
  const coldMs = cost(passes.cold);
  return { ...m, passes, warmMs: cost(passes.warm), coldMs, ghostTextMs: coldMs };
}
