// The Hub download against the local stand-in of the Hub's API (test/hub/hubStandIn.ts), through the real
// @huggingface/hub client: cache layout, reuse, resume, checksum, size, gating, offline, refusals.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubStandIn } from '../../../test/hub/hubStandIn';
import { ModelError } from '../errors';
import { RepoCache } from './cacheLayout';
import { downloadSnapshot } from './downloadSnapshot';
import { HubSession } from './hubSession';

const weights = randomBytes(300_000);
const files = () =>
  new Map<string, Buffer>([
    ['config.json', Buffer.from('{"architectures":["DreamModel"]}')],
    ['model.safetensors', weights],
    ['sub/notes.txt', Buffer.from('hello')],
  ]);

let hub: HubStandIn;
let dir: string;
before(async () => {
  hub = await HubStandIn.start({ 'org/tiny': { files: files() }, 'org/gated': { files: files(), gated: 'manual' } });
  hub.tokens.add('hf_good');
  dir = mkdtempSync(join(tmpdir(), 'diffucode-hub-'));
});
after(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pull(repo: string, cacheDir: string, opts: { token?: string; signal?: AbortSignal; endpoint?: string } = {}) {
  const session = new HubSession({ endpoint: opts.endpoint ?? hub.url, token: opts.token, signal: opts.signal });
  const rev = await session.resolve({ repo });
  const cache = new RepoCache(cacheDir, repo);
  return { rev, cache, result: await downloadSnapshot({ session, cache, commit: rev.commit, revision: 'main', files: rev.files, signal: opts.signal }) };
}

/** A local port nothing listens on (a server opened and closed). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const errorOf = async (p: Promise<unknown>): Promise<ModelError> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ModelError, `expected a ModelError, got ${(e as Error)?.stack}`);
    assert.ok(!(e as Error).message.includes('\n'), 'one line');
    return e;
  }
  assert.fail('expected a failure');
};

test('files land in the Hugging Face cache layout: blobs by hash, relative snapshot links, refs/main', async () => {
  const cacheDir = join(dir, 'c1');
  const { rev, cache, result } = await pull('org/tiny', cacheDir);
  assert.equal(result.folder, join(cacheDir, 'models--org--tiny', 'snapshots', rev.commit));
  const sha = createHash('sha256').update(weights).digest('hex');
  assert.deepEqual(readFileSync(cache.blobPath(sha)), weights);
  const link = join(result.folder, 'model.safetensors');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readlinkSync(link), join('..', '..', 'blobs', sha));
  assert.equal(readFileSync(join(result.folder, 'sub', 'notes.txt'), 'utf8'), 'hello');
  assert.equal(readlinkSync(join(result.folder, 'sub', 'notes.txt')), join('..', '..', '..', 'blobs', rev.files.find((f) => f.path === 'sub/notes.txt')!.gitOid!));
  assert.equal(readFileSync(join(cacheDir, 'models--org--tiny', 'refs', 'main'), 'utf8'), rev.commit);
  assert.equal(result.fetchedBytes, weights.length + 5 + 32);
});

test('a snapshot already in the cache is reused without a request for its bytes', async () => {
  const cacheDir = join(dir, 'c2');
  await pull('org/tiny', cacheDir);
  const before = hub.bytesServed('org/tiny', 'model.safetensors');
  const n = hub.log.length;
  const { result } = await pull('org/tiny', cacheDir);
  assert.equal(result.fetchedBytes, 0);
  assert.equal(hub.bytesServed('org/tiny', 'model.safetensors'), before);
  assert.ok(hub.log.slice(n).every((r) => r.path.startsWith('/api/')), 'only the info and tree calls: ' + JSON.stringify(hub.log.slice(n)));
  assert.ok(result.files.every((f) => f.source === 'snapshot'));
});

test('an interrupted download resumes with a Range request: the bytes on disk are not fetched again', async () => {
  const cacheDir = join(dir, 'c3');
  hub.cutAfter.set('org/tiny/model.safetensors', 120_000);
  const e = await errorOf(pull('org/tiny', cacheDir));
  assert.equal(e.file, 'model.safetensors');
  assert.equal(e.kind, 'failed');
  const sha = createHash('sha256').update(weights).digest('hex');
  const partial = join(cacheDir, 'models--org--tiny', 'blobs', sha + '.incomplete');
  const have = statSync(partial).size;
  assert.ok(have > 0 && have <= 120_000, `kept ${have} bytes`);
  const n = hub.log.length;
  const { result } = await pull('org/tiny', cacheDir);
  const data = hub.log.slice(n).filter((r) => r.path.startsWith('/cdn/') && r.range !== 'bytes=0-0');
  assert.deepEqual(data.map((r) => r.range), [`bytes=${have}-${weights.length - 1}`]);
  assert.equal(result.fetchedBytes, weights.length - have + 'hello'.length, 'the rest of the shard, then the file after it');
  assert.deepEqual(readFileSync(join(result.folder, 'model.safetensors')), weights);
  assert.ok(!existsSync(partial));
});

test('a flipped byte fails the sha256 check: the partial file is deleted and the error names the file', async () => {
  const cacheDir = join(dir, 'c4');
  const bad = Buffer.from(weights);
  bad[1234] ^= 0xff;
  hub.tamper.set('org/tiny/model.safetensors', bad);
  try {
    const e = await errorOf(pull('org/tiny', cacheDir));
    assert.equal(e.code, 'CHECKSUM');
    assert.equal(e.file, 'model.safetensors');
    assert.match(e.message, /model\.safetensors failed its checksum/);
    const sha = createHash('sha256').update(weights).digest('hex');
    assert.ok(!existsSync(join(cacheDir, 'models--org--tiny', 'blobs', sha)));
    assert.ok(!existsSync(join(cacheDir, 'models--org--tiny', 'blobs', sha + '.incomplete')));
  } finally {
    hub.tamper.delete('org/tiny/model.safetensors');
  }
});

test('more bytes than the tree states are refused', async () => {
  const cacheDir = join(dir, 'c5');
  hub.tamper.set('org/tiny/model.safetensors', Buffer.concat([weights, Buffer.alloc(10)]));
  try {
    const e = await errorOf(pull('org/tiny', cacheDir));
    assert.equal(e.code, 'SIZE_MISMATCH');
    assert.equal(e.kind, 'input');
  } finally {
    hub.tamper.delete('org/tiny/model.safetensors');
  }
});

test('a gated repo: refused without a token (one line, the page to accept), downloaded with one', async () => {
  const e = await errorOf(pull('org/gated', join(dir, 'c6')));
  assert.equal(e.code, 'GATED');
  assert.match(e.message, /org\/gated is gated: accept its terms on http:\/\/127\.0\.0\.1:\d+\/org\/gated/);
  const wrong = await errorOf(pull('org/gated', join(dir, 'c6'), { token: 'hf_wrong' }));
  assert.match(wrong.message, /this token has no access/);
  const { result } = await pull('org/gated', join(dir, 'c6'), { token: 'hf_good' });
  assert.deepEqual(readFileSync(join(result.folder, 'model.safetensors')), weights);
});

test('an unknown repo and an unreachable Hub are one clear line each', async () => {
  const e = await errorOf(pull('org/nope', join(dir, 'c7')));
  assert.equal(e.code, 'REPO_NOT_FOUND');
  assert.equal(e.kind, 'input');
  const port = await closedPort();
  const off = await errorOf(pull('org/tiny', join(dir, 'c7'), { endpoint: `http://127.0.0.1:${port}` }));
  assert.equal(off.code, 'OFFLINE');
  assert.equal(off.message, `cannot reach the Hub at http://127.0.0.1:${port} (ECONNREFUSED); check the network, or HF_ENDPOINT`);
});

test('cancel stops the download with the partial file kept for a resume', async () => {
  const ac = new AbortController();
  const cacheDir = join(dir, 'c8');
  const session = new HubSession({ endpoint: hub.url, signal: ac.signal });
  const rev = await session.resolve({ repo: 'org/tiny' });
  const cache = new RepoCache(cacheDir, 'org/tiny');
  const p = downloadSnapshot({ session, cache, commit: rev.commit, files: rev.files, signal: ac.signal, onProgress: (pr) => pr.file === 'model.safetensors' && ac.abort() });
  const e = await errorOf(p);
  assert.equal(e.code, 'CANCELLED');
});

test('a tampered cache link pointing outside the repo folder is not trusted', async () => {
  const cacheDir = join(dir, 'c9');
  const { rev, result } = await pull('org/tiny', cacheDir);
  const outside = join(dir, 'outside.txt');
  writeFileSync(outside, 'hello');
  const link = join(result.folder, 'sub', 'notes.txt');
  rmSync(link);
  symlinkSync(outside, link);
  const cache = new RepoCache(cacheDir, 'org/tiny');
  assert.equal(await cache.cachedFile(rev.commit, 'sub/notes.txt', 5), undefined);
});
