// The quality guard of reuse across keystrokes (issue 23, item 6): on the bench's held-out single-line tasks, the
// user types the first characters of the right answer two at a time, up to the reuse limit; each suggestion after
// the first is made once from the document's reused canvas (the typed tail and the gap recomputed over cached
// keys/values, the approximation growing with every reuse) and once by an exact full recompute of a twin document
// (so the exact answer never refreshes the reused chain), through the ghost-text pipeline (filters, no gate: the
// gate is a threshold on the same confidences) on the real worker. Reported: edit similarity of each to the rest of
// the line, their paired difference with a 95 % bootstrap interval, the share of identical suggestions, and both by
// how many reuses deep the suggestion was.
//
//   node dist/bench.js --reuse-quality [--model DIR] [--out FILE] [--limit N]

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { GhostText } from '../src/completion/ghostText';
import type { CompletionInput, CompletionSettings } from '../src/completion/types';
import type { InfillResult } from '../src/engine/types';
import { REUSE_LIMITS } from '../src/engine/ghost/canvasReuse';
import { WorkerClient } from '../src/worker/client';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { ghostTextSettings } from './ghost-text';
import { mean, pairedDifference } from './stats';
import { editSimilarity, loadTasks, type BenchTask } from './tasks';

/** Characters typed between two suggestions, and how many suggestions follow the first. */
const STEP_CHARS = 2;
const STEPS = REUSE_LIMITS.maxReuses;

export async function reuseQualityMain(argv: string[]): Promise<number> {
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const root = packageRoot();
  const modelDir = resolve(opt('--model') ?? bundledModelDir(root));
  const out = opt('--out') ?? resolve(root, 'bench/results/ghost-reuse-quality.json');
  const limit = opt('--limit') !== undefined ? Number(opt('--limit')) : undefined;
  const tasks = loadTasks(root, false, limit).filter((t) => t.kind === 'single');
  const load0 = loadavg();
  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000 });
  try {
    await client.load();
    const settings: CompletionSettings = ghostTextSettings(root, 0);
    const rows: { id: string; step: number; typed: string; reused: string; exact: string; reuse?: string; esReused: number; esExact: number }[] = [];
    for (const task of tasks) {
      const ask = async (typed: string, reuse: boolean): Promise<{ text: string; result?: InfillResult }> => {
        let result: InfillResult | undefined;
        // A fresh pipeline per request: its typing cache would otherwise answer from the last suggestion.
        const doc = { ...input(task, typed), documentKey: reuse ? task.id : `${task.id}#exact` };
        const outcome = await new GhostText().complete(doc, { ...settings, reuse }, async (req) => (result = await client.infill(req)));
        return { text: outcome.shown ? outcome.text : '', result };
      };
      await ask('', true); // the document's first suggestion: computed in full, its canvas kept
      for (let k = 1; k <= STEPS; k++) {
        const typed = task.middle.slice(0, k * STEP_CHARS);
        if (typed.length >= task.middle.trimEnd().length || typed.includes('\n')) break;
        const reused = await ask(typed, true);
        const exact = await ask(typed, false);
        const rest: BenchTask = { ...(task as BenchTask), middle: task.middle.slice(typed.length) };
        rows.push({ id: task.id, step: k, typed, reused: reused.text, exact: exact.text, reuse: reused.result?.stats.reuse, esReused: 100 * editSimilarity(rest, reused.text), esExact: 100 * editSimilarity(rest, exact.text) });
      }
    }
    const answered = rows.filter((r) => r.reuse === 'reused');
    const d = pairedDifference(rows.map((r) => r.esReused), rows.map((r) => r.esExact));
    const dr = answered.length ? pairedDifference(answered.map((r) => r.esReused), answered.map((r) => r.esExact)) : undefined;
    const json = {
      model: modelDir === resolve(bundledModelDir(root)) ? 'bundled (models/diffucode-tiny)' : modelDir,
      cases: tasks.length,
      suggestions: rows.length,
      stepChars: STEP_CHARS,
      reusedShare: answered.length / Math.max(1, rows.length),
      esReused: mean(rows.map((r) => r.esReused)),
      esExact: mean(rows.map((r) => r.esExact)),
      esDifference: d,
      esDifferenceWhereReused: dr,
      identicalShare: rows.filter((r) => r.reused === r.exact).length / Math.max(1, rows.length),
      identicalShareWhereReused: answered.length ? answered.filter((r) => r.reused === r.exact).length / answered.length : NaN,
      byReuses: byStep(rows),
      recomputedBecause: countBy(rows.filter((r) => r.reuse !== 'reused').map((r) => r.reuse ?? 'none')),
      load: [...load0.map((x) => +x.toFixed(2)), +loadavg()[0].toFixed(2)],
      cores: cpus().length,
      date: new Date().toISOString(),
      samples: rows.slice(0, 12),
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
    process.stdout.write(
      `reuse vs exact recompute on ${tasks.length} held-out single-line cases (${rows.length} suggestions, ${(100 * json.reusedShare).toFixed(0)} % reused): ` +
        `ES ${json.esReused.toFixed(1)} vs ${json.esExact.toFixed(1)}, difference ${d.diff.toFixed(2)} [${d.lo.toFixed(2)}, ${d.hi.toFixed(2)}]; identical ${(100 * json.identicalShare).toFixed(1)} %\nwrote ${out}\n`,
    );
    return 0;
  } finally {
    client.dispose();
  }
}

function input(task: Pick<BenchTask, 'id' | 'lang' | 'prefix' | 'suffix'>, typed: string): CompletionInput {
  return { text: task.prefix + typed + task.suffix, offset: task.prefix.length + typed.length, languageId: task.lang, indent: { insertSpaces: true, tabSize: 4 }, documentKey: task.id, mode: 'line' };
}

/** ES of each and the identical share by the number of characters typed since the full pass (step k = 2k chars). */
function byStep(rows: { step: number; reused: string; exact: string; esReused: number; esExact: number }[]) {
  const out: Record<string, { suggestions: number; esReused: number; esExact: number; identicalShare: number }> = {};
  for (const k of [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b)) {
    const at = rows.filter((r) => r.step === k);
    out[k] = { suggestions: at.length, esReused: mean(at.map((r) => r.esReused)), esExact: mean(at.map((r) => r.esExact)), identicalShare: at.filter((r) => r.reused === r.exact).length / at.length };
  }
  return out;
}

function countBy(xs: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const x of xs) c[x] = (c[x] ?? 0) + 1;
  return c;
}
