// The denoising loop shared by every algorithm, one step at a time in four stages over the same preallocated
// row buffers: the eligible masks (active block of every gap; denoisePlan.ts), one forward pass for just those
// rows under the cache policy (denoiseForward.ts), each row turned into (token, probability, confidence)
// (denoiseScore.ts), then which to commit and the commit with stop tokens and DreamOn expansions
// (denoiseCommit.ts). The AbortSignal is checked before every forward pass.

import { abortError, EngineError, type SamplerOptions } from '../types';
import type { Canvas } from '../canvas/canvas';
import type { ForwardModel } from '../forwardModel';
import { chooseRows, commitRows, countCommitted } from './denoiseCommit';
import { ForwardPolicy } from './denoiseForward';
import { eligibleRows, planDenoise, StepRows } from './denoisePlan';
import { scoreRows } from './denoiseScore';
import type { DenoiseConfig, DenoiseHooks, DenoiseState, DenoiseStats } from './denoiseTypes';
import { Prng } from './prng';
import { RowSampler, type ConfidenceKind, type RowSample } from './rowSampler';

export type { DenoiseConfig, DenoiseHooks, DenoiseState, DenoiseStats, GapState } from './denoiseTypes';
// ForwardModel lives in forwardModel.ts (model/ implements it without importing sampling/); it is
// re-exported: the denoiser is what callers hand a model to.
export type { ForwardModel } from '../forwardModel';

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
  const state: DenoiseState = {
    ids: canvas.ids.slice(),
    gaps: canvas.gaps.map((g) => ({
      start: g.start,
      length: g.length,
      stopAt: Math.min(g.length, g.decodeLength ?? Infinity, cfg.forceLength || Infinity),
      end: Math.min(g.length, g.decodeLength ?? Infinity),
      probs: new Array<number>(g.length).fill(0),
      maxLength: cfg.expandId === null ? g.length : Math.min(g.length * 2, g.length + 64),
    })),
    step: 0,
    committed: 0,
    total: canvas.gaps.reduce((a, g) => a + Math.min(g.length, g.decodeLength ?? Infinity), 0),
  };
  const stats: DenoiseStats = { steps: 0, forwardPasses: 0, windowPasses: 0, rowsScored: 0, tokensCommitted: 0, slotsFinalisedByStop: 0, modelMs: 0, samplerMs: 0, cacheLoadMs: 0 };
  const plan = planDenoise(state, s);
  const r = new StepRows(state.total);
  const sample: RowSample = { token: 0, prob: 0, confidence: 0 };
  const forward = await ForwardPolicy.open(model, cfg, stats, r.cap);
  const bounded = s.algorithm === 'threshold' && s.threshold > 0 && rowSampler.supportsBound;

  let block = 0;
  let stepInBlock = 0;
  const guard = 4 * (state.total + 64) + plan.totalSteps + plan.blocks;
  for (let iter = 0; ; iter++) {
    if (iter > guard) throw new EngineError('the denoiser made no progress (internal error)', 'INTERNAL');
    if (eligibleRows(state, cfg, plan, block, r) === 0) break;
    if (r.n === 0) {
      block++;
      stepInBlock = 0;
      continue;
    }
    if (hooks.signal?.aborted) throw abortError();

    hooks.onForward?.(stats.forwardPasses + 1);
    const tm = performance.now();
    const out = await forward.run(state, r, block, plan.blockSize, stats);
    stats.modelMs += performance.now() - tm;
    stats.forwardPasses++;
    stats.rowsScored += r.n;

    scoreRows(out, r, state, cfg, rowSampler, rng, V, bounded, sample);
    commitRows(state, cfg, r, chooseRows(cfg, plan, r, stepInBlock, rng), stats);
    if (r.fit(state.total)) forward.resize(r.cap);

    stats.steps++;
    stepInBlock++;
    state.step = stats.steps;
    state.committed = countCommitted(state, cfg.maskId);
    hooks.onStep?.(state);
  }
  stats.samplerMs = performance.now() - t0 - stats.modelMs - stats.cacheLoadMs;
  return { state, stats };
}
