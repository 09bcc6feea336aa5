// What the engine needs from a model: one forward pass for chosen rows, optionally reduced by an in-graph
// confidence head, optionally over Fast-dLLM's dual cache. The denoiser (sampling/) calls these and the model
// classes (model/) implement them; both import them from here, so model/ does not depend on sampling/.

/**
 * The in-graph confidence head's request (graph v2): per row, logits * scale (1/temperature), then bias[j * c + i]
 * added to column biasIds[i] of row j (-Infinity bans that id for that row), then the top k.
 */
export interface HeadRequest {
  k: number;
  scale: number;
  biasIds: Int32Array;
  /** [rows, biasIds.length], row-major. */
  bias: Float32Array;
}

/** What the head returns per row: the top k ids and their (scaled, biased) logits, best first (ties: lower id
 *  first), the log-normaliser over the whole vocabulary and the distribution's entropy. */
export interface TopRows {
  k: number;
  ids: Int32Array;
  logits: Float32Array;
  logsumexp: Float32Array;
  entropy: Float32Array;
}

/** A pass returns full rows of logits, or the head's reduction of them when a HeadRequest was given. */
export type PassOutput = Float32Array | TopRows;

/** What the engine needs from a model: logits [rows.length, vocabSize] for the given raw output rows. */
export interface ForwardModel {
  readonly vocabSize: number;
  forward(ids: Int32Array, rows: Int32Array): Promise<Float32Array>;
  /** Models with an in-graph confidence head: the head's reduction of the rows instead of the rows. */
  forwardTop?(ids: Int32Array, rows: Int32Array, head: HeadRequest): Promise<TopRows>;
  /** Models with a cached-window graph: a fresh per-request cache for Fast-dLLM's dual cache (the first call may
   *  load the window graph). */
  openWindow?(): Promise<WindowForward>;
}

/** Per-request dual-cache state: one canvas's keys/values (see model/windowModel.ts). */
export interface WindowForward {
  /** A full pass (logits for `rows`, or the head's reduction with `head`) that also rebuilds the cache. */
  prefill(ids: Int32Array, rows: Int32Array, head?: HeadRequest): Promise<PassOutput>;
  /** A pass over canvas positions [lo, hi) only; `rows` are canvas rows inside [lo, hi). Needs a prefill of a canvas
   *  of the same length first. */
  step(ids: Int32Array, lo: number, hi: number, rows: Int32Array, head?: HeadRequest): Promise<PassOutput>;
  /** The canvas length the cache holds (0 before the first prefill). */
  readonly length: number;
}
