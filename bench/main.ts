// `npm run bench`: the decoding configurations side by side on the fixed task set, through the real worker process
// with the embedded model; cancel latency; sampler overhead at a synthetic 152k vocabulary. Writes
// bench/results/latest.json and prints a table and PASS/FAIL per target.
//
//   node dist/bench.js [--quick | --limit N] [--model DIR] [--out FILE]
//   node dist/bench.js --typing-trace [--model DIR] [--out FILE] [--force-tokens N]   (typing-trace-main.ts)
//   node dist/bench.js --reuse-quality [--model DIR] [--out FILE] [--limit N]        (reuse-quality.ts)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { WorkerClient } from '../src/worker/client';
import { measureCancel } from './cancel';
import { ghostTextRows, ghostTextTable } from './ghost-text';
import { CACHED_CONFIGS, CONFIGS, editorDefault } from './configs';
import { checkTargets, table } from './report';
import { runConfig, type ConfigResult } from './run-config';
import { measureRowCost, projectShare, samplerPerForward152k } from './synthetic';
import { samplerShareOnSyntheticModel, syntheticModel, type SyntheticShare } from './synthetic-model';
import { loadTasks } from './tasks';
import { typingTraceMain } from './typing-trace-main';
import { loadTrace, replayTrace, STRATEGIES, traceSettings } from './typing-trace';
import { reuseQualityMain } from './reuse-quality';

