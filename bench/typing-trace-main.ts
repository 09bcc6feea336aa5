// `node dist/bench.js --typing-trace --model DIR --out FILE [--force-tokens N] [--strategies NAME,NAME] [--closed-loop N]`:
// the typing trace replayed once per strategy (typing-trace.ts), strategies one after the other on the same worker;
// with --closed-loop N instead, the first N keystrokes with every request run to its end (the cost of one request).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { WorkerClient } from '../src/worker/client';
import type { ModelSpeed } from '../src/engine/model/speed';
import { judgeGhostTextSpeed, type GhostTextVerdict } from '../src/extension/model/slowModel';
import { answerTokenizer, closedLoop, loadTrace, modelShape, replayTrace, STRATEGIES, traceSettings, type ClosedLoopFigures, type TraceFigures } from './typing-trace';

export async function typingTraceMain(argv: string[]): Promise<number> {
  const known = new Set(['--typing-trace', '--model', '--out', '--force-tokens', '--strategies', '--closed-loop']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (with --typing-trace: --model DIR, --out FILE, --force-tokens N, --strategies A,B)`);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const root = packageRoot();
  const bundled = bundledModelDir(root);
  const modelDir = resolve(opt('--model') ?? bundled);
  const out = opt('--out') ?? resolve(root, 'bench/results/typing-trace.json');
  // A random-weight model ends every gap at once; forced work makes it decode what a trained one would (4 tokens a
  // pass, no early end). The bundled model is trained: it decodes as it would in the editor.
  const force = opt('--force-tokens') !== undefined ? Number(opt('--force-tokens')) : modelDir === resolve(bundled) ? 0 : 4;
  if (!(Number.isInteger(force) && force >= 0)) throw new Error('--force-tokens expects an integer >= 0');
  const names = opt('--strategies')?.split(',');
  const strategies = names ? names.map((n) => STRATEGIES.find((s) => s.name === n) ?? fail(`unknown strategy ${n} (${STRATEGIES.map((s) => s.name).join(', ')})`)) : STRATEGIES;
  const say = (s: string) => process.stdout.write(s + '\n');
  const closedKeys = opt('--closed-loop') !== undefined ? Number(opt('--closed-loop')) : 0;
  if (!(Number.isInteger(closedKeys) && closedKeys >= 0)) throw new Error('--closed-loop expects a number of keystrokes');
  const { figures, speed, verdict, closed } = await runTypingTrace(root, modelDir, force, strategies, say, closedKeys);
  const shape = modelShape(modelDir);
  const head: Partial<TraceFigures> = figures[0] ?? {};
  const json = {
    model: modelDir === resolve(bundled) ? 'bundled (models/diffucode-tiny)' : modelDir,
    ...shape,
    forcedTokensPerPass: force,
    forced: force ? `${force} tokens a pass, no stop token, the answer as long as the rest of the real line (+1 for its end)` : 'no (a trained model: it decodes as in the editor)',
    strategy: head.strategy,
    requests: head.requests,
    shown: head.shown,
    latencyMs: head.latencyMs,
    keystrokeMs: head.keystrokeMs,
    passesPerRequest: head.passesPerRequest,
    canvasTokensMedian: head.canvasTokensMedian,
    load: head.load,
    cores: cpus().length,
    speed,
    verdict,
    ...(closed.length ? { closedLoop: { keystrokes: closedKeys, note: 'every request run to its end before the next key, no debounce: the cost of one request', strategies: closed } } : {}),
    strategies: figures,
    date: new Date().toISOString(),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
  say(`wrote ${out}`);
  return 0;
}

function fail(msg: string): never {
  throw new Error(msg);
}

export async function runTypingTrace(
  root: string,
  modelDir: string,
  force: number,
  strategies: typeof STRATEGIES,
  say: (s: string) => void,
  closedKeys = 0,
): Promise<{ figures: TraceFigures[]; speed?: ModelSpeed; verdict: GhostTextVerdict; closed: ClosedLoopFigures[] }> {
  const trace = loadTrace(root);
  // measureSpeed: the worker times the passes ghost text runs, as the extension's does, for the verdict.
  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000, measureSpeed: true });
  try {
    const info = await client.load();
    const { on, reason, msPerSuggestion, coldMsPerSuggestion } = judgeGhostTextSpeed(info.name, info.speed, false);
    const verdict = { on, reason, msPerSuggestion, coldMsPerSuggestion };
    say(`speed: ${JSON.stringify(info.speed)}; verdict ${JSON.stringify(verdict)}`);
    const settings = traceSettings(root, info, force);
    say(`typing trace: ${trace.events.filter((e) => e.op === 'type').length} keystrokes on ${info.name}; debounce ${settings.debounceMs} ms, forced ${force || 'no'} tokens per pass; load ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);
    // Warm-up: the first passes pay for ONNX Runtime's allocations at each shape.
    const warm = { text: 'def f(x):\n    return x\n', offset: 10, languageId: 'python', indent: { insertSpaces: true, tabSize: 4 }, documentKey: 'warm-up' };
    const { GhostText } = await import('../src/completion/ghostText');
    for (let i = 0; i < 2; i++) await new GhostText().complete(warm, settings, (r) => client.infill(r));
    const figures: TraceFigures[] = [];
    // --closed-loop N: only the closed-loop cost of a request, per strategy (no real-time replay).
    for (const s of closedKeys > 0 ? [] : strategies) {
      const f = await replayTrace(client, trace, settings, s, force ? answerTokenizer(modelDir) : undefined);
      say(
        `  ${s.name}: ${f.requests} answered of ${f.requestsStarted} asked, ${f.shown} shown; request to suggestion p50 ${f.latencyMs.p50.toFixed(0)} / p95 ${f.latencyMs.p95.toFixed(0)} ms (keystroke to suggestion ${f.keystrokeMs.p50.toFixed(0)} / ${f.keystrokeMs.p95.toFixed(0)}); passes ${f.passesPerRequest.full.toFixed(2)} full + ${f.passesPerRequest.window.toFixed(2)} window; reused ${(100 * f.reusedShare).toFixed(0)} %; canvas ${f.canvasTokensMedian}; load ${f.load.join(' ')}`,
      );
      figures.push(f);
    }
    const closed: ClosedLoopFigures[] = [];
    for (const s of closedKeys > 0 ? strategies.filter((x) => !x.prefill) : []) {
      const c = await closedLoop(client, trace, settings, s, closedKeys, force ? answerTokenizer(modelDir) : undefined);
      say(`  closed loop, ${s.name}: ${c.requests} requests, p50 ${c.latencyMs.p50.toFixed(0)} / p95 ${c.latencyMs.p95.toFixed(0)} ms; passes ${c.passesPerRequest.full.toFixed(2)} full + ${c.passesPerRequest.window.toFixed(2)} window; median model ${c.medianMs.model.toFixed(0)} ms, sampler ${c.medianMs.sampler.toFixed(0)} ms; reused ${(100 * c.reusedShare).toFixed(0)} %; load ${c.load.join(' ')}`);
      closed.push(c);
    }
    return { figures, speed: info.speed, verdict, closed };
  } finally {
    client.dispose();
  }
}
