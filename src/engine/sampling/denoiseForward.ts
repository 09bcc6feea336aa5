// Stage 2 of a denoising step: one forward pass for the eligible rows, under the request's cache policy — every
// pass full (no cache), or Fast-dLLM's dual cache: a full pass ("prefill") at each block start that caches every
// layer's keys/values, then passes over a window of the canvas. Each pass returns full rows of logits, or the
// in-graph confidence head's top k when the model has one and the sampler can be served from it. The head gets
// the full-row path's per-row bans and repetition penalty as its bias, so both paths choose the same tokens.

import { EngineError, type SamplerOptions } from '../types';
import type { ForwardModel, HeadRequest, PassOutput, WindowForward } from '../forwardModel';
import { blockRange, type StepRows } from './denoisePlan';
import type { DenoiseConfig, DenoiseState, DenoiseStats } from './denoiseTypes';
import { MAX_REPEATS, nearbyRepeats } from './repetition';
import { RowSampler } from './rowSampler';

export class ForwardPolicy {
  private cachedBlock = -1;
  private sincePrefill = 0;
  private stopsSeen = 0; // a stop fills slots outside the window: the next pass refreshes the cache

  private constructor(
    private readonly model: ForwardModel,
    private readonly cfg: DenoiseConfig,
    private readonly win: WindowForward | undefined,
    private readonly head: HeadRequest | undefined,
    /** Why each of the request's bias ids is banned (BAN_*), decided once per request instead of on every pass. */
    private readonly banKinds: Uint8Array,
    private readonly repeats: HeadRepeats | undefined,
  ) {}

  /** Opens the dual cache when the sampler asks for it (its load time goes to stats.cacheLoadMs). */
  static async open(model: ForwardModel, cfg: DenoiseConfig, stats: DenoiseStats, cap: number): Promise<ForwardPolicy> {
    const s = cfg.sampler;
    if (s.cache === 'dual' && !model.openWindow && !cfg.ghost)
      throw new EngineError("sampler.cache 'dual' needs a model with a window graph (manifest windowGraph); this model has none", 'BAD_SAMPLER');
    let win: WindowForward | undefined = cfg.ghost?.window;
    if (s.cache === 'dual' && !win) {
      const opened = await openDualCache(model);
      win = opened.win;
      stats.cacheLoadMs = opened.loadMs;
      if (opened.skipped) stats.cacheSkipped = opened.skipped;
    }
    // The confidence head, when the model has one and this sampler can be served from the top k of each row.
    const head = model.forwardTop && RowSampler.headServes(s.temperature, s.topP, s.topK ?? 0) ? newHeadRequest(cfg, model.vocabSize, s, cap) : undefined;
    const repeats = head && s.repetitionPenalty ? new HeadRepeats(head, s.repetitionPenalty, cap) : undefined;
    const policy = new ForwardPolicy(model, cfg, win, head, head ? banKindsOf(head.biasIds, cfg) : new Uint8Array(0), repeats);
    return policy;
  }

  /** One pass for rows r.rows[0, r.n) of the canvas, in block `block`. */
  async run(state: DenoiseState, r: StepRows, block: number, blockSize: number, stats: DenoiseStats): Promise<PassOutput> {
    const { model, win, head, cfg } = this;
    if (head) {
      this.repeats?.collect(head, state, cfg, r);
      fillBias(head, this.banKinds, cfg, state, r);
      this.repeats?.apply(head, r);
    }
    const rows = r.rows.subarray(0, r.n);
    if (!win) return head ? model.forwardTop!(state.ids, rows, head) : model.forward(state.ids, rows);
    if (cfg.ghost) return this.runGhost(win, state, r, rows, head, stats);
    const refresh = cfg.sampler.cacheRefresh;
    if (this.cachedBlock !== block || win.length !== state.ids.length || stats.slotsFinalisedByStop !== this.stopsSeen || (refresh && this.sincePrefill >= refresh)) {
      this.stopsSeen = stats.slotsFinalisedByStop;
      const out = await win.prefill(state.ids, rows, head);
      this.cachedBlock = block;
      this.sincePrefill = 0;
      return out;
    }
    const [lo, hi] = windowSpan(state, r, block, blockSize, cfg.shifted);
    const out = await win.step(state.ids, lo, hi, rows, head);
    this.sincePrefill++;
    stats.windowPasses++;
    return out;
  }

