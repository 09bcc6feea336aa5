// Bench of the model server (serve/): latency p50/p95 and throughput at 1, 4 and 16 concurrent clients for the local
// worker, Serve with 1 replica and Serve with 2 replicas, all on the bundled model and the same requests, written to
// bench/results/serve.json with every figure also stated as a ratio to the local worker.
//
// On a 2-core machine the server cannot be faster per request than the local worker; the point is what the server
// path costs: per request (client latency minus the engine's own time, at 1 client where nothing queues) and per
// denoising step (that overhead spread over the request's forward passes).
//
// Run: node esbuild.mjs && node --import tsx bench/serve-bench.ts [--quick]

import { writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { RemoteClient } from '../src/worker/remoteClient';
import type { InfillRequest, InfillResult } from '../src/engine/types';
import { WorkerClient } from '../src/worker/client';
import { bundledModelDir, workerScript } from '../src/worker/paths';
import { removeServerDir, ROOT, startServer, stopServer } from '../test/serve/helpers';

const QUICK = process.argv.includes('--quick');
const CONCURRENCY = [1, 4, 16];
const PER_LEVEL = QUICK ? { 1: 10, 4: 16, 16: 32 } : { 1: 40, 4: 80, 16: 160 };
const WARMUP = 8;
// Every engine in the comparison runs its model with one ONNX Runtime thread: the 2-replica server then uses both
// cores, and a request costs the same model time everywhere, so differences are the serving path's.
const THREADS = 1;

interface Client {
  infill(r: InfillRequest): Promise<InfillResult>;
}

/** Ghost-text-sized requests (a rest-of-line gap of 24 tokens, the model's recommended sampler) from real code. */
function requests(): InfillRequest[] {
  const snippets: [string, string][] = [
    ['def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return ', '\n'],
    ['import json\n\ndef load(path):\n    with open(path) as f:\n        return ', '\n'],
    ['function clamp(x: number, lo: number, hi: number): number {\n  return ', '\n}\n'],
    ['class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        ', '\n'],
    ['for (let i = 0; i < rows.length; i++) {\n  const row = ', '\n}\n'],
    ['def is_prime(n):\n    if n < 2:\n        return False\n    for d in range(2, int(n ** 0.5) + 1):\n        if ', '\n'],
  ];
  return snippets.map(([prefix, suffix]) => ({ pieces: [prefix, suffix], gaps: [{ maxTokens: 24, singleLine: true }] }));
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

interface Level {
  clients: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  throughputRps: number;
  /** Client latency minus the engine's own totalMs (transport, routing, queueing), median. */
  overheadP50Ms: number;
  forwardPassesP50: number;
}

async function runLevel(client: Client, clients: number, n: number, reqs: InfillRequest[]): Promise<Level> {
  const lat: number[] = [];
  const over: number[] = [];
  const passes: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < n; i = next++) {
        const req = { ...reqs[i % reqs.length], sampler: { seed: i } };
        const t = performance.now();
        try {
          const r = await client.infill(req);
          const ms = performance.now() - t;
          lat.push(ms);
          over.push(ms - r.stats.totalMs);
          passes.push(r.stats.forwardPasses);
        } catch {
          errors++;
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const s = (a: number[]) => [...a].sort((x, y) => x - y);
  return {
    clients,
    requests: n,
    errors,
    p50Ms: r1(pct(s(lat), 50)),
    p95Ms: r1(pct(s(lat), 95)),
    throughputRps: r3(lat.length / wall),
    overheadP50Ms: r1(pct(s(over), 50)),
    forwardPassesP50: pct(s(passes), 50),
  };
}

async function bench(name: string, client: Client): Promise<{ name: string; levels: Level[]; path?: Record<string, number> }> {
  const reqs = requests();
  for (let i = 0; i < WARMUP; i++) await client.infill({ ...reqs[i % reqs.length], sampler: { seed: 1000 + i } });
  const levels: Level[] = [];
  for (const c of CONCURRENCY) {
    const level = await runLevel(client, c, PER_LEVEL[c as 1 | 4 | 16], reqs);
    levels.push(level);
    process.stderr.write(`${name} x${c}: p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, ${level.throughputRps} req/s, overhead p50 ${level.overheadP50Ms} ms, errors ${level.errors}\n`);
  }
  return { name, levels };
}

/** Median latency of a request that does no model work, one at a time. */
async function hop(url: string, token: string | undefined, n = 40): Promise<number> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.text();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    lat.push(performance.now() - t);
  }
  return r1(pct(lat.sort((x, y) => x - y), 50));
}

async function serveRun(replicas: number) {
  const server = await startServer(['--replicas', String(replicas), '--threads', String(THREADS), '--replica-cpus', '1']);
  const client = new RemoteClient({ url: server.url, token: () => server.token, requestTimeoutMs: 300_000 });
  try {
    const run = await bench(`serve-${replicas}-replica${replicas > 1 ? 's' : ''}`, client);
    // Where a request's time goes before the model: the proxy and the ingress (/healthz stops there), then the hop
    // to a model replica (/v1/model asks one, without touching its worker).
    const path = { proxyAndIngressP50Ms: await hop(server.url + '/healthz', undefined), proxyIngressAndReplicaP50Ms: await hop(server.url + '/v1/model', server.token) };
    return { ...run, path };
  } finally {
    client.dispose();
    await stopServer(server);
    removeServerDir(server);
  }
}

async function localRun(name: string) {
  const local = new WorkerClient({ workerScript: workerScript(ROOT), modelDir: bundledModelDir(ROOT), threads: THREADS, requestTimeoutMs: 300_000 });
  try {
    await local.load();
    return await bench(name, local);
  } finally {
    local.dispose();
  }
}

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  // The local worker runs before and after the servers, and the baseline is the mean of the two: this machine is
  // shared, and its load drifts over the minutes a run takes.
  const localBefore = await localRun('local-worker');
  const serve1 = await serveRun(1);
  const serve2 = await serveRun(2);
  const localAfter = await localRun('local-worker-again');
  const runs: { name: string; levels: Level[]; path?: Record<string, number> }[] = [localBefore, serve1, serve2, localAfter];
  const mean = (a: number, b: number) => (a + b) / 2;
  const base = new Map(
    localBefore.levels.map((l, i) => {
      const m = localAfter.levels[i];
      return [l.clients, { ...l, p50Ms: mean(l.p50Ms, m.p50Ms), p95Ms: mean(l.p95Ms, m.p95Ms), throughputRps: mean(l.throughputRps, m.throughputRps), overheadP50Ms: mean(l.overheadP50Ms, m.overheadP50Ms) }];
    }),
  );
  const withRatios = runs.map((r) => ({
    ...r,
    levels: r.levels.map((l) => {
      const b = base.get(l.clients)!;
      return {
        ...l,
        // Against the mean of the two local-worker runs at the same concurrency.
        vsLocal: {
          p50: r3(l.p50Ms / b.p50Ms),
          p95: r3(l.p95Ms / b.p95Ms),
          throughput: r3(l.throughputRps / b.throughputRps),
        },
        // What the server path adds to one request and to one denoising step, against the local worker's own
        // transport overhead (IPC), at this concurrency. At 1 client nothing queues: this is the path itself.
        addedOverheadMs: r1(l.overheadP50Ms - b.overheadP50Ms),
        addedOverheadPerStepMs: r3((l.overheadP50Ms - b.overheadP50Ms) / Math.max(1, l.forwardPassesP50)),
      };
    }),
  }));
  const one = (name: string, c: number) => withRatios.find((r) => r.name === name)!.levels.find((l) => l.clients === c)!;
  const out = {
    bench: 'serve',
    what: 'DiffuCode on Ray Serve vs the local worker: same model (models/diffucode-tiny), same ghost-text-sized requests (24-token single-line gap, the manifest sampler, seed = request index), 1 ONNX Runtime thread per engine',
    command: `node esbuild.mjs && node --import tsx bench/serve-bench.ts${QUICK ? ' --quick' : ''}`,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg1mStart: r1(load0), loadavg1mEnd: r1(loadavg()[0]), note: 'shared with other jobs; compare ratios, not absolute times' },
    date: new Date().toISOString(),
    summary: {
      'serve-1 p50 / local p50 at 1 client': one('serve-1-replica', 1).vsLocal.p50,
      'serve-2 p50 / local p50 at 1 client': one('serve-2-replicas', 1).vsLocal.p50,
      'server path per request at 1 client (ms, added to the local worker)': one('serve-1-replica', 1).addedOverheadMs,
      'server path per denoising step at 1 client (ms)': one('serve-1-replica', 1).addedOverheadPerStepMs,
      'serve-2 throughput / local at 16 clients': one('serve-2-replicas', 16).vsLocal.throughput,
      'serve-2 throughput / serve-1 at 16 clients': r3(one('serve-2-replicas', 16).throughputRps / one('serve-1-replica', 16).throughputRps),
    },
    runs: withRatios,
  };
  const path = join(ROOT, 'bench', 'results', QUICK ? 'serve-quick.json' : 'serve.json');
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  process.stderr.write(`wrote ${path}\n${JSON.stringify(out.summary, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
