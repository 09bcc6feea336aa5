// The real embedded model through the real worker process (dist/worker.js), as the extension uses it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InfillRequest, StepProgress } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';
import { errorCode, type StateEvent } from '../../src/worker/protocol';
import { buildOnce, MODEL, until, WORKER } from './helpers';

const tokenizerSize = (() => {
  const t = JSON.parse(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8'));
  return 1 + Math.max(...Object.values(t.model.vocab as Record<string, number>), ...(t.added_tokens as { id: number }[]).map((a) => a.id));
})();

const twoGaps = (seed: number, temperature = 0): InfillRequest => ({
  pieces: ['def area(w, h):\r\n\treturn ', '\r\n\r\nprint(area(', '))\r\n'],
  gaps: [{ maxTokens: 6 }, { maxTokens: 4 }],
  sampler: { algorithm: 'threshold', threshold: 0.8, temperature, topP: 0.95, seed },
});
const long: InfillRequest = { pieces: ['import os\n', '\n'], gaps: [{ maxTokens: 64 }], sampler: { algorithm: 'entropy', steps: 64, temperature: 0, topP: 1 } };

describe('worker with the embedded model', () => {
  let client: WorkerClient;
  const states: StateEvent[] = [];
  before(() => {
    buildOnce();
    client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: 120_000 });
    client.onDidChangeState((s) => states.push(s));
  });
  after(() => client.dispose());

  test('load reports the model', async () => {
    const info = await client.load();
    assert.equal(info.name, 'diffucode-tiny');
    assert.equal(info.shiftedLogits, true);
    assert.equal(info.provider, 'cpu');
    assert.ok(info.vocabSize >= tokenizerSize);
    assert.ok(info.cardPath?.endsWith('MODEL_CARD.md'));
    assert.ok(states.some((s) => s.state === 'ready'));
  });

  test('fills every gap; tokens add up to the text; ids come from the tokenizer', async () => {
    const progress: StepProgress[] = [];
    const r = await client.infill(twoGaps(1), { onProgress: (p) => progress.push(p) });
    assert.equal(r.gaps.length, 2);
    r.gaps.forEach((g, i) => {
      assert.ok(g.tokens.length <= [6, 4][i]);
      assert.equal(g.tokens.map((t) => t.text).join(''), g.text);
      for (const t of g.tokens) {
        assert.ok(t.id >= 0 && t.id < tokenizerSize, `id ${t.id}`);
        assert.ok(t.confidence > 0 && t.confidence <= 1);
      }
    });
    assert.ok(r.stats.forwardPasses >= 1 && r.stats.forwardPasses <= 10);
    assert.ok(r.stats.modelMs > 0 && r.stats.peakRssMb! > 0);
    assert.equal(progress.length, r.stats.steps);
    assert.equal(progress.at(-1)!.committed, progress.at(-1)!.total);
  });

  test('deterministic under a seed, also when sampling (T > 0)', async () => {
    const a = await client.infill(twoGaps(42, 0.8));
    const b = await client.infill(twoGaps(42, 0.8));
    assert.deepEqual(a.gaps, b.gaps);
  });

  test('dual cache through the window graph: full passes at block starts, window passes inside, every slot filled', async () => {
    const manifest = JSON.parse(readFileSync(join(MODEL, 'manifest.json'), 'utf8'));
    assert.equal(manifest.windowGraph, 'window.onnx', 'the embedded model ships the cached-window graph');
    const req: InfillRequest = { pieces: ['def f(a, b):\n    ', '\n'], gaps: [{ maxTokens: 16 }], sampler: { algorithm: 'threshold', threshold: 1, blockSize: 4, temperature: 0, topP: 1, eosAfterText: false, cache: 'dual', repetitionPenalty: 0 } };
    // The manifest's repetition penalty is off here: this test counts passes of the cache's mechanics, and a penalty
    // moves near-ties (a second slot reaching probability 1 in one pass) differently under the two caches.
    const r = await client.infill(req);
    const plain = await client.infill({ ...req, sampler: { ...req.sampler, cache: 'none' } });
    // threshold 1 commits one token per pass, so a block of 4 takes a full pass and then up to 3 window passes
    assert.equal(r.stats.forwardPasses, plain.stats.forwardPasses);
    assert.ok(r.stats.windowPasses! > 0 && r.stats.windowPasses! <= (3 / 4) * r.stats.forwardPasses, `${r.stats.windowPasses} of ${r.stats.forwardPasses}`);
    assert.equal(plain.stats.windowPasses, 0);
    assert.equal(r.gaps[0].tokens.map((t) => t.text).join(''), r.gaps[0].text);
  });

  test('cancel takes effect within one forward pass, and the worker keeps serving', async () => {
    const ctrl = new AbortController();
    let steps = 0;
    let atAbort = -1;
    const p = client.infill(long, {
      signal: ctrl.signal,
      onProgress: () => {
        steps++;
        if (steps === 2) {
          atAbort = steps;
          ctrl.abort();
        }
      },
    });
    await assert.rejects(p, (e: Error & { passesStartedAfterCancel?: number }) => e.name === 'AbortError' && errorCode(e) === 'ABORTED' && e.passesStartedAfterCancel === 0);
    // seen from here, IPC adds latency: allow the pass in flight plus one that started before the cancel arrived
    assert.ok(steps - atAbort <= 2, `${steps - atAbort} passes after the cancel`);
    const r = await client.infill(twoGaps(3));
    assert.equal(r.gaps.length, 2);
  });

  test('a newer request with the same supersedeKey cancels the older one', async () => {
    const first = client.infill(long, { supersedeKey: 'doc.py' });
    await new Promise((r) => setTimeout(r, 50));
    const second = client.infill(twoGaps(4), { supersedeKey: 'doc.py' });
    await assert.rejects(first, (e: Error) => e.name === 'AbortError');
    assert.equal((await second).gaps.length, 2);
  });

  test('a killed worker fails the pending call clearly, restarts, and serves again', async () => {
    const pid = client.pid!;
    const p = client.infill(long);
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(p, (e: Error) => errorCode(e) === 'WORKER_RESTARTED' && /worker was killed \(SIGKILL\); it is being restarted/.test(e.message));
    assert.ok(states.some((s) => s.state === 'restarting'));
    await until(() => client.pid !== undefined && client.pid !== pid, 10_000, 'the restart');
    const r = await client.infill(twoGaps(5));
    assert.equal(r.gaps.length, 2);
  });

  test('bad requests are clear errors from the worker', async () => {
    await assert.rejects(client.infill({ pieces: ['a'], gaps: [{ maxTokens: 3 }] }), (e: Error) => errorCode(e) === 'BAD_REQUEST' && /pieces must have gaps.length \+ 1/.test(e.message));
    await assert.rejects(client.infill({ pieces: ['a', 'b'], gaps: [{ maxTokens: 100000 }] }), /maxTokens must be an integer/);
  });

  test('NUL bytes, lone surrogates, 50,000-character lines and empty pieces do not break it', async () => {
    const r = await client.infill({
      pieces: ['\0\uD800' + 'x'.repeat(50_000), '', '\uDC00\t\r\n'],
      gaps: [{ maxTokens: 3 }, { maxTokens: 3 }],
      sampler: { algorithm: 'threshold', temperature: 0 },
    });
    assert.equal(r.gaps.length, 2);
    assert.ok(r.stats.trimmedTokens > 0);
  });
});