  /**
   * Ghost text: one full pass when the cache is cold; then a window pass over ghostWindow's span. Masks past the last
   * slot asked for keep the keys/values the cache has for them, as the masks beyond the active block do in Fast-dLLM's
   * dual cache; `seen` records what each position was computed from, so they are recomputed once a pass reaches them.
   */
  private async runGhost(win: WindowForward, state: DenoiseState, r: StepRows, rows: Int32Array, head: HeadRequest | undefined, stats: DenoiseStats): Promise<PassOutput> {
    const g = this.cfg.ghost!;
    const ids = state.ids;
    if (!g.cacheIds || g.cacheIds.length !== ids.length || win.length !== ids.length) {
      const out = await win.prefill(ids, rows, head);
      g.cacheIds = ids.slice();
      return out;
    }
    const [lo, hi] = ghostWindow(ids, g.cacheIds, r, this.cfg.maskId);
    const out = await win.step(ids, lo, hi, rows, head);
    g.cacheIds.set(ids.subarray(lo, hi), lo);
    stats.windowPasses++;
    return out;
  }

  /** The head's bias matrix follows the row buffers when they grow. */
  resize(cap: number): void {
    if (this.head) this.head.bias = new Float32Array(cap * this.head.biasIds.length);
    this.repeats?.resize(cap);
  }
}

/**
 * Opens a model's window graph for the dual cache. Not enough memory for the window session's copy of the weights is
 * not a failure: the request decodes without the cache (same result quality, full passes) and says why.
 */
export async function openDualCache(model: ForwardModel): Promise<{ win?: WindowForward; loadMs: number; skipped?: string }> {
  const t = performance.now();
  try {
    return { win: await model.openWindow!(), loadMs: performance.now() - t };
  } catch (e) {
    if (!(e instanceof EngineError && e.code === 'OUT_OF_MEMORY')) throw e;
    return { loadMs: performance.now() - t, skipped: e.message };
  }
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

const BAN_ALWAYS = 0; // banned ids and ids past the tokenizer: every row
const BAN_STOP = 1; // stop ids under eosAfterText: rows whose previous slot is still masked
const BAN_EXPAND = 2; // the expand id: rows whose gap cannot grow
const BAN_NONE = 3; // an id in the bias only for the repetition penalty (HeadRepeats): never banned

function banKindsOf(biasIds: Int32Array, cfg: DenoiseConfig): Uint8Array {
  const banned = new Set(cfg.bannedIds);
  return Uint8Array.from(biasIds, (id) => (banned.has(id) || id >= cfg.sampleable ? BAN_ALWAYS : id === cfg.expandId ? BAN_EXPAND : BAN_STOP));
}

/** The same per-row bans the full-row path applies to each row of logits (denoiseScore.ts), as the head's bias.
 *  Runs before every pass: only the two per-row conditions are computed here. */
function fillBias(head: HeadRequest, kinds: Uint8Array, cfg: DenoiseConfig, state: DenoiseState, r: StepRows): void {
  const c = head.biasIds.length; // the request's ids (kinds), then any of this pass's penalised ids (BAN_NONE)
  for (let j = 0; j < r.n; j++) {
    const stopBanned = !!cfg.sampler.eosAfterText && r.slotOf[j] > 0 && state.ids[r.pos[j] - 1] === cfg.maskId;
    const gs = state.gaps[r.gapOf[j]];
    const expandBanned = cfg.expandId !== null && (gs.length >= gs.maxLength || state.ids.length >= cfg.contextLength);
    const row = head.bias.subarray(j * c, (j + 1) * c);
    for (let i = 0; i < c; i++) {
      const k = i < kinds.length ? kinds[i] : BAN_NONE;
      row[i] = k === BAN_ALWAYS || (k === BAN_STOP && stopBanned) || (k === BAN_EXPAND && expandBanned) ? -Infinity : 0;
    }
  }
}

/**
 * The repetition penalty on the head path. The head's bias columns are fixed per pass, not per row, so each pass's
 * bias ids are the request's own followed by every id some row penalises (nearbyRepeats, as on the full-row path);
 * a row's penalised columns get -penalty x head.scale (the graph adds the bias after scaling by 1/temperature, the
 * full rows subtract before the sampler divides by it: the same logit either way).
 */
class HeadRepeats {
  private readonly fixed: Int32Array; // the request's bias ids (banKinds' columns)
  private readonly fixedCol = new Map<number, number>();
  private readonly passCol = new Map<number, number>(); // this pass's penalised ids beyond the request's: their columns
  private ids = new Int32Array(0); // per row: its penalised ids, MAX_REPEATS slots each
  private counts = new Int32Array(0);

  constructor(
    head: HeadRequest,
    private readonly penalty: number,
    cap: number,
  ) {
    this.fixed = head.biasIds;
    this.fixed.forEach((id, col) => this.fixedCol.set(id, col));
    this.resize(cap);
  }

  resize(cap: number): void {
    this.ids = new Int32Array(cap * MAX_REPEATS);
    this.counts = new Int32Array(cap);
  }

  /** Each row's penalised ids; head.biasIds (and the bias matrix's width) become the request's ids + theirs. */
  collect(head: HeadRequest, state: DenoiseState, cfg: DenoiseConfig, r: StepRows): void {
    const extra: number[] = [];
    this.passCol.clear();
    for (let j = 0; j < r.n; j++) {
      const c = (this.counts[j] = nearbyRepeats(state, cfg, r.gapOf[j], r.slotOf[j], this.ids.subarray(j * MAX_REPEATS)));
      for (let i = 0; i < c; i++) {
        const id = this.ids[j * MAX_REPEATS + i];
        if (this.fixedCol.has(id) || this.passCol.has(id)) continue;
        this.passCol.set(id, this.fixed.length + extra.length);
        extra.push(id);
      }
    }
    const width = this.fixed.length + extra.length;
    // Same ids as the last pass: keep the array (the model converts a request's ids to a tensor once per array).
    if (width === head.biasIds.length && extra.every((id, i) => head.biasIds[this.fixed.length + i] === id)) return;
    const biasIds = new Int32Array(width);
    biasIds.set(this.fixed);
    biasIds.set(extra, this.fixed.length);
    head.biasIds = biasIds;
    if (head.bias.length < this.counts.length * width) head.bias = new Float32Array(this.counts.length * width);
  }

  /** Adds the penalty to each row's penalised columns, after fillBias wrote the bans (-inf stays -inf). */
  apply(head: HeadRequest, r: StepRows): void {
    const c = head.biasIds.length;
    const cost = -this.penalty * head.scale;
    for (let j = 0; j < r.n; j++) {
      for (let i = 0; i < this.counts[j]; i++) {
        const id = this.ids[j * MAX_REPEATS + i];
        head.bias[j * c + (this.fixedCol.get(id) ?? this.passCol.get(id)!)] += cost;
      }
    }
  }
}

/**
 * The canvas span a dual-cache window pass recomputes: every gap's active block (the slots whose tokens change
 * during the block, committed ones included, so their fresh keys/values are used), the row before each block for
 * shifted logits, and every row asked for.
 */
function windowSpan(state: DenoiseState, r: StepRows, block: number, blockSize: number, shifted: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const gs of state.gaps) {
    // the whole block, past the gap's stop too: a stop committed inside the block changed those slots
    const [blo, bhi] = blockRange(block, blockSize, gs.length);
    if (bhi <= blo || blo >= gs.stopAt) continue; // this gap ended before the block: nothing of it changes now
    lo = Math.min(lo, gs.start + blo - (shifted ? 1 : 0));
    hi = Math.max(hi, gs.start + bhi);
  }
  for (let j = 0; j < r.n; j++) {
    lo = Math.min(lo, r.rows[j], r.pos[j]);
    hi = Math.max(hi, r.rows[j] + 1, r.pos[j] + 1);
  }
  return [Math.max(0, lo), Math.min(state.ids.length, hi)];
}

