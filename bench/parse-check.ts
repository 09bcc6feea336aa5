// The parse check measured: every held-out case of bench/tasks/parse-check.jsonl (functions with a `<|mask:32|>`
// hole, cut by parse-check-cases.ts) filled by the real worker with the bundled model, as `diffucode fill` does it
// (the manifest's sampler, the whole context), then checked and repaired (src/syntax/repair.ts, the default
// `--parse-check repair`). Reports, per language: how many files parse with the reference, with the hole left
// empty, after the raw fill and after the repair; the rounds used and what they cost. Writes
// bench/results/parse-check.json.
//
//   node esbuild.mjs && node --import tsx bench/parse-check.ts [--limit N] [--model DIR] [--out FILE]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { WorkerClient } from '../src/worker/client';
import { addedErrors } from '../src/syntax/addedErrors';
import { grammarForLanguage } from '../src/syntax/grammars';
import { checkFill, MAX_REPAIR_ROUNDS } from '../src/syntax/repair';
import { HOLE, type ParseCheckCase } from './parse-check-cases';

interface CaseRun {
  id: string;
  lang: string;
  referenceParses: boolean;
  emptyParses: boolean;
  fillParses: boolean;
  /** Errors the raw fill added (what the check saw). */
  addedByFill: number;
  status: string;
  rounds: number;
  finalParses: boolean;
  fillMs: number;
  repairMs: number;
  parseMs: number;
  fill: string;
  final: string;
}

const parses = async (lang: string, pieces: string[], gap: string) => (await addedErrors(grammarForLanguage(lang)!, pieces, [gap], [gap])).errorsAfter === 0;
const pct = (n: number, d: number) => Math.round((1000 * n) / Math.max(1, d)) / 10;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function summary(runs: CaseRun[]) {
  const n = runs.length;
  const repairedRuns = runs.filter((r) => r.rounds > 0);
  return {
    cases: n,
    referenceParses: runs.filter((r) => r.referenceParses).length,
    emptyHoleParses: runs.filter((r) => r.emptyParses).length,
    fillParses: runs.filter((r) => r.fillParses).length,
    afterRepairParses: runs.filter((r) => r.finalParses).length,
    fillParsePct: pct(runs.filter((r) => r.fillParses).length, n),
    afterRepairParsePct: pct(runs.filter((r) => r.finalParses).length, n),
    status: Object.fromEntries(['clean', 'repaired', 'broken'].map((s) => [s, runs.filter((r) => r.status === s).length])),
    /** The check passed a fill (no added error) whose file still does not parse: an error the empty hole caused too. */
    passedButUnparsed: runs.filter((r) => r.status !== 'broken' && !r.finalParses).length,
    roundsHistogram: Object.fromEntries(Array.from({ length: MAX_REPAIR_ROUNDS + 1 }, (_, k) => [k, runs.filter((r) => r.rounds === k).length])),
    meanRoundsWhenRepairing: Math.round(100 * mean(repairedRuns.map((r) => r.rounds))) / 100,
    fillMsMedian: Math.round(median(runs.map((r) => r.fillMs))),
    repairMsMedianWhenRepairing: Math.round(median(repairedRuns.map((r) => r.repairMs))),
    repairMsMeanWhenRepairing: Math.round(mean(repairedRuns.map((r) => r.repairMs))),
    repairMsTotal: Math.round(runs.reduce((a, r) => a + r.repairMs, 0)),
    fillMsTotal: Math.round(runs.reduce((a, r) => a + r.fillMs, 0)),
    parseMsMedian: Math.round(10 * median(runs.map((r) => r.parseMs))) / 10,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const root = packageRoot();
  const modelDir = opt('--model') ?? bundledModelDir(root);
  const out = opt('--out') ?? join(root, 'bench/results/parse-check.json');
  const limit = opt('--limit') ? Number(opt('--limit')) : Infinity;
  const cases: ParseCheckCase[] = readFileSync(join(root, 'bench/tasks/parse-check.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const chosen = ['python', 'typescript', 'javascript'].flatMap((lang) => cases.filter((c) => c.lang === lang).slice(0, limit));
  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000 });
  const runs: CaseRun[] = [];
  try {
    const info = await client.load();
    process.stdout.write(`model ${info.name}; ${chosen.length} cases; load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores\n`);
    for (const c of chosen) {
      const [prefix, suffix] = c.text.split(HOLE);
      const pieces = [prefix, suffix];
      const t0 = performance.now();
      const result = await client.infill({ pieces, gaps: [{ maxTokens: 32 }] });
      const fillMs = performance.now() - t0;
      const checked = await checkFill({
        grammar: grammarForLanguage(c.lang),
        mode: 'repair',
        pieces,
        before: [''],
        gaps: result.gaps,
        maxTokens: [32],
        refill: async (p, gaps, sampler) => (await client.infill({ pieces: p, gaps, sampler })).gaps,
      });
      const run: CaseRun = {
        id: c.id,
        lang: c.lang,
        referenceParses: await parses(c.lang, pieces, c.reference),
        emptyParses: await parses(c.lang, pieces, ''),
        fillParses: await parses(c.lang, pieces, result.gaps[0].text),
        addedByFill: checked.addedByFill,
        status: checked.status,
        rounds: checked.rounds,
        finalParses: await parses(c.lang, pieces, checked.gaps[0].text),
        fillMs,
        repairMs: checked.repairMs,
        parseMs: checked.parseMs,
        fill: result.gaps[0].text,
        final: checked.gaps[0].text,
      };
      runs.push(run);
      process.stdout.write(`${c.id} ${run.fillParses ? 'parses ' : 'BROKEN '} -> ${run.status.padEnd(8)} rounds ${run.rounds} ${Math.round(fillMs)}+${Math.round(run.repairMs)} ms\n`);
    }
    const byLang = Object.fromEntries(['python', 'typescript', 'javascript'].map((l) => [l, summary(runs.filter((r) => r.lang === l))]));
    const tsjs = summary(runs.filter((r) => r.lang !== 'python'));
    const report = {
      date: new Date().toISOString(),
      model: info.name,
      machine: { cores: cpus().length, loadAverage: loadavg()[0] },
      command: 'node esbuild.mjs && node --import tsx bench/parse-check.ts',
      setup: `bench/tasks/parse-check.jsonl (held-out functions, one <|mask:32|> hole over 2-4 body lines); the worker with the model's manifest sampler and the whole context (as diffucode fill); --parse-check repair, at most ${MAX_REPAIR_ROUNDS} rounds`,
      python: byLang.python,
      typescriptJavascript: tsjs,
      typescript: byLang.typescript,
      javascript: byLang.javascript,
      runs: runs.map((r) => ({ ...r, fillMs: Math.round(r.fillMs), repairMs: Math.round(r.repairMs), parseMs: Math.round(r.parseMs * 10) / 10 })),
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
    for (const [name, s] of [['python', byLang.python], ['ts+js', tsjs]] as const)
      process.stdout.write(`${name}: ${s.cases} cases; parse: reference ${s.referenceParses}, empty hole ${s.emptyHoleParses}, fill ${s.fillParses}, after repair ${s.afterRepairParses}; ${JSON.stringify(s.status)}; rounds ${JSON.stringify(s.roundsHistogram)}; repair ms median ${s.repairMsMedianWhenRepairing}\n`);
    process.stdout.write(`-> ${out}\n`);
  } finally {
    client.dispose();
  }
}

void main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
