// The request limit on the real worker with the bundled model: it is a limit on progress, so a long fill that keeps
// making passes runs past it, and a fill whose worker stops making progress comes back with the tokens it had
// committed (marked partial) instead of an error (src/worker/stallWatch.ts).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MASK_PLACEHOLDER, type InfillRequest, type StepProgress } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';
import { seconds } from '../../src/worker/stallWatch';
import { buildOnce, MODEL, until, WORKER } from './helpers';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One token per pass over the whole gap, all of it decided: `n` forward passes of the full canvas. */
const long = (n: number): InfillRequest => ({
  pieces: ['import os\n\n\ndef main(argv):\n', '\n'],
  gaps: [{ maxTokens: n }],
  sampler: { algorithm: 'entropy', steps: n, blockSize: n, temperature: 0, topP: 1, cache: 'none', eosAfterText: true },
});

let passMs = 0;
before(async () => {
  buildOnce();
  // This machine's pass time now (its load changes by the minute): the limits below are set from it.
  const probe = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: 120_000 });
  try {
    await probe.load();
    const r = await probe.infill(long(32));
    passMs = r.stats.totalMs / r.stats.forwardPasses;
  } finally {
    probe.dispose();
  }
});

const clients: WorkerClient[] = [];
after(() => clients.forEach((c) => c.dispose()));

test('a fill that keeps making passes is never cut by the limit, however long it runs in all', async () => {
  // A limit of ~20 passes, a fill of 256: it runs about 12 limits long.
  const limitMs = Math.max(300, Math.round(20 * passMs));
  const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: limitMs, timeoutSetting: 'test.limit' });
  clients.push(client);
  await client.load();
  const pid = client.pid;
  const t0 = performance.now();
  const r = await client.infill(long(256), { partialOnTimeout: true });
  const ms = performance.now() - t0;
  assert.equal(r.partial, undefined, 'a whole result');
  assert.equal(r.stats.forwardPasses, 256);
  assert.ok(ms > 3 * limitMs, `the fill (${Math.round(ms)} ms) ran well past the limit (${limitMs} ms)`);
  assert.equal(client.pid, pid, 'the worker was not restarted');
});

test('a fill whose worker stops making progress returns its committed tokens, marked partial, and names the limit', async () => {
  const limitMs = Math.max(2000, Math.round(20 * passMs));
  const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: limitMs, timeoutSetting: 'test.limit' });
  clients.push(client);
  await client.load();
  const pid = client.pid!;
  let last: StepProgress | undefined;
  const running = client.infill(long(256), { partialOnTimeout: true, onProgress: (p) => (last = p) });
  await until(() => (last?.committed ?? 0) >= 8, 60_000, 'eight committed tokens');
  // The worker hangs (as in a native deadlock): no more passes, no answer.
  process.kill(pid, 'SIGSTOP');
  const seen = last!;
  const t0 = performance.now();
  const r = await running;
  const waited = performance.now() - t0;
  assert.ok(r.partial, 'a partial result, not an error');
  // The limit, or 3x the slowest pass so far when that is longer (a busy machine).
  const said = /^the model made no progress for ([\d.]+) s \(limit: test\.limit\)$/.exec(r.partial.reason);
  assert.ok(said && Number(said[1]) >= Number(seconds(limitMs)), r.partial.reason);
  // Whatever the last progress report held (one more may have arrived before the stop took hold).
  assert.ok(r.partial.committed >= seen.committed && r.partial.committed < r.partial.total, `${r.partial.committed} of ${r.partial.total}`);
  assert.equal(r.partial.total, 256);
  assert.ok(r.gaps[0].partial);
  assert.equal(r.gaps[0].text, last!.gaps[0].split(MASK_PLACEHOLDER).join(''), 'the committed text, masked slots left out');
  assert.ok(r.gaps[0].text.length > 0);
  assert.ok(waited < limitMs + 30_000, `answered ${Math.round(waited)} ms after the stop`);
  // The stuck worker is killed, a fresh one serves the next request.
  await until(() => !alive(pid), 10_000, 'the stopped worker to be killed');
  const next = await client.infill(long(4));
  assert.equal(next.partial, undefined);
  assert.notEqual(client.pid, pid);
});

test('without partialOnTimeout a stalled request fails with WORKER_TIMEOUT, and the message names the limit', async () => {
  const limitMs = Math.max(2000, Math.round(20 * passMs));
  const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: limitMs, timeoutSetting: 'test.limit' });
  clients.push(client);
  await client.load();
  const pid = client.pid!;
  let steps = 0;
  const running = client.infill(long(256), { onProgress: () => steps++ });
  await until(() => steps >= 4, 60_000, 'four steps');
  process.kill(pid, 'SIGSTOP');
  await assert.rejects(running, (e: Error & { code?: string }) => e.code === 'WORKER_TIMEOUT' && /no progress for [\d.]+ s \(limit: test\.limit\)/.test(e.message));
  await until(() => !alive(pid), 10_000, 'the stopped worker to be killed');
});
