// executionProvider "auto" (the extension's default) through the real worker with the embedded model: it stays on
// the CPU because the model is small, says why in the model info and in the ready state the status bar shows as
// its tooltip, and fills.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { WorkerClient } from '../../src/worker/client';
import type { StateEvent } from '../../src/worker/protocol';
import { buildOnce, MODEL, until, WORKER } from './helpers';

before(buildOnce);

test('auto with the embedded model: the CPU, the reason in the info, the log and every ready state', async () => {
  const logs: string[] = [];
  const client = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, executionProvider: 'auto', threads: 1, log: (l) => logs.push(l) });
  const states: StateEvent[] = [];
  client.onDidChangeState((s) => states.push(s));
  try {
    const info = await client.load();
    assert.equal(info.provider, 'cpu');
    assert.equal(info.providerMessage, undefined);
    assert.match(info.providerReason ?? '', /^auto chose the CPU: this model is small \(3M parameters/);
    assert.ok(logs.includes(info.providerReason!), logs.join('\n'));
    const r = await client.infill({ pieces: ['def add(a, b):\n    return ', '\n'], gaps: [{ maxTokens: 4 }], sampler: { algorithm: 'threshold', threshold: 0.5, temperature: 0 } });
    assert.equal(r.gaps.length, 1);
    await until(() => states.filter((s) => s.state === 'ready').length >= 2, 10_000, 'ready after load and after the request');
    for (const s of states.filter((x) => x.state === 'ready')) assert.equal(s.message, info.providerReason);
  } finally {
    client.dispose();
  }
});
