// Intel Macs (darwin-x64) have no onnxruntime-node 1.30 binary. The fallback would be onnxruntime-web's
// WebAssembly build (SIMD, threads) inside the worker. This measures it against the native CPU provider: the same
// graph, the same canvas (the editor's ghost-text canvas, 8 rows gathered), the same feeds, passes per second, side
// by side in one run, alternating runtimes so that machine load hits both alike; and whether the wasm build runs the
// com.microsoft operators of graph v2 (MatMulNBits, GroupQueryAttention, ...) with the same logits. onnxruntime-web
// fixes its thread count when its wasm starts, so each thread count runs in a child process of its own.
//   node --import tsx bench/wasm-vs-native.ts [graph-v2-int4-folder]   -> bench/results/wasm-vs-native.json

import { execFileSync, execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as native from 'onnxruntime-node';
import * as web from 'onnxruntime-web';
import { SPEED_CANVAS } from '../src/engine/model/speed';
import { bundledModelDir } from '../src/worker/paths';

type Feeds = (T: typeof native.Tensor | typeof web.Tensor) => Record<string, native.Tensor | web.Tensor>;
interface Runner {
  label: string;
  run(): Promise<Float32Array>;
  release(): Promise<void>;
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const ROWS = 8;

async function nativeRunner(graph: string, feeds: Feeds, threads: number): Promise<Runner> {
  const s = await native.InferenceSession.create(graph, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads,
    extra: { session: { intra_op: { allow_spinning: '0' } } }, // as the product runs it (onnxModel.ts)
  });
  const f = feeds(native.Tensor) as Record<string, native.Tensor>;
  return { label: `native cpu, ${threads} thread(s)`, run: async () => (await s.run(f, ['logits'])).logits.data as Float32Array, release: () => s.release() };
}

async function wasmRunner(graph: string, feeds: Feeds, threads: number): Promise<Runner> {
  web.env.wasm.numThreads = threads;
  web.env.wasm.simd = true;
  const data = join(graph, '..', 'model.onnx.data');
  const s = await web.InferenceSession.create(readFileSync(graph), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
    ...(existsSync(data) ? { externalData: [{ path: 'model.onnx.data', data: readFileSync(data) }] } : {}),
  });
  const f = feeds(web.Tensor) as Record<string, web.Tensor>;
  return { label: `wasm simd, ${threads} thread(s)`, run: async () => (await s.run(f, ['logits'])).logits.data as Float32Array, release: () => s.release() };
}

function canvasFeeds(v2: { layers: number; kvHeads: number; headDim: number } | undefined): Feeds {
  const ids = BigInt64Array.from({ length: SPEED_CANVAS }, (_, i) => BigInt(3 + ((i * 7) % 200)));
  const rows = BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(224 + i));
  return (T) => {
    const f: Record<string, native.Tensor | web.Tensor> = { input_ids: new T('int64', ids, [1, ids.length]), positions: new T('int64', rows, [ROWS]) };
    if (!v2) return f;
    f.start = new T('int64', BigInt64Array.from([0n]), [1]);
    for (let i = 0; i < v2.layers; i++)
      for (const kv of ['key', 'value']) f[`past_${kv}.${i}`] = new T('float32', new Float32Array(0), [1, v2.kvHeads, 0, v2.headDim]);
    f.head_k = new T('int64', BigInt64Array.from([1n]), [1]);
    f.head_scale = new T('float32', Float32Array.from([1]), [1]);
    f.bias_ids = new T('int64', new BigInt64Array(0), [0]);
    f.bias = new T('float32', new Float32Array(0), [ROWS, 0]);
    return f;
  };
}

/** Passes per second of each runner over `seconds`, alternating one pass each so load drifts hit all alike. */
async function race(runners: Runner[], seconds: number) {
  for (const r of runners) await r.run(); // warm-up
  const times = runners.map(() => [] as number[]);
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end)
    for (let i = 0; i < runners.length; i++) {
      const t = performance.now();
      await runners[i].run();
      times[i].push(performance.now() - t);
    }
  return runners.map((r, i) => {
    const s = [...times[i]].sort((a, b) => a - b);
    const median = s[s.length >> 1];
    return { runtime: r.label, passes: s.length, medianPassMs: +median.toFixed(2), passesPerSecond: +(1000 / median).toFixed(1) };
  });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function compare(graph: string, v2: { layers: number; kvHeads: number; headDim: number } | undefined, threads: number, seconds: number) {
  const feeds = canvasFeeds(v2);
  const loadBefore = load();
  const t0 = performance.now();
  const nat = await nativeRunner(graph, feeds, threads);
  const t1 = performance.now();
  const wasm = await wasmRunner(graph, feeds, threads);
  const sessionMs = { native: Math.round(t1 - t0), wasm: Math.round(performance.now() - t1) };
  const maxAbsLogitDiff = +maxDiff(await nat.run(), await wasm.run()).toExponential(2);
  const results = await race([nat, wasm], seconds);
  await nat.release();
  await wasm.release();
  return { threads, loadBefore, loadAfter: load(), sessionMs, maxAbsLogitDiff, wasmSlowdown: +(results[1].medianPassMs / results[0].medianPassMs).toFixed(2), results };
}

/** One child process per thread count (see the top). */
function child(graph: string, v2dir: string | undefined, threads: number): unknown {
  const args = ['--import', 'tsx', __filename, '--child', graph, String(threads), ...(v2dir ? [v2dir] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const [graph, threads, v2dir] = process.argv.slice(3);
    const shape = v2dir ? JSON.parse(readFileSync(join(v2dir, 'shape.json'), 'utf8')) : undefined;
    process.stdout.write(JSON.stringify(await compare(graph, shape, Number(threads), 20)));
    return;
  }
  const uptime = execSync('uptime').toString().trim();
  const out: Record<string, unknown> = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, uptime }, command: `node --import tsx bench/wasm-vs-native.ts ${process.argv[2] ?? ''}`.trim(), canvasTokens: SPEED_CANVAS, rows: ROWS, runs: [] as unknown[] };
  const graphs: [string, string, string | undefined][] = [['bundled diffucode-tiny model.onnx (graph v1, opset 17)', join(bundledModelDir(), 'model.onnx'), undefined]];
  const v2dir = process.argv[2];
  if (v2dir) graphs.push([`graph v2 int4, random weights (${v2dir}: GroupQueryAttention, MatMulNBits, SkipSimplifiedLayerNormalization, GatherBlockQuantized)`, join(v2dir, 'model.onnx'), v2dir]);
  for (const [name, graph, dir] of graphs) (out.runs as unknown[]).push({ graph: name, byThreads: [1, 2].map((n) => child(graph, dir, n)) });
  out.uptimeAfter = execSync('uptime').toString().trim();
  writeFileSync(join(__dirname, 'results', 'wasm-vs-native.json'), JSON.stringify(out, null, 1) + '\n');
  console.log(JSON.stringify(out, null, 1));
}

void main();