/** The context budget users get: the extension's defaults (diffucode.context.*), read from package.json, not copied. */
function extensionBudget(): { prefixTokens: number; suffixTokens: number } {
  const props = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).contributes.configuration.properties;
  return { prefixTokens: props['diffucode.context.prefixTokens'].default, suffixTokens: props['diffucode.context.suffixTokens'].default };
}
const BUDGET = extensionBudget();

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--typing-trace')) return typingTraceMain(argv);
  if (argv.includes('--reuse-quality')) return reuseQualityMain(argv);
  const known = new Set(['--quick', '--model', '--out', '--limit']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (options: --quick, --limit N, --model DIR, --out FILE)`);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const quick = argv.includes('--quick');
  const root = packageRoot();
  const modelDir = opt('--model') ?? bundledModelDir(root);
  const out = opt('--out') ?? join(root, 'bench/results/latest.json');
  const limit = opt('--limit') !== undefined ? Number(opt('--limit')) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error('--limit expects a positive integer');
  const tasks = loadTasks(root, quick, limit);
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  const say = (s: string) => process.stdout.write(s + '\n');
  say(`model ${manifest.name} (${modelDir}; trained ${manifest.provenance?.steps ?? '?'} steps, ${manifest.provenance?.tokens ?? '?'} tokens)`);
  say(`${tasks.length} tasks (${tasks.filter((t) => t.kind === 'single').length} single-line, ${tasks.filter((t) => t.kind === 'multi').length} multi-line)${quick ? ' [--quick]' : ''}; load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);

  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000 });
  try {
    const info = await client.load();
    // Warm-up: first runs pay for JIT and ONNX Runtime's first-run allocations.
    for (const t of tasks.slice(0, 3)) await client.infill({ pieces: [t.prefix, t.suffix], gaps: [{ maxTokens: t.maxTokens }], budget: BUDGET });
    const results: ConfigResult[] = [];
    const samples: Record<string, { id: string; middle: string; fill: string }[]> = {};
    const editor = editorDefault(manifest.sampler);
    const configs = [...CONFIGS, ...(info.dualCache ? CACHED_CONFIGS : []), editor];
    const fills = new Map<string, string[]>();
    for (const cfg of configs) {
      const t0 = performance.now();
      const { summary, runs } = await runConfig(client, cfg, tasks, BUDGET);
      fills.set(cfg.name, runs.map((r) => r.result?.gaps[0].text ?? `\u0000error`));
      const twin = cfg.uncached ? fills.get(cfg.uncached) : undefined;
      if (twin) summary.sameAsUncached = (100 * runs.filter((r, i) => r.result && r.result.gaps[0].text === twin[i]).length) / Math.max(1, runs.length);
      results.push(summary);
      samples[cfg.name] = runs.slice(0, 4).map((r) => ({ id: r.task.id, middle: r.task.middle, fill: r.result?.gaps[0].text ?? `ERROR ${r.error}` }));
      say(`  ${cfg.name}: EM ${summary.exactMatch.toFixed(1)}%, ES ${summary.editSimilarity.toFixed(1)}%, p50 ${summary.singleP50Ms.toFixed(0)} ms, ${summary.tokensPerForward.toFixed(2)} tok/fwd (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    // What the editor shows: the tasks through the ghost-text pipeline, with the model's gate and without (ghost-text.ts).
    const ghostText = await ghostTextRows(client, root, tasks, info.ghostText?.minConfidence ?? 0);
    // Ghost text while typing (typing-trace.ts): the tracked trace in real time, as the editor runs it (reuse across
    // keystrokes and prefill ahead), debounce included.
    const typing = await replayTrace(client, loadTrace(root), traceSettings(root, info, 0), STRATEGIES[0]);
    const longTask = tasks.find((t) => t.kind === 'multi') ?? tasks[0];
    const cancel = await measureCancel(client, longTask, BUDGET, quick ? 3 : 5);
    const narrow = measureRowCost(info.vocabSize);
    const wide = measureRowCost(152_064, quick ? 50 : 200);
    const projected152k = results.map((r) => ({ name: r.name, share: projectShare(r.samplerMs, r.modelMs, r.rowsScored, narrow, wide) }));
    const synth = await samplerPerForward152k(tasks.filter((t) => t.kind === 'single').slice(0, quick ? 4 : 8), configs, BUDGET);
    // Random 152k logits' sampler time against the embedded model's ONNX time (which has no 152k projection).
    const randomLogits152k = results.map((r, i) => {
      const modelPerForward = r.modelMsPerForward;
      const s = synth[i].samplerMsPerForward;
      return { name: r.name, share: s / (s + modelPerForward), samplerMsPerForward: s, modelMsPerForward: modelPerForward };
    });
    // The target's measurement: a real ONNX model with a 152k vocabulary (random weights) through the engine.
    const synthModel = syntheticModel(root);
    const model152k: SyntheticShare[] | null = 'dir' in synthModel ? await samplerShareOnSyntheticModel(synthModel.dir, tasks.filter((t) => t.kind === 'single').slice(0, quick ? 4 : 8), configs, BUDGET) : null;
    const share152k = model152k ?? randomLogits152k;
    const method152k = model152k ? 'ONNX model with a 152k vocabulary, random weights, through the engine' : 'random 152k logits through the engine vs the embedded model\'s ONNX pass';
    const targets = checkTargets(results, cancel, share152k, editor.name, new Set(configs.filter((c) => c.parallel).map((c) => c.name)), method152k);
    targets.push({
      target: 'typing trace: request to suggestion p50 <= 150 ms (bundled model, reuse + prefill ahead)',
      measured: `${typing.latencyMs.p50.toFixed(0)} ms (p95 ${typing.latencyMs.p95.toFixed(0)} ms, load ${typing.load[0]})`,
      pass: typing.latencyMs.p50 <= 150,
    });

    say('');
    say(table(results));
    say('');
    say(ghostTextTable(ghostText));
    say('');
    say(`typing trace (${typing.keystrokes} keystrokes, ${typing.strategy}): ${typing.requests} answered of ${typing.requestsStarted} asked, ${typing.shown} shown; request to suggestion p50 ${typing.latencyMs.p50.toFixed(0)} / p95 ${typing.latencyMs.p95.toFixed(0)} ms (keystroke to suggestion, debounce included: ${typing.keystrokeMs.p50.toFixed(0)} / ${typing.keystrokeMs.p95.toFixed(0)} ms); ${typing.passesPerRequest.full.toFixed(2)} full + ${typing.passesPerRequest.window.toFixed(2)} window passes per request`);
    say(`cancel: ${cancel.trials} trials, max ${cancel.maxPassesStartedAfterCancel} pass(es) started in the worker after the cancel reached it, max ${cancel.maxForwardsAfterCancel} completed after abort() (client view), latency mean ${cancel.meanLatencyMs.toFixed(0)} ms / max ${cancel.maxLatencyMs.toFixed(0)} ms (one forward ≈ ${cancel.meanForwardMs.toFixed(0)} ms)`);
    say(`sampler per row${wide.kernel ? ' (WebAssembly SIMD kernel)' : ' (JavaScript loops: no WebAssembly SIMD here)'}: vocab ${narrow.vocab}: ${narrow.greedyUsPerRow.toFixed(0)} µs greedy, ${narrow.nucleusUsPerRow.toFixed(0)} µs T=0.2/top-p 0.95; vocab 152064: ${wide.greedyUsPerRow.toFixed(0)} µs / ${wide.nucleusUsPerRow.toFixed(0)} µs`);
    say(`greedy row, JavaScript loops vs kernel, same run: vocab ${narrow.vocab} ${narrow.jsGreedyUsPerRow.toFixed(0)} vs ${narrow.greedyUsPerRow.toFixed(0)} µs (${(narrow.jsGreedyUsPerRow / narrow.greedyUsPerRow).toFixed(1)}x); vocab 152064 ${wide.jsGreedyUsPerRow.toFixed(0)} vs ${wide.greedyUsPerRow.toFixed(0)} µs (${(wide.jsGreedyUsPerRow / wide.greedyUsPerRow).toFixed(1)}x)`);
    if (model152k) say(`sampler share at 152k (ONNX model with a 152k vocabulary, random weights; sampler / ONNX ms per pass): ${model152k.map((s) => `${s.name} ${(100 * s.share).toFixed(1)}% (${s.samplerMsPerForward.toFixed(2)} / ${s.modelMsPerForward.toFixed(1)} ms, ${s.rowsPerForward.toFixed(1)} rows)`).join(', ')}`);
    else say(`synthetic 152k model: ${'error' in synthModel ? synthModel.error : ''}`);
    say(`sampler share at 152k (random 152k logits, per pass vs the embedded model's ONNX pass): ${randomLogits152k.map((s) => `${s.name} ${(100 * s.share).toFixed(1)}%`).join(', ')}`);
    say(`sampler share at 152k (pessimistic projection, full rows): ${projected152k.map((s) => `${s.name} ${(100 * s.share).toFixed(1)}%`).join(', ')}`);
    say('');
    for (const t of targets) say(`${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.measured}`);

    mkdirSync(dirname(out), { recursive: true });
    const report = {
      date: new Date().toISOString(),
      quick,
      limit,
      model: { name: manifest.name, dir: modelDir, provenance: manifest.provenance, provider: info.provider },
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage1m: loadavg()[0], node: process.version },
      budget: BUDGET,
      tasks: { total: tasks.length, single: tasks.filter((t) => t.kind === 'single').length, multi: tasks.filter((t) => t.kind === 'multi').length },
      configs: results,
      ghostText,
      typingTrace: typing,
      cancel,
      samplerRowCost: { narrow, wide },
      share152k: { method: method152k, rows: share152k },
      model152k,
      randomLogits152k,
      projected152k,
      targets,
      samples,
    };
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    say(`\nwrote ${out}`);
    return 0;
  } finally {
    client.dispose();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
