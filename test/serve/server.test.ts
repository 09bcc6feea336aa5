// The model server end to end: the real `diffucode serve` (a local Ray head on loopback, Ray Serve, 2 replicas of the
// bundled model, each driving the real worker), spoken to by the real clients (RemoteClient, the CLI) and by plain
// HTTP. One server for the whole file: Ray's start is the expensive part on this machine.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RemoteClient, RemoteError } from '../../src/worker/remoteClient';
import type { InfillRequest, InfillResult, StepProgress } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';
import { buildOnce, CLI, MODEL, removeTemps, tempDir, until, WORKER } from '../integration/helpers';
import { alive, descendants, filesUnder, modelReplicas, removeServerDir, ROOT, startServer, stopServer, type Server } from './helpers';

let server: Server;
let client: RemoteClient;

const SMALL: InfillRequest = { pieces: ['def add(a, b):\n    return ', '\n'], gaps: [{ maxTokens: 8 }] };
// One token per forward pass over a 300-token gap: seconds of work, long enough to cancel or kill mid-request.
const LONG: InfillRequest = {
  pieces: ['def parse(path):\n', '\n'],
  gaps: [{ maxTokens: 300 }],
  sampler: { algorithm: 'origin', temperature: 0, cache: 'none', blockSize: 300 },
};

before(async () => {
  buildOnce();
  const setup = spawnSync('bash', [join(ROOT, 'serve', 'setup.sh')], { cwd: ROOT, encoding: 'utf8', stdio: 'inherit' });
  assert.equal(setup.status, 0, 'serve/setup.sh (Ray Serve into .venv) failed');
  server = await startServer(['--replicas', '2', '--threads', '1', '--max-body-bytes', '65536', '--timeout', '120']);
  client = new RemoteClient({ url: server.url, token: () => server.token, requestTimeoutMs: 180_000 });
});

after(async () => {
  client?.dispose();
  if (server && server.proc.exitCode === null) await stopServer(server);
  if (server) removeServerDir(server);
  removeTemps();
});

function http(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? server.token : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return fetch(server.url + path, { ...init, headers });
}

async function errorOf(res: Response): Promise<{ message: string; code: string }> {
  const body = (await res.json()) as { error: { message: string; code: string } };
  return body.error;
}

test('GET /healthz needs no token; GET /v1/model summarises the model without server paths', async () => {
  const h = await http('/healthz', { token: null });
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
  const m = await http('/v1/model');
  assert.equal(m.status, 200);
  const info = (await m.json()) as Record<string, unknown> & { server: { replicas: number } };
  assert.equal(info.name, 'diffucode-tiny');
  assert.equal(info.contextLength, 384);
  assert.equal(info.server.replicas, 2);
  assert.ok(!('modelDir' in info) && !JSON.stringify(info).includes(ROOT), 'no file system paths go to clients');
});

