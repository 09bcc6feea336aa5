// Ghost text as users see it: the bench's tasks through the editor's own pipeline (src/completion/ghostText.ts)
// with the extension's default settings and the model's calibrated confidence gate. The rows sit beside the raw
// decoder rows of `npm run bench`: how often something is shown, how good what is shown is, and how fast.
// The same runs feed the gate calibration (ghost-text-calibrate.ts): a recorded model answer is replayed through the
// pipeline at any gate without asking the model again (greedy decoding: the answer does not depend on the gate).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extensionDefaults } from '../src/completion/defaults';
import { GhostText } from '../src/completion/ghostText';
import type { CompletionSettings, Outcome } from '../src/completion/types';
import type { InfillResult } from '../src/engine/types';
import type { WorkerClient } from '../src/worker/client';
import { mean, percentile } from './stats';
import { editSimilarity, exactMatch, type BenchTask } from './tasks';

export type GhostTask = Pick<BenchTask, 'id' | 'kind' | 'lang' | 'prefix' | 'suffix' | 'middle'>;

export interface GhostRun {
  task: GhostTask;
  outcome?: Outcome;
  /** The model's answer, for replays at other gates (absent when the request failed). */
  result?: InfillResult;
  wallMs: number;
  error?: string;
}

export interface GhostTextRow {
  name: string;
  gate: number;
  tasks: number;
  /** Percent of tasks where something is shown. */
  shownSingle: number;
  shownMulti: number;
  /** Exact match / edit similarity of what is shown (percent; NaN when nothing is). */
  exactMatchShownSingle: number;
  exactMatchShownMulti: number;
  editSimilarityShownSingle: number;
  editSimilarityShownMulti: number;
  /** Wall time of the whole pipeline per single-line task, the model request included. */
  singleP50Ms: number;
  singleP95Ms: number;
  errors: number;
}

export function ghostTextSettings(root: string, minConfidence: number): CompletionSettings {
  return extensionDefaults(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')), minConfidence);
}

/** The task as the editor would see it: the cursor between prefix and suffix, the gap's shape given by the task's kind. */
function input(task: GhostTask) {
  return {
    text: task.prefix + task.suffix,
    offset: task.prefix.length,
    languageId: task.lang,
    indent: { insertSpaces: true, tabSize: 4 },
    documentKey: task.id,
    mode: task.kind === 'single' ? ('line' as const) : ('block' as const),
  };
}

export async function runGhostText(client: WorkerClient, tasks: GhostTask[], settings: CompletionSettings): Promise<GhostRun[]> {
  const runs: GhostRun[] = [];
  for (const task of tasks) {
    let result: InfillResult | undefined;
    const t0 = performance.now();
    try {
      // A fresh pipeline per task: one task's suggestion must not be reused for another through the typing cache.
      const outcome = await new GhostText().complete(input(task), settings, async (req) => (result = await client.infill(req)));
      runs.push({ task, outcome, result, wallMs: performance.now() - t0 });
    } catch (e) {
      runs.push({ task, wallMs: performance.now() - t0, error: (e as Error).message });
    }
  }
  return runs;
}

/** The recorded answers through the pipeline again with other settings (another gate). */
export async function replay(runs: GhostRun[], settings: CompletionSettings): Promise<GhostRun[]> {
  const out: GhostRun[] = [];
  for (const r of runs) {
    if (!r.result) {
      out.push(r);
      continue;
    }
    const outcome = await new GhostText().complete(input(r.task), settings, async () => r.result!);
    out.push({ ...r, outcome });
  }
  return out;
}

export function summarizeRuns(name: string, gate: number, runs: GhostRun[]): GhostTextRow {
  const of = (kind: 'single' | 'multi') => runs.filter((r) => r.task.kind === kind);
  const shown = (rs: GhostRun[]) => rs.filter((r) => r.outcome?.shown);
  const text = (r: GhostRun) => (r.outcome?.shown ? r.outcome.text : '');
  const pct = (n: number, d: number) => (d > 0 ? (100 * n) / d : NaN);
  const em = (rs: GhostRun[]) => pct(shown(rs).filter((r) => exactMatch(r.task as BenchTask, text(r))).length, shown(rs).length);
  const es = (rs: GhostRun[]) => (shown(rs).length ? 100 * mean(shown(rs).map((r) => editSimilarity(r.task as BenchTask, text(r)))) : NaN);
  const single = of('single');
  const multi = of('multi');
  return {
    name,
    gate,
    tasks: runs.length,
    shownSingle: pct(shown(single).length, single.length),
    shownMulti: pct(shown(multi).length, multi.length),
    exactMatchShownSingle: em(single),
    exactMatchShownMulti: em(multi),
    editSimilarityShownSingle: es(single),
    editSimilarityShownMulti: es(multi),
    singleP50Ms: percentile(single.filter((r) => !r.error).map((r) => r.wallMs), 50),
    singleP95Ms: percentile(single.filter((r) => !r.error).map((r) => r.wallMs), 95),
    errors: runs.filter((r) => r.error).length,
  };
}

/**
 * `npm run bench`'s ghost-text rows: the tasks through the pipeline with the model's calibrated gate, and the same
 * answers with no gate (filters only), so the gate's effect reads off two neighbouring rows.
 */
export async function ghostTextRows(client: WorkerClient, root: string, tasks: GhostTask[], modelGate: number): Promise<GhostTextRow[]> {
  const gated = await runGhostText(client, tasks, ghostTextSettings(root, modelGate));
  const open = await replay(gated, ghostTextSettings(root, 0));
  return [summarizeRuns(`ghost text, gate ${modelGate} (the model's)`, modelGate, gated), summarizeRuns('ghost text, no gate (filters only)', 0, open)];
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

export function ghostTextTable(rows: GhostTextRow[]): string {
  const head = '| ghost text (what the editor shows) | shown single % | EM shown single % | ES shown single % | shown block % | EM shown block % | ES shown block % | single p50 / p95 ms |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const body = rows.map((r) => `| ${r.name} | ${f1(r.shownSingle)} | ${f1(r.exactMatchShownSingle)} | ${f1(r.editSimilarityShownSingle)} | ${f1(r.shownMulti)} | ${f1(r.exactMatchShownMulti)} | ${f1(r.editSimilarityShownMulti)} | ${r.singleP50Ms.toFixed(0)} / ${r.singleP95Ms.toFixed(0)} |`);
  return [head, sep, ...body].join('\n');
}
