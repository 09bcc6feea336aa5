// Soak: 2,000+ small requests through ONE real worker process (the real model, real IPC), with cancels and
// superseded requests mixed in as the editor produces them. The worker must not leak: its RSS after warm-up may
// drift only within a generous ceiling, no request may fail other than the ones cancelled on purpose, and the
// worker must never restart. Figures go to bench/results/reliability.json (section "soak").

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InfillRequest } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';
import { buildOnce, MODEL, WORKER } from '../integration/helpers';
import { quantile, recordFigures, round, rssMb } from './figures';

const REQUESTS = Number(process.env.DIFFUCODE_SOAK_REQUESTS ?? 3000);
const WARMUP = 200;
/** Generous on purpose: the probe measured +0.3 MB per 1,000 requests; a real leak grows far faster. */
const MAX_DRIFT_MB = 48;
const MAX_RSS_MB = 600;

const SNIPPETS: [string, string][] = [
  ['def add(a, b):\n    return ', '\n'],
  ['import os\n\npath = os.path.join(', ')\n'],
  ['for i in range(10):\n    ', '\n'],
  ['const xs = [1, 2, 3];\nconst total = xs.', ';\n'],
  ['class Point:\n    def __init__(self, x, y):\n        self.x = ', '\n'],
  ['function f(a) {\n  return ', ';\n}\n'],
];

function request(i: number): InfillRequest {
  const [p, s] = SNIPPETS[i % SNIPPETS.length];
  return {
    pieces: [`# request ${i}\n${p}`, s],
    gaps: [{ maxTokens: 2 + (i % 3), singleLine: i % 2 === 0 }],
    sampler: { algorithm: 'threshold', threshold: 0.5, temperature: 0, seed: i },
  };
}

let client: WorkerClient;
before(() => {
  buildOnce();
  client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: 60_000 });
});
after(() => client.dispose());

test(`soak: ${REQUESTS} requests through one worker, no failure, no restart, RSS drift within a ceiling`, async () => {
  await client.load();
  const pid = client.pid!;
  let restarts = 0;
  client.onDidChangeState((s) => s.state === 'restarting' && restarts++);
  let errors = 0;
  let cancelled = 0;
  let superseded = 0;
  const latencies: number[] = [];
  const rss: { after: number; mb: number }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < REQUESTS; i++) {
    if (i > 0 && i % 100 === 0) rss.push({ after: i, mb: rssMb(pid) });
    if (i % 50 === 49) {
      // The editor's patterns: a request cancelled right after it was sent, and one superseded by the next keystroke.
      const ctrl = new AbortController();
      const p = client.infill(request(i), { signal: ctrl.signal });
      ctrl.abort();
      await p.then(() => undefined, (e: Error) => (e.name === 'AbortError' ? cancelled++ : errors++));
      const first = client.infill(request(i), { supersedeKey: 'doc' });
      const second = client.infill(request(i + 1), { supersedeKey: 'doc' });
      await first.then(() => undefined, (e: Error) => (e.name === 'AbortError' ? superseded++ : errors++));
      await second.catch(() => errors++);
      continue;
    }
    const t = performance.now();
    try {
      const r = await client.infill(request(i));
      assert.equal(r.gaps.length, 1);
      latencies.push(performance.now() - t);
    } catch {
      errors++;
    }
  }
  rss.push({ after: REQUESTS, mb: rssMb(pid) });
  const seconds = (Date.now() - t0) / 1000;
  const warm = rss.find((r) => r.after >= WARMUP)!.mb;
  const last = rss.at(-1)!;
  const driftPer1000 = ((last.mb - warm) / (last.after - WARMUP)) * 1000;
  const peak = Math.max(...rss.map((r) => r.mb));
  const figures = {
    requests: REQUESTS,
    errors,
    cancelledOnPurpose: cancelled,
    supersededOnPurpose: superseded,
    restarts,
    seconds: round(seconds),
    latencyMs: { p50: round(quantile(latencies, 0.5)), p95: round(quantile(latencies, 0.95)), max: round(Math.max(...latencies)) },
    workerRssMb: { afterWarmup: round(warm), end: round(last.mb), peak: round(peak) },
    rssDriftMbPer1000: round(driftPer1000, 2),
    ceilings: { driftMb: MAX_DRIFT_MB, rssMb: MAX_RSS_MB },
  };
  recordFigures('soak', figures);
  console.log(JSON.stringify(figures));
  assert.equal(client.pid, pid, 'the same worker served every request');
  assert.equal(errors, 0);
  assert.equal(restarts, 0);
  assert.ok(cancelled + superseded > 0, 'the cancel paths were exercised');
  assert.ok(last.mb - warm <= MAX_DRIFT_MB, `worker RSS grew ${round(last.mb - warm)} MB after warm-up`);
  assert.ok(peak <= MAX_RSS_MB, `worker RSS peaked at ${round(peak)} MB`);
});
