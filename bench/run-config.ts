// Runs every task under one configuration through the real worker and aggregates what the bench reports.

import type { InfillResult } from '../src/engine/types';
import type { WorkerClient } from '../src/worker/client';
import type { BenchConfig } from './configs';
import { mean, percentile, sum } from './stats';
import { editSimilarity, exactMatch, type BenchTask } from './tasks';

export interface ConfigResult {
  name: string;
  tasks: number;
  exactMatch: number; // percent, all tasks
  exactMatchSingle: number;
  exactMatchMulti: number;
  editSimilarity: number; // percent, mean over all tasks
  /** Per task, in task order (percent; an error scores 0): what paired comparisons between rows resample. */
  editSimilarityPerTask: number[];
  /** Dual-cache rows: the share of tasks whose fill equals the same config without the cache (percent). */
  sameAsUncached?: number;
  singleP50Ms: number;
  singleP95Ms: number;
  multiP50Ms: number;
  forwardPasses: number; // mean per task
  tokensPerForward: number; // model-committed tokens / forward passes, over all tasks
  slotsPerForward: number; // committed + stop-finalised slots / forward passes
  outsideOrtShare: number; // (request time - ONNX time) / request time, worker side
  samplerShare: number; // sampler time / (sampler + ONNX time)
  rowsScored: number;
  samplerMs: number;
  modelMs: number;
  modelMsPerForward: number;
  peakRssMb: number;
  errors: number;
}

export interface TaskRun {
  task: BenchTask;
  result?: InfillResult;
  wallMs: number;
  error?: string;
}

export async function runConfig(client: WorkerClient, cfg: BenchConfig, tasks: BenchTask[], budget: { prefixTokens: number; suffixTokens: number }): Promise<{ summary: ConfigResult; runs: TaskRun[] }> {
  const runs: TaskRun[] = [];
  for (const task of tasks) {
    const t0 = performance.now();
    try {
      const result = await client.infill({ pieces: [task.prefix, task.suffix], gaps: [{ maxTokens: task.maxTokens, singleLine: task.kind === 'single' }], sampler: cfg.sampler(task.maxTokens), budget });
      runs.push({ task, result, wallMs: performance.now() - t0 });
    } catch (e) {
      runs.push({ task, wallMs: performance.now() - t0, error: (e as Error).message });
    }
  }
  const ok = runs.filter((r) => r.result);
  const st = ok.map((r) => r.result!.stats);
  const em = (rs: TaskRun[]) => (rs.length ? (100 * rs.filter((r) => r.result && exactMatch(r.task, r.result.gaps[0].text)).length) / rs.length : NaN);
  const single = runs.filter((r) => r.task.kind === 'single');
  const multi = runs.filter((r) => r.task.kind === 'multi');
  const fwd = sum(st.map((s) => s.forwardPasses));
  const total = sum(st.map((s) => s.totalMs));
  const model = sum(st.map((s) => s.modelMs));
  const sampler = sum(st.map((s) => s.samplerMs));
  const esPerTask = runs.map((r) => (r.result ? 100 * editSimilarity(r.task, r.result.gaps[0].text) : 0));
  return {
    runs,
    summary: {
      name: cfg.name,
      tasks: runs.length,
      exactMatch: em(runs),
      exactMatchSingle: em(single),
      exactMatchMulti: em(multi),
      editSimilarity: mean(esPerTask),
      editSimilarityPerTask: esPerTask.map((x) => Math.round(1000 * x) / 1000),
      singleP50Ms: percentile(single.filter((r) => r.result).map((r) => r.wallMs), 50),
      singleP95Ms: percentile(single.filter((r) => r.result).map((r) => r.wallMs), 95),
      multiP50Ms: percentile(multi.filter((r) => r.result).map((r) => r.wallMs), 50),
      forwardPasses: fwd / Math.max(1, st.length),
      tokensPerForward: sum(st.map((s) => s.tokensCommitted)) / Math.max(1, fwd),
      slotsPerForward: sum(st.map((s) => s.tokensCommitted + s.slotsFinalisedByStop)) / Math.max(1, fwd),
      outsideOrtShare: total > 0 ? (total - model) / total : NaN,
      samplerShare: sampler + model > 0 ? sampler / (sampler + model) : NaN,
      rowsScored: sum(st.map((s) => s.rowsScored ?? 0)),
      samplerMs: sampler,
      modelMs: model,
      modelMsPerForward: model / Math.max(1, fwd),
      peakRssMb: Math.max(0, ...st.map((s) => s.peakRssMb ?? 0)),
      errors: runs.length - ok.length,
    },
  };
}
