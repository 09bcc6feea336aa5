// How fast this model runs here, measured once after loading: one full pass over a ghost-text-sized canvas and,
// when the model has the dual cache, one window pass over a block. The extension turns it into an estimate of a
// ghost-text suggestion's latency and switches ghost text off by default for a model too slow for it (a 7B on a
// laptop CPU): a suggestion that arrives seconds after the user moved on is worse than none.

import type { ForwardModel } from '../forwardModel';
import type { ModelTokens } from '../modelTokens';

export interface ModelSpeed {
  /** Tokens in the measured canvas (the editor's default budget: 224 prefix + 96 suffix + a 24-token gap). */
  canvasTokens: number;
  fullPassMs: number;
  /** A dual-cache window pass over a block of 8 (absent without the cache). */
  windowPassMs?: number;
  /** A single-line suggestion with the editor's default decoder (threshold, blocks of 8, dual cache) over a
   *  24-token gap: 3 full passes (one per block) + 4 window passes, the ~3.4 tokens a pass the bench measures. */
  ghostTextMs: number;
}

/** Above this, ghost text is off by default for the model (it can still be switched on). */
export const GHOST_TEXT_SLOW_MS = 2000;

export const SPEED_CANVAS = 224 + 96 + 24 + 2;

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
  const gapStart = n - 96 - 24;
  for (let i = gapStart; i < gapStart + 24; i++) ids[i] = tokens.mask;
  const rows = Int32Array.from({ length: 8 }, (_, i) => gapStart - 1 + i);
  // Each timing is the second run of its pass: the first one allocates (ONNX Runtime sizes its buffers per shape).
  const timed = async (pass: () => Promise<unknown>): Promise<number> => {
    await pass();
    const t = performance.now();
    await pass();
    return performance.now() - t;
  };
  if (model.openWindow) {
    const win = await model.openWindow();
    const fullPassMs = await timed(() => win.prefill(ids, rows));
    const windowPassMs = await timed(() => win.step(ids, gapStart - 1, gapStart + 8, rows));
    return { canvasTokens: n, fullPassMs, windowPassMs, ghostTextMs: 3 * fullPassMs + 4 * windowPassMs };
  }
  const fullPassMs = await timed(() => model.forward(ids, rows));
  return { canvasTokens: n, fullPassMs, ghostTextMs: 7 * fullPassMs };
}
