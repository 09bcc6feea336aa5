// The fill default against exact decoding, on the bench's tasks with the bundled model (or --model DIR): fills and
// rewrites decode with the parallel decoder whatever the manifest recommends (src/engine/sampling/fillSampler.ts),
// and the claim to check is that this costs at most a point against one token per pass. Rows: one token per pass
// (the bench's baseline), the fill default exactly as the product sends it ('parallel'), and the manifest's sampler
// ('model'). Each row's EM and ES, its ES difference from the baseline with a paired-bootstrap 95 % interval,
// forward passes and tokens per pass. Through the real worker.
//   node --import tsx bench/fill-decoder.ts [--model DIR] [--limit N] [--out FILE]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fillSampler } from '../src/engine/sampling/fillSampler';
import { WorkerClient } from '../src/worker/client';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { CONFIGS, type BenchConfig } from './configs';
import { runConfig } from './run-config';
import { pairedDifference } from './stats';
import { loadTasks } from './tasks';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const root = packageRoot();
  const modelDir = opt('--model') ?? bundledModelDir(root);
  const out = opt('--out') ?? join(root, 'bench/results/fill-decoder.json');
  const limit = opt('--limit') !== undefined ? Number(opt('--limit')) : undefined;
  const tasks = loadTasks(root, false, limit);
  const props = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).contributes.configuration.properties;
  const budget = { prefixTokens: props['diffucode.context.prefixTokens'].default as number, suffixTokens: props['diffucode.context.suffixTokens'].default as number };
  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000 });
  const loadStart = loadavg()[0];
  try {
    const info = await client.load();
    for (const t of tasks.slice(0, 3)) await client.infill({ pieces: [t.prefix, t.suffix], gaps: [{ maxTokens: t.maxTokens }], budget });
    const baseline = CONFIGS.find((c) => c.baseline)!;
    const rows: BenchConfig[] = [
      baseline,
      { name: "fill default ('parallel')", sampler: () => fillSampler('parallel', info) },
      { name: "manifest's sampler ('model')", sampler: () => fillSampler('model', info) },
    ];
    const results = [];
    let base: number[] | undefined;
    for (const cfg of rows) {
      const t0 = performance.now();
      const { summary } = await runConfig(client, cfg, tasks, budget);
      base ??= summary.editSimilarityPerTask;
      const d = pairedDifference(summary.editSimilarityPerTask, base);
      const row = {
        name: cfg.name, exactMatch: summary.exactMatch, editSimilarity: summary.editSimilarity, esVsBaseline: d,
        forwardPasses: summary.forwardPasses, tokensPerForward: summary.tokensPerForward, singleP50Ms: summary.singleP50Ms,
        multiP50Ms: summary.multiP50Ms, errors: summary.errors, wallS: (performance.now() - t0) / 1000, load: loadavg()[0],
      };
      results.push(row);
      const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
      process.stdout.write(`${cfg.name}: EM ${row.exactMatch.toFixed(1)}%, ES ${row.editSimilarity.toFixed(1)}% (${f(d.diff)} [${f(d.lo)}, ${f(d.hi)}] vs one per pass), ${row.forwardPasses.toFixed(1)} passes/task, ${row.tokensPerForward.toFixed(2)} tok/pass, single p50 ${row.singleP50Ms.toFixed(0)} ms, load ${row.load.toFixed(1)}\n`);
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ what: 'fill default (parallel decoder) vs one token per pass vs the manifest sampler, bench tasks', model: info.name, modelDir, tasks: tasks.length, budget, loadAtStart: loadStart, rows: results, when: new Date().toISOString() }, null, 2) + '\n');
  } finally {
    client.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
