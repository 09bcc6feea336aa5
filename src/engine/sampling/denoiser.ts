// The denoising loop shared by every algorithm: pick the eligible masks (active block of every gap), run one
// forward pass for just those rows, turn each row into (token, probability, confidence), choose which to commit
// (Dream schedule / Fast-dLLM threshold / origin), commit, then apply stop tokens and DreamOn expansions.
// Committed tokens are never re-masked. The AbortSignal is checked before every forward pass. With the dual cache
// (sampler.cache 'dual'), the first pass of a block is a full pass that caches keys/values, later ones a window.

import { abortError, EngineError, type SamplerOptions } from '../types';
import type { Canvas } from '../canvas/canvas';
import { Prng } from './prng';
import { RowSampler, type ConfidenceKind, type RowSample } from './row-sampler';
import { dreamTimesteps, tokensThisStep, transferProbability } from './schedule';
import { selectRandom, selectSampled, selectThreshold, selectTopK } from './select';

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

/** Per-request dual-cache state: one canvas's keys/values (see model/window-model.ts). */
export interface WindowForward {
  /** A full pass (logits for `rows`, or the head's reduction with `head`) that also rebuilds the cache. */
  prefill(ids: Int32Array, rows: Int32Array, head?: HeadRequest): Promise<PassOutput>;
  /** A pass over canvas positions [lo, hi) only; `rows` are canvas rows inside [lo, hi). Needs a prefill of a canvas
   *  of the same length first. */
  step(ids: Int32Array, lo: number, hi: number, rows: Int32Array, head?: HeadRequest): Promise<PassOutput>;
  /** The canvas length the cache holds (0 before the first prefill). */
  readonly length: number;
}

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
}