describe('worker lifecycle', () => {
  before(buildOnce);

  test('a call past its timeout restarts the worker with a clear error', async () => {
    // 30 ms cannot cover starting the process and loading the model (a fresh worker is waited for as a load).
    const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, requestTimeoutMs: 30, loadTimeoutMs: 30 });
    try {
      const pid = client.pid;
      const p = client.infill(long);
      const first = client.pid;
      await assert.rejects(p, (e: Error) => errorCode(e) === 'WORKER_TIMEOUT' && /made no progress for 0\.03 s \(limit: requestTimeoutMs\)/.test(e.message));
      await until(() => client.pid !== undefined && client.pid !== first && client.pid !== pid, 10_000, 'the restart after a timeout');
    } finally {
      client.dispose();
    }
  });

  test('the model is unloaded after the idle period', async () => {
    const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, idleUnloadMs: 200 });
    const seen: string[] = [];
    client.onDidChangeState((s) => seen.push(s.state));
    try {
      await client.infill(twoGaps(6));
      await until(() => seen.includes('idle'), 5000, 'the idle unload');
      assert.equal((await client.infill(twoGaps(6))).gaps.length, 2); // loads again on demand
    } finally {
      client.dispose();
    }
  });

  test('a GPU provider that cannot load falls back to the CPU with a message', async () => {
    const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, executionProvider: 'cuda', threads: 1 });
    try {
      const info = await client.load();
      assert.equal(info.provider, 'cpu');
      assert.match(info.providerMessage ?? '', /execution provider "cuda" is not available here .*running on the CPU/);
      assert.equal((await client.infill(twoGaps(7))).gaps.length, 2);
    } finally {
      client.dispose();
    }
  });

  test('measureSpeed: the loaded model reports its pass times (what turns ghost text off for a slow model)', async () => {
    const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, measureSpeed: true });
    try {
      const info = await client.load();
      assert.ok(info.speed, 'speed measured at load');
      assert.ok(info.speed.fullPassMs > 0 && (info.speed.windowPassMs ?? 0) > 0, JSON.stringify(info.speed));
      assert.ok(info.speed.canvasTokens > 300);
      const plain = new WorkerClient({ workerScript: WORKER, modelDir: MODEL });
      try {
        assert.equal((await plain.load()).speed, undefined, 'not measured unless asked (the CLI does not pay for it)');
      } finally {
        plain.dispose();
      }
    } finally {
      client.dispose();
    }
  });

  test('a missing model folder is a clear error', async () => {
    const client = new WorkerClient({ workerScript: WORKER, modelDir: '/nonexistent/model' });
    try {
      await assert.rejects(client.load(), (e: Error) => errorCode(e) === 'NO_MODEL' && /model folder \/nonexistent\/model: does not exist/.test(e.message));
    } finally {
      client.dispose();
    }
  });
});