/**
 * The span a ghost-text window pass recomputes: from the first position whose id differs from what the cache holds
 * (`seen`: the typed tail, slots committed since their last pass) to the last slot asked for, with every row asked
 * for, and on to the last position past it whose content changed to something other than a mask (a line stop's
 * fill, a committed token): the rows must see where the line ends (without it the bundled model lost 1.3 ES points:
 * bench --reuse-quality). Positions past the last slot asked for that are masks again (the last suggestion's tokens
 * where a reused gap is masked anew) keep their cached keys/values, as the masks beyond the active block do in
 * Fast-dLLM's dual cache: recomputing them made the first pass after a keystroke 28-57 positions wide instead of 8-12.
 */
export function ghostWindow(ids: Int32Array, seen: Int32Array, r: StepRows, maskId: number): [number, number] {
  let last = -1; // the last canvas position asked about: a slot (r.pos) or the row that predicts it (r.rows)
  let lo = Infinity;
  for (let j = 0; j < r.n; j++) {
    last = Math.max(last, r.pos[j], r.rows[j]);
    lo = Math.min(lo, r.rows[j], r.pos[j]);
  }
  const end = r.n > 0 ? last + 1 : ids.length;
  for (let i = 0; i < Math.min(lo, end); i++) {
    if (ids[i] !== seen[i]) {
      lo = i;
      break;
    }
  }
  if (lo === Infinity) return [0, 0];
  let hi = Math.max(end, lo + 1);
  for (let i = hi; i < ids.length; i++) if (ids[i] !== seen[i] && ids[i] !== maskId) hi = i + 1;
  return [lo, hi];
}