export interface GapState {
  start: number;
  length: number;
  /** The gap's text ends before this slot: a committed stop token's slot, the slot after a line break in a
   *  single-line gap, or `length`. Masks at or after it are finalised without forward passes. */
  stopAt: number;
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

const CONFIDENCE: Record<SamplerOptions['algorithm'], ConfidenceKind> = {
  origin: 'probability',
  maskgit_plus: 'probability',
  threshold: 'probability',
  topk_margin: 'margin',
  entropy: 'entropy',
};

export async function denoise(
  canvas: Canvas,
  model: ForwardModel,
  cfg: DenoiseConfig,
  hooks: DenoiseHooks = {},
): Promise<{ state: DenoiseState; stats: DenoiseStats }> {
  const t0 = performance.now();
  const s = cfg.sampler;
  const V = model.vocabSize;
  const rng = new Prng(s.seed);
  const rowSampler = new RowSampler(
    { temperature: s.temperature, topP: s.topP, topK: s.topK ?? 0, confidence: CONFIDENCE[s.algorithm], sampleable: Math.min(cfg.sampleable, V) },
    V,
  );
  const stop = new Set(cfg.stopIds);
  const stopFill = cfg.stopIds.length > 0 ? cfg.stopIds[0] : -1;
  const state: DenoiseState = {
    ids: canvas.ids.slice(),
    gaps: canvas.gaps.map((g) => ({
      start: g.start,
      length: g.length,
      stopAt: g.length,
      probs: new Array<number>(g.length).fill(0),
      maxLength: cfg.expandId === null ? g.length : Math.min(g.length * 2, g.length + 64),
    })),
    step: 0,
    committed: 0,
    total: canvas.gaps.reduce((a, g) => a + g.length, 0),
  };
  const stats: DenoiseStats = { steps: 0, forwardPasses: 0, windowPasses: 0, rowsScored: 0, tokensCommitted: 0, slotsFinalisedByStop: 0, modelMs: 0, samplerMs: 0, cacheLoadMs: 0 };

  const blockSize = s.blockSize ?? Infinity;
  const longest = Math.max(...canvas.gaps.map((g) => g.length));
  const blocks = Number.isFinite(blockSize) ? Math.ceil(longest / blockSize) : 1;
  const totalSteps = s.steps ?? Math.max(1, Math.round(state.total * (s.stepsPerToken ?? 1)));
  const ts = dreamTimesteps(Math.max(1, Math.ceil(totalSteps / blocks)), s.eps);

  // Per-step buffers sized by the mask count (never by the vocabulary), grown only if expansion needs it.
  let cap = state.total + 64;
  let pos = new Int32Array(cap), gapOf = new Int32Array(cap), slotOf = new Int32Array(cap), rows = new Int32Array(cap);
  let tok = new Int32Array(cap), chosen = new Int32Array(cap);
  let prob = new Float64Array(cap), conf = new Float64Array(cap), keys = new Float64Array(cap);
  const sample: RowSample = { token: 0, prob: 0, confidence: 0 };

  // Dual cache: a full pass ("prefill") at each block start fills the cache; the block's later steps run a window.
  if (s.cache === 'dual' && !model.openWindow)
    throw new EngineError("sampler.cache 'dual' needs a model with a window graph (manifest windowGraph); this model has none", 'BAD_SAMPLER');
  let win: WindowForward | undefined;
  if (s.cache === 'dual') {
    const tw = performance.now();
    try {
      win = await model.openWindow!();
      stats.cacheLoadMs = performance.now() - tw;
    } catch (e) {
      // Not enough memory for the window session's copy of the weights: decode without the cache (same result
      // quality, full passes) rather than fail a request the model can serve.
      if (!(e instanceof EngineError && e.code === 'OUT_OF_MEMORY')) throw e;
      stats.cacheSkipped = e.message;
    }
  }
  // The confidence head, when the model has one and this sampler can be served from the top k of each row.
  const head = model.forwardTop && RowSampler.headServes(s.temperature, s.topP, s.topK ?? 0) ? newHeadRequest(cfg, V, s, cap) : undefined;
  let cachedBlock = -1;
  let sincePrefill = 0;
  let stopsSeen = 0; // a stop fills slots outside the window: the next pass refreshes the cache

  let block = 0;
  let stepInBlock = 0;
  const guard = 4 * (state.total + 64) + totalSteps + blocks;
  for (let iter = 0; ; iter++) {
    if (iter > guard) throw new EngineError('the denoiser made no progress (internal error)', 'INTERNAL');
    // 1. eligible masks: slots of the active block of each gap, before the gap's stop token
    let n = 0;
    let masksLeft = 0;
    for (let g = 0; g < state.gaps.length; g++) {
      const gs = state.gaps[g];
      const lo = Number.isFinite(blockSize) ? block * blockSize : 0;
      const hi = Math.min(gs.stopAt, Number.isFinite(blockSize) ? lo + blockSize : gs.length);
      for (let slot = 0; slot < gs.stopAt; slot++) {
        const p = gs.start + slot;
        if (state.ids[p] !== cfg.maskId) continue;
        masksLeft++;
        if (slot < lo || slot >= hi) continue;
        pos[n] = p;
        gapOf[n] = g;
        slotOf[n] = slot;
        rows[n] = cfg.shifted ? p - 1 : p;
        n++;
      }
    }
    if (masksLeft === 0) break;
    if (n === 0) {
      block++;
      stepInBlock = 0;
      continue;
    }
    if (hooks.signal?.aborted) throw abortError();

    // 2. one forward pass over the canvas, logits only for the rows we need
    hooks.onForward?.(stats.forwardPasses + 1);
    const tm = performance.now();
    if (head) fillBias(head, cfg, s, state, pos, slotOf, gapOf, n);
    let out: PassOutput;
    if (!win) out = head ? await model.forwardTop!(state.ids, rows.subarray(0, n), head) : await model.forward(state.ids, rows.subarray(0, n));
    else if (cachedBlock !== block || win.length !== state.ids.length || stats.slotsFinalisedByStop !== stopsSeen || (s.cacheRefresh && sincePrefill >= s.cacheRefresh)) {
      stopsSeen = stats.slotsFinalisedByStop;
      out = await win.prefill(state.ids, rows.subarray(0, n), head);
      cachedBlock = block;
      sincePrefill = 0;
    } else {
      const [lo, hi] = windowSpan(state, rows, pos, n, block, blockSize, cfg.shifted);
      out = await win.step(state.ids, lo, hi, rows.subarray(0, n), head);
      sincePrefill++;
      stats.windowPasses++;
    }
    stats.modelMs += performance.now() - tm;
    stats.forwardPasses++;
    stats.rowsScored += n;

    // 3. token, probability and confidence for every eligible row. Greedy threshold decoding only needs the exact
    //    probability of rows that reach tau or are the best so far, so other rows stop scanning early.
    const bounded = s.algorithm === 'threshold' && s.threshold > 0 && rowSampler.supportsBound;
    let bestProb = 0;
    if (!(out instanceof Float32Array)) {
      if (out.ids.length < n * out.k) throw new EngineError(`the confidence head returned ${out.ids.length} ids, expected ${n} × ${out.k}`, 'BAD_MODEL');
      for (let j = 0; j < n; j++) {
        rowSampler.sampleTop(out, j, rng, sample);
        tok[j] = sample.token;
        prob[j] = sample.prob;
        conf[j] = sample.confidence;
      }
    }
    const logits = out instanceof Float32Array ? out : undefined;
    if (logits && logits.length < n * V) throw new EngineError(`the model returned ${logits.length} logits, expected ${n} × ${V}`, 'BAD_MODEL');
    for (let j = 0; logits && j < n; j++) {
      const row = logits.subarray(j * V, (j + 1) * V);
      for (const b of cfg.bannedIds) if (b < V) row[b] = -Infinity;
      // eosAfterText: this slot may end the answer only once the slot before it holds text.
      if (s.eosAfterText && slotOf[j] > 0 && state.ids[pos[j] - 1] === cfg.maskId) for (const b of cfg.stopIds) if (b < V) row[b] = -Infinity;
      if (cfg.expandId !== null) {
        const gs = state.gaps[gapOf[j]];
        if (gs.length >= gs.maxLength || state.ids.length >= cfg.contextLength) row[cfg.expandId] = -Infinity;
      }
      rowSampler.sample(row, rng, sample, bounded && bestProb > 0 ? 1 / Math.min(s.threshold, bestProb) : Infinity);
      if (sample.prob > bestProb) bestProb = sample.prob;
      tok[j] = sample.token;
      prob[j] = sample.prob;
      conf[j] = sample.confidence;
    }

    // 4. which to commit
    let c: number;
    if (s.algorithm === 'threshold') c = selectThreshold(prob, n, s.threshold, chosen);
    else if (s.algorithm === 'origin') c = selectRandom(n, transferProbability(ts, stepInBlock), rng, chosen);
    else {
      const k = tokensThisStep(ts, stepInBlock, n);
      c = s.algTemp && s.algTemp > 0 ? selectSampled(conf, n, k, s.algTemp, rng, keys, chosen) : selectTopK(conf, n, k, chosen);
    }

    // 5. commit; a stop token ends its gap; expansions are applied right to left so positions stay valid
    const expansions: number[] = [];
    for (let i = 0; i < c; i++) {
      const j = chosen[i];
      const gs = state.gaps[gapOf[j]];
      if (slotOf[j] >= gs.stopAt) continue; // an earlier stop in this same step already ended the gap here
      state.ids[pos[j]] = tok[j];
      gs.probs[slotOf[j]] = prob[j];
      stats.tokensCommitted++;
      if (stop.has(tok[j])) gs.stopAt = slotOf[j];
      else if (cfg.singleLine?.[gapOf[j]] && cfg.isLineBreak?.(tok[j])) gs.stopAt = slotOf[j] + 1;
      else if (tok[j] === cfg.expandId) expansions.push(j);
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
    expansions.sort((a, b) => pos[b] - pos[a]);
    for (const j of expansions) if (slotOf[j] < state.gaps[gapOf[j]].stopAt) expand(state, gapOf[j], slotOf[j], cfg.maskId);
    if (state.total + 64 > cap) {
      cap = state.total * 2 + 64;
      if (head) head.bias = new Float32Array(cap * head.biasIds.length);
      [pos, gapOf, slotOf, rows, tok, chosen] = [pos, gapOf, slotOf, rows, tok, chosen].map(() => new Int32Array(cap));
      [prob, conf, keys] = [prob, conf, keys].map(() => new Float64Array(cap));
    }

    stats.steps++;
    stepInBlock++;
    state.step = stats.steps;
    state.committed = countCommitted(state, cfg.maskId);
    hooks.onStep?.(state);
  }
  stats.samplerMs = performance.now() - t0 - stats.modelMs - stats.cacheLoadMs;
  return { state, stats };
}

/** The ids the head must treat per row: always-banned ones, ids past the tokenizer, the stop ids (eosAfterText)
 *  and the expand id. Each row's bias is filled before every pass (fillBias). */
function newHeadRequest(cfg: DenoiseConfig, V: number, s: SamplerOptions, cap: number): HeadRequest {
  const ids = new Set<number>();
  for (const b of cfg.bannedIds) if (b < V) ids.add(b);
  for (let i = Math.min(cfg.sampleable, V); i < V; i++) ids.add(i);
  if (s.eosAfterText) for (const b of cfg.stopIds) if (b < V) ids.add(b);
  if (cfg.expandId !== null && cfg.expandId < V) ids.add(cfg.expandId);
  const biasIds = Int32Array.from([...ids].sort((a, b) => a - b));
  return { k: RowSampler.headK(s.topK ?? 0), scale: s.temperature > 0 ? 1 / s.temperature : 1, biasIds, bias: new Float32Array(cap * biasIds.length) };
}

/** The same per-row bans the full-row path applies to each row of logits, as the head's bias matrix. */
function fillBias(head: HeadRequest, cfg: DenoiseConfig, s: SamplerOptions, state: DenoiseState, pos: Int32Array, slotOf: Int32Array, gapOf: Int32Array, n: number): void {
  const c = head.biasIds.length;
  const banned = new Set(cfg.bannedIds);
  const stops = new Set(cfg.stopIds);
  for (let j = 0; j < n; j++) {
    const stopBanned = !!s.eosAfterText && slotOf[j] > 0 && state.ids[pos[j] - 1] === cfg.maskId;
    const gs = state.gaps[gapOf[j]];
    const expandBanned = cfg.expandId !== null && (gs.length >= gs.maxLength || state.ids.length >= cfg.contextLength);
    for (let i = 0; i < c; i++) {
      const id = head.biasIds[i];
      const ban = banned.has(id) || id >= cfg.sampleable || (stopBanned && stops.has(id)) || (expandBanned && id === cfg.expandId);
      head.bias[j * c + i] = ban ? -Infinity : 0;
    }
  }
}

/**
 * The canvas span a dual-cache window pass recomputes: every gap's active block (the slots whose tokens change
 * during the block, committed ones included, so their fresh keys/values are used), the row before each block for
 * shifted logits, and every row asked for.
 */
function windowSpan(state: DenoiseState, rows: Int32Array, pos: Int32Array, n: number, block: number, blockSize: number, shifted: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const gs of state.gaps) {
    // the whole block, past the gap's stop too: a stop committed inside the block changed those slots
    const blo = Number.isFinite(blockSize) ? block * blockSize : 0;
    const bhi = Math.min(gs.length, Number.isFinite(blockSize) ? blo + blockSize : gs.length);
    if (bhi <= blo || blo >= gs.stopAt) continue; // this gap ended before the block: nothing of it changes now
    lo = Math.min(lo, gs.start + blo - (shifted ? 1 : 0));
    hi = Math.max(hi, gs.start + bhi);
  }
  for (let j = 0; j < n; j++) {
    lo = Math.min(lo, rows[j], pos[j]);
    hi = Math.max(hi, rows[j] + 1, pos[j] + 1);
  }
  return [Math.max(0, lo), Math.min(state.ids.length, hi)];
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
  if (gs.stopAt >= slot + 1) gs.stopAt++;
  state.total++;
  for (let h = g + 1; h < state.gaps.length; h++) state.gaps[h].start++;
}

function countCommitted(state: DenoiseState, maskId: number): number {
  let c = 0;
  for (const gs of state.gaps) for (let slot = 0; slot < gs.length; slot++) if (state.ids[gs.start + slot] !== maskId) c++;
  return c;
}
