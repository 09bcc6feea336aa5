// Stage 1 of a denoising step: the plan (blocks, step count, Dream's schedule), the one block-bounds rule, and the
// eligible rows — the masks of every gap's active block, before the gap's stop — written into buffers that live as
// long as the request.

import type { SamplerOptions } from '../types';
import { dreamTimesteps } from './schedule';
import type { DenoiseConfig, DenoiseState } from './denoiseTypes';

export interface DenoisePlan {
  /** Slots per block (Infinity: the whole gap is one block). */
  blockSize: number;
  blocks: number;
  totalSteps: number;
  /** Dream's linspace(1, eps, steps + 1) for the steps of one block. */
  ts: Float32Array;
}

export function planDenoise(state: DenoiseState, s: SamplerOptions): DenoisePlan {
  const blockSize = s.blockSize ?? Infinity;
  const longest = Math.max(...state.gaps.map((g) => Math.min(g.length, g.stopAt)));
  const blocks = Number.isFinite(blockSize) ? Math.ceil(longest / blockSize) : 1;
  const totalSteps = s.steps ?? Math.max(1, Math.round(state.total * (s.stepsPerToken ?? 1)));
  const ts = dreamTimesteps(Math.max(1, Math.ceil(totalSteps / blocks)), s.eps);
  return { blockSize, blocks, totalSteps, ts };
}

/** Slots [lo, hi) of block `block` in a gap of `length` slots. */
export function blockRange(block: number, blockSize: number, length: number): [number, number] {
  const lo = Number.isFinite(blockSize) ? block * blockSize : 0;
  return [lo, Math.min(length, Number.isFinite(blockSize) ? lo + blockSize : length)];
}

/**
 * Per-step rows, sized by the mask count (never by the vocabulary): for eligible row j its canvas position, gap,
 * slot and the model's output row; the sampled token, probability and confidence; the rows chosen to commit.
 * Contents live one step, so growing (after expansions) allocates fresh buffers without copying.
 */
export class StepRows {
  n = 0;
  cap = 0;
  pos = new Int32Array(0);
  gapOf = new Int32Array(0);
  slotOf = new Int32Array(0);
  rows = new Int32Array(0);
  tok = new Int32Array(0);
  chosen = new Int32Array(0);
  prob = new Float64Array(0);
  conf = new Float64Array(0);
  keys = new Float64Array(0);

  constructor(total: number) {
    this.alloc(total + 64);
  }

  /** Grows the buffers when the canvas's masks (plus room for expansions) outgrew them; true when it did. */
  fit(total: number): boolean {
    if (total + 64 <= this.cap) return false;
    this.alloc(total * 2 + 64);
    return true;
  }

  private alloc(cap: number): void {
    this.cap = cap;
    [this.pos, this.gapOf, this.slotOf, this.rows, this.tok, this.chosen] = Array.from({ length: 6 }, () => new Int32Array(cap));
    [this.prob, this.conf, this.keys] = Array.from({ length: 3 }, () => new Float64Array(cap));
  }
}

/** Fills `r` with the eligible masks of block `block`; returns how many masks are left anywhere (0 = done). */
export function eligibleRows(state: DenoiseState, cfg: DenoiseConfig, plan: DenoisePlan, block: number, r: StepRows): number {
  let n = 0;
  let masksLeft = 0;
  for (let g = 0; g < state.gaps.length; g++) {
    const gs = state.gaps[g];
    const [lo, end] = blockRange(block, plan.blockSize, gs.length);
    const hi = Math.min(gs.stopAt, end);
    for (let slot = 0; slot < gs.stopAt; slot++) {
      const p = gs.start + slot;
      if (state.ids[p] !== cfg.maskId) continue;
      masksLeft++;
      if (slot < lo || slot >= hi) continue;
      r.pos[n] = p;
      r.gapOf[n] = g;
      r.slotOf[n] = slot;
      r.rows[n] = cfg.shifted ? p - 1 : p;
      n++;
    }
  }
  r.n = n;
  return masksLeft;
}