test('a missing or wrong token is 401 on every route but /healthz, and the token is never echoed', async () => {
  const body = JSON.stringify(SMALL);
  for (const token of [null, '', 'wrong-token-but-long-enough', server.token + 'x', server.token.slice(0, -1)]) {
    for (const [path, init] of [
      ['/v1/model', {}],
      ['/v1/infill', { method: 'POST', body }],
    ] as const) {
      const res = await http(path, { ...init, token });
      assert.equal(res.status, 401, `${path} with token ${JSON.stringify(token)}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      const text = await res.text();
      assert.ok(!text.includes(server.token), 'the 401 must not contain the token');
    }
  }
  const basic = await http('/v1/model', { token: null, headers: { authorization: `Basic ${server.token}` } });
  assert.equal(basic.status, 401);
  const viaClient = new RemoteClient({ url: server.url, token: () => 'wrong-token-but-long-enough', authHint: 'set the token' });
  await assert.rejects(viaClient.infill(SMALL), (e: RemoteError) => e.status === 401 && /invalid bearer token\. set the token/.test(e.message));
});

test('an oversized body is 413, declared or chunked; malformed JSON and a bad request shape are 400', async () => {
  const big = JSON.stringify({ pieces: ['x'.repeat(70_000), ''], gaps: [{ maxTokens: 4 }] });
  const declared = await http('/v1/infill', { method: 'POST', body: big });
  assert.equal(declared.status, 413);
  assert.equal((await errorOf(declared)).code, 'too_large');
  // No Content-Length: the server counts while reading.
  const chunks = [big.slice(0, 40_000), big.slice(40_000)];
  const stream = new ReadableStream({
    pull(c) {
      const next = chunks.shift();
      if (next === undefined) c.close();
      else c.enqueue(new TextEncoder().encode(next));
    },
  });
  const chunked = await http('/v1/infill', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  assert.equal(chunked.status, 413);

  const bad = await http('/v1/infill', { method: 'POST', body: '{"pieces": ["a", ' });
  assert.equal(bad.status, 400);
  assert.equal((await errorOf(bad)).code, 'bad_json');
  const shape = await http('/v1/infill', { method: 'POST', body: JSON.stringify({ pieces: ['a'], gaps: [{ maxTokens: 4 }] }) });
  assert.equal(shape.status, 400);
  assert.match((await errorOf(shape)).message, /one more element/);
  // The engine's own checks come back as 400 too (here: a sampler value out of range).
  const sampler = await http('/v1/infill', { method: 'POST', body: JSON.stringify({ ...SMALL, sampler: { threshold: 7 } }) });
  assert.equal(sampler.status, 400);
  assert.match((await errorOf(sampler)).message, /threshold/);
});

test('the same seed gives the same fill as the local worker, with and without live progress', async () => {
  const req: InfillRequest = {
    pieces: ['import os\n\ndef list_files(root):\n    out = []\n    for name in os.listdir(root):\n        ', '\n    return out\n'],
    gaps: [{ maxTokens: 16 }],
    sampler: { algorithm: 'entropy', temperature: 0.7, topP: 0.95, seed: 1234 },
  };
  const local = new WorkerClient({ workerScript: WORKER, modelDir: MODEL, threads: 1 });
  let localResult: InfillResult;
  try {
    await local.load();
    localResult = await local.infill(req);
  } finally {
    local.dispose();
  }
  const plain = await client.infill(req);
  const steps: StepProgress[] = [];
  const streamed = await client.infill(req, { onProgress: (p) => steps.push(p) });
  const ids = (r: InfillResult) => r.gaps.map((g) => g.tokens.map((t) => t.id));
  assert.deepEqual(ids(plain), ids(localResult));
  assert.deepEqual(ids(streamed), ids(localResult));
  assert.equal(plain.gaps[0].text, localResult.gaps[0].text);
  assert.ok(steps.length >= 2, 'progress events arrive while the gap is denoised');
  assert.equal(steps.at(-1)!.committed, steps.at(-1)!.total);
  // A different seed is a different sample (the seed really travels to the worker).
  const other = await client.infill({ ...req, sampler: { ...req.sampler, seed: 99 } });
  assert.notDeepEqual(ids(other), ids(localResult));
});

test('the CLI fills and batches through --server like the local worker', () => {
  const dir = tempDir();
  const file = join(dir, 'a.py');
  writeFileSync(file, 'def area(r):\n    return <|mask:6|>\n');
  const flags = ['--seed', '5', '--temperature', '0.5'];
  // The parse check runs in the client either way; off here so the comparison does not hinge on what the model writes.
  const fill = [...flags, '--parse-check', 'off'];
  const local = spawnSync(process.execPath, [CLI, 'fill', file, ...fill], { encoding: 'utf8', timeout: 120_000 });
  const remote = spawnSync(process.execPath, [CLI, 'fill', file, ...fill, '--server', server.url, '--token-file', server.tokenFile], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(local.status, 0, local.stderr);
  assert.equal(remote.status, 0, remote.stderr);
  assert.equal(remote.stdout, local.stdout);

  const rows = [JSON.stringify({ id: 'a', prefix: 'x = ', suffix: '\n', maxTokens: 4 }), JSON.stringify({ id: 'b', prefix: 1 })].join('\n');
  const batch = spawnSync(process.execPath, [CLI, 'batch', '--server', server.url, '--token-file', server.tokenFile, ...flags], { input: rows, encoding: 'utf8', timeout: 120_000 });
  const lines = batch.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(batch.status, 1, 'the bad line fails the batch');
  assert.equal(lines[0].id, 'a');
  assert.equal(typeof lines[0].middle, 'string');
  assert.match(lines[1].error, /prefix/);

  const wrong = join(dir, 'wrong-token');
  writeFileSync(wrong, 'not-the-servers-token-at-all\n');
  const denied = spawnSync(process.execPath, [CLI, 'fill', file, '--server', server.url, '--token-file', wrong], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /401.*--token-file/s);
  assert.ok(!denied.stderr.includes(server.token));
});

test('16 concurrent clients x 10 requests: every one answered', async () => {
  const failures: string[] = [];
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, c) => {
      const own = new RemoteClient({ url: server.url, token: () => server.token, requestTimeoutMs: 180_000 });
      for (let i = 0; i < 10; i++) {
        try {
          const r = await own.infill({ ...SMALL, sampler: { seed: c * 100 + i } });
          assert.equal(r.gaps.length, 1);
          done++;
        } catch (e) {
          failures.push(`client ${c} request ${i}: ${(e as Error).message}`);
        }
      }
    }),
  );
  assert.deepEqual(failures, []);
  assert.equal(done, 160);
});

test('a cancelled request stops its worker within one denoising step and frees the replica', async () => {
  const logDir = join(server.rayDir, 'session_latest', 'logs', 'serve');
  const confirmations = () =>
    filesUnder(logDir)
      .filter((f) => f.includes('DiffuCodeModel'))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/cancelled; the worker started (\d+) forward pass/g)].map((m) => Number(m[1])));
  const before = confirmations().length;
  // As many long requests as the deployment takes at once (2 replicas x 2), so that every worker is busy.
  const ctrls = Array.from({ length: 4 }, () => new AbortController());
  const started = new Set<number>();
  const calls = ctrls.map((ctrl, i) =>
    client.infill(LONG, { signal: ctrl.signal, onProgress: () => started.add(i) }).then(
      () => 'finished',
      (e: Error) => e.name,
    ),
  );
  await until(() => started.size >= 2, 120_000, 'two long requests running');
  for (const c of ctrls) c.abort();
  assert.deepEqual(await Promise.all(calls), ['AbortError', 'AbortError', 'AbortError', 'AbortError']);
  // Each worker confirms its cancel with the passes it started afterwards (0 = only the one already running ended).
  await until(() => confirmations().length >= before + 2, 60_000, 'the workers to confirm the cancels in the replica logs');
  for (const n of confirmations().slice(before)) assert.ok(n <= 1, `a worker ran ${n} passes after the cancel`);
  // The replicas take new work at once: both answer while the cancelled requests would still be running.
  const r = await Promise.all([client.infill(SMALL), client.infill(SMALL)]);
  assert.equal(r.length, 2);
});

test('a replica killed under load: no request lost (retried on the other), and Serve replaces it', async () => {
  const pid = server.proc.pid!;
  const replicas = modelReplicas(pid);
  assert.equal(replicas.length, 2, `expected 2 model replicas, found ${replicas.length}`);
  const retriedBefore = await serverRetries();
  const failures: string[] = [];
  let done = 0;
  const clients = Array.from({ length: 8 }, () => new RemoteClient({ url: server.url, token: () => server.token, requestTimeoutMs: 180_000 }));
  const load = Promise.all(
    clients.map(async (own, c) => {
      for (let i = 0; i < 4; i++) {
        try {
          await own.infill({ pieces: ['class Stack:\n    def push(self, x):\n        ', '\n'], gaps: [{ maxTokens: 40 }], sampler: { algorithm: 'origin', cache: 'none', blockSize: 40, seed: c * 10 + i } });
          done++;
        } catch (e) {
          failures.push(`client ${c} request ${i}: ${(e as Error).message}`);
        }
      }
    }),
  );
  await until(() => done >= 4, 120_000, 'the load to get going');
  const victim = replicas[0];
  process.kill(victim, 'SIGKILL');
  await load;
  assert.deepEqual(failures, [], 'every request answered despite the killed replica');
  assert.equal(done, 32);
  const retried = (await serverRetries()) - retriedBefore + clients.reduce((n, c) => n + c.retries, 0);
  assert.ok(retried >= 1, 'the requests the killed replica held were retried');
  // Serve notices the dead actor and starts a new replica in its place.
  await until(() => modelReplicas(pid).filter((p) => p !== victim).length === 2, 120_000, 'a replacement replica');
  assert.ok(!alive(victim));
  const r = await Promise.all([client.infill(SMALL), client.infill(SMALL), client.infill(SMALL)]);
  assert.equal(r.length, 3);
});

test('a worker process killed inside a replica: its requests are retried and the replica starts a new worker', async () => {
  const pid = server.proc.pid!;
  // The worker itself, not its bridge (whose command line names the worker script too).
  const workers = () => [...descendants(pid)].filter(([, cmd]) => cmd.includes('dist/worker.js') && !cmd.includes('bridge.cjs')).map(([p]) => p);
  const before = workers();
  assert.equal(before.length, 2, 'one worker per replica');
  const failures: string[] = [];
  let done = 0;
  const clients = Array.from({ length: 6 }, () => new RemoteClient({ url: server.url, token: () => server.token, requestTimeoutMs: 180_000 }));
  const load = Promise.all(
    clients.map(async (own, c) => {
      for (let i = 0; i < 4; i++) {
        try {
          await own.infill({ pieces: ['def area(r):\n    ', '\n'], gaps: [{ maxTokens: 40 }], sampler: { algorithm: 'origin', cache: 'none', blockSize: 40, seed: c * 10 + i } });
          done++;
        } catch (e) {
          failures.push(`client ${c} request ${i}: ${(e as Error).message}`);
        }
      }
    }),
  );
  await until(() => done >= 3, 120_000, 'the load to get going');
  const victim = before[0];
  process.kill(victim, 'SIGKILL');
  await load;
  assert.deepEqual(failures, [], 'every request answered despite the crashed worker');
  await until(() => workers().length === 2 && !workers().includes(victim), 60_000, 'a new worker in place of the killed one');
});

async function serverRetries(): Promise<number> {
  const info = (await (await http('/v1/model')).json()) as { server: { retriedRequests: number } };
  return info.server.retriedRequests;
}

test('the token never reaches a log; SIGTERM stops the server and leaves no process behind', async () => {
  const tree = descendants(server.proc.pid!);
  const cmds = [...tree.values()];
  assert.ok(cmds.some((c) => c.includes('raylet')), 'the local Ray head runs under the server');
  assert.ok(cmds.some((c) => c.includes('bridge.cjs')) && cmds.some((c) => c.includes('dist/worker.js')), 'replicas run the real worker');
  const code = await stopServer(server);
  assert.equal(code, 0, server.output());
  await until(() => [...tree.keys()].every((p) => !alive(p)), 20_000, 'every process of the server to exit');
  const leaked = filesUnder(server.rayDir).filter((f) => {
    try {
      return readFileSync(f).includes(server.token);
    } catch {
      return false;
    }
  });
  assert.deepEqual(leaked, [], 'no log or session file holds the token');
  assert.ok(!server.output().includes(server.token));
  await assert.rejects(fetch(server.url + '/healthz'), 'the port is closed');
});
