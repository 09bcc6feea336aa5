// Getting a model from the Hub, end to end, against the local stand-in of the Hub's API (test/hub/hubStandIn.ts)
// serving the project's tiny random checkpoints of every family (training/hf/make_tiny_checkpoint.py) and a tiny
// GGUF (training/tests/test_gguf.py's writer): `diffucode pull` / pullModel through the real @huggingface/hub client,
// the TypeScript converter, the models store, then a fill through the real CLI and worker. And every way it must refuse or recover: resume
// after a cut, a flipped byte, no disk space, gated, offline, hostile names, symlinks in the store, a causal model,
// a licence not accepted, a Hugging Face cache that already holds the files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubStandIn, filesOf, type StandInRepo } from '../hub/hubStandIn';
import { buildOnce, cli, CLI, ROOT } from './helpers';
import { pullModel, type PullOptions } from '../../src/models/pull';
import { ModelError } from '../../src/models/errors';
import { listInstalledModels } from '../../src/models/store/modelStore';

const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const TOKEN = 'hf_standin_token';

let hub: HubStandIn;
let work: string;
const dream = () => filesOf(join(work, 'ckpt', 'dream'));

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

before(async () => {
  buildOnce();
  work = mkdtempSync(join(tmpdir(), 'diffucode-pull-'));
  for (const family of ['dream', 'llada', 'coda']) run(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', join(work, 'ckpt', family), '--family', family]);
  run(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', join(work, 'ckpt', 'gguf-src'), '--set', 'hidden_size=256', '--set', 'intermediate_size=512']);
  mkdirSync(join(work, 'ckpt', 'gguf'));
  run(PYTHON, ['-c', `import sys; from training.hf.tiny_gguf import write_gguf; write_gguf(sys.argv[1], sys.argv[2], 'Q8_0')`, join(work, 'ckpt', 'gguf-src'), join(work, 'ckpt', 'gguf', 'tiny-dream.Q8_0.gguf')]);
  writeFileSync(join(work, 'ckpt', 'gguf', 'README.md'), '---\nlicense: mit\n---\n# tiny GGUF\n');
  mkdirSync(join(work, 'ckpt', 'causal-gguf'));
  run(PYTHON, ['-c', `import sys; from training.hf.tiny_gguf import write_gguf; write_gguf(sys.argv[1], sys.argv[2], 'Q8_0', arch='qwen2', causal=True)`, join(work, 'ckpt', 'gguf-src'), join(work, 'ckpt', 'causal-gguf', 'coder.Q8_0.gguf')]);
  const causal = dream();
  causal.set('config.json', Buffer.from(JSON.stringify({ ...JSON.parse(dream().get('config.json')!.toString()), architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' })));
  const nc = dream();
  nc.set('README.md', Buffer.from('---\nlicense: cc-by-nc-4.0\n---\n# non-commercial\n'));
  const hostile = dream();
  hostile.set('../escape.txt', Buffer.from('pwned'));
  const repos: Record<string, StandInRepo> = {
    'org/tiny-dream': { files: dream() },
    'org/tiny-llada': { files: filesOf(join(work, 'ckpt', 'llada')) },
    'Salesforce/CoDA-v0-Instruct': { files: filesOf(join(work, 'ckpt', 'coda')) },
    'org/tiny-gguf': { files: filesOf(join(work, 'ckpt', 'gguf')) },
    'org/causal-gguf': { files: filesOf(join(work, 'ckpt', 'causal-gguf')) },
    'org/gated-dream': { files: dream(), gated: 'manual' },
    'org/causal': { files: causal },
    'org/non-commercial': { files: nc },
    'org/hostile': { files: hostile },
  };
  hub = await HubStandIn.start(repos);
  hub.tokens.add(TOKEN);
});

after(async () => {
  await hub?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** A fresh HF cache and store for one test. */
function env(extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; cache: string; store: string } {
  const base = join(work, `t${n++}`);
  const e = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(base, 'hf'), DIFFUCODE_MODELS: join(base, 'models'), ...extra };
  return { env: e, cache: e.HF_HUB_CACHE, store: e.DIFFUCODE_MODELS };
}

const pull = (model: string, e: NodeJS.ProcessEnv, o: Partial<PullOptions> = {}) => pullModel({ model, env: e, ...o });

async function refusal(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ModelError, `expected a ModelError, got ${(e as Error)?.stack}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return e;
  }
  assert.fail('expected a refusal');
}

/** Nothing that looks like a model, and no staging folder, in a store. */
function storeIsEmpty(store: string): void {
  assert.deepEqual(existsSync(store) ? readdirSync(store) : [], []);
}

const shardBytes = (repo: string) =>
  [...hub.served].filter(([k]) => k.startsWith(repo + '/') && /\.(safetensors|gguf)$/.test(k)).reduce((s, [, v]) => s + v, 0);

test('pull then fill: a tiny Dream checkpoint from the Hub stand-in into the store, filled by the real CLI and worker', async () => {
  const { env: e, store, cache } = env();
  const stages = new Set<string>();
  const r = await pull('org/tiny-dream', e, { onProgress: (p) => stages.add(p.stage) });
  assert.equal(r.folder, join(store, 'org--tiny-dream-int4'));
  for (const stage of ['resolve', 'download', 'done']) assert.ok(stages.has(stage), `progress reported ${stage}`);
  assert.ok(r.snapshot!.startsWith(join(cache, 'models--org--tiny-dream', 'snapshots')));
  const listed = listInstalledModels(store);
  assert.deepEqual(listed.models.map((m) => [m.name, m.family, m.dtype]), [['org--tiny-dream-int4', 'dream', 'int4']]);
  assert.equal(listed.models[0].source, `hf:org/tiny-dream@${hub.commitOf('org/tiny-dream')}`);
  assert.deepEqual(readdirSync(store), ['org--tiny-dream-int4'], 'no staging folder left');
  const src = join(work, 'gap.py');
  writeFileSync(src, 'def add(a, b):\n    return <|mask:4|>\n');
  // A random-weight model writes random tokens: the parse check (on by default) would rightly refuse them.
  const fill = cli(['fill', src, '--model', r.folder, '--seed', '1', '--parse-check', 'off']); // random weights: the pipeline, not the code's quality
  assert.equal(fill.status, 0, fill.stderr);
  assert.match(fill.stdout, /^def add\(a, b\):\n    return /);
  assert.ok(!fill.stdout.includes('<|mask'));
  // The same pull again: already installed, nothing fetched.
  const before = shardBytes('org/tiny-dream');
  const again = await pull('org/tiny-dream', e);
  assert.equal(again.alreadyInstalled, true);
  assert.equal(shardBytes('org/tiny-dream'), before);
});

test('every family pulls and converts (LLaDA; CoDA by its catalog id, its licence asked first)', async () => {
  const { env: e, store } = env();
  await pull('org/tiny-llada', e);
  const asked: string[] = [];
  await pull('coda-1.7b-instruct', e, { acceptLicense: async (q) => (asked.push(`${q.repo} ${q.license.id}`), true) });
  assert.deepEqual(asked, ['Salesforce/CoDA-v0-Instruct cc-by-nc-4.0']);
  assert.deepEqual(
    listInstalledModels(store).models.map((m) => [m.name, m.family, m.dtype]),
    [
      ['Salesforce--CoDA-v0-Instruct-int4', 'coda', 'int4'],
      ['org--tiny-llada-int4', 'llada', 'int4'],
    ],
  );
});

test('a GGUF file: --file picks it (with the card beside it), its header judged first and not fetched twice', async () => {
  const { env: e, store } = env();
  const file = 'tiny-dream.Q8_0.gguf';
  const size = filesOf(join(work, 'ckpt', 'gguf')).get(file)!.length;
  assert.ok(size > 262144, `the tiny GGUF is ${size} bytes`);
  const log = hub.log.length;
  await pull('org/tiny-gguf', e, { file, dtype: 'int8' });
  const ranges = hub.log.slice(log).filter((q) => q.path.startsWith('/cdn/') && q.path.includes(file) && q.range !== 'bytes=0-0').map((q) => q.range);
  assert.deepEqual(ranges, ['bytes=0-262143', `bytes=262144-${size - 1}`], 'the header, then only the rest');
  assert.deepEqual(listInstalledModels(store).models.map((m) => [m.name, m.family, m.dtype]), [['org--tiny-gguf--tiny-dream.Q8_0-int8', 'dream', 'int8']]);
  const e2 = await refusal(pull('org/tiny-gguf', env().env));
  assert.match(e2.message, /holds GGUF files; choose one with --file \(tiny-dream\.Q8_0\.gguf\)/);
  const e3 = await refusal(pull('org/tiny-gguf', env().env, { file: 'nope.gguf' }));
  assert.equal(e3.code, 'FILE_NOT_FOUND');
});

test('interrupted mid-file, then resumed: the bytes already on disk are not fetched again; no model folder in between', async () => {
  const { env: e, store, cache } = env();
  const shard = 'model-00001-of-00002.safetensors';
  const size = dream().get(shard)!.length;
  hub.cutAfter.set(`org/tiny-dream/${shard}`, 100_000);
  const cut = await refusal(pull('org/tiny-dream', e));
  assert.equal(cut.kind, 'failed');
  assert.equal(cut.file, shard);
  assert.match(cut.message, new RegExp(`${shard.replace(/\./g, '\\.')}`));
  storeIsEmpty(store);
  const blobs = join(cache, 'models--org--tiny-dream', 'blobs');
  const partial = readdirSync(blobs).find((f) => f.endsWith('.incomplete'))!;
  const have = statSync(join(blobs, partial)).size;
  assert.ok(have > 0 && have <= 100_000);
  const log = hub.log.length;
  const r = await pull('org/tiny-dream', e);
  const ranges = hub.log.slice(log).filter((q) => q.path.startsWith('/cdn/') && q.path.includes(shard) && q.range !== 'bytes=0-0').map((q) => q.range);
  assert.deepEqual(ranges, [`bytes=${have}-${size - 1}`], 'one request for the rest of the shard only');
  assert.ok(existsSync(join(r.folder, 'manifest.json')));
});

test('a flipped byte is refused naming the file; nothing half-written stays', async () => {
  const { env: e, store, cache } = env();
  const shard = 'model-00002-of-00002.safetensors';
  const bad = Buffer.from(dream().get(shard)!);
  bad[bad.length - 7] ^= 0x01;
  hub.tamper.set(`org/tiny-dream/${shard}`, bad);
  try {
    const err = await refusal(pull('org/tiny-dream', e));
    assert.equal(err.code, 'CHECKSUM');
    assert.equal(err.file, shard);
    assert.match(err.message, /^model-00002-of-00002\.safetensors failed its checksum \(sha256 /);
  } finally {
    hub.tamper.clear();
  }
  storeIsEmpty(store);
  assert.ok(!readdirSync(join(cache, 'models--org--tiny-dream', 'blobs')).some((f) => f.endsWith('.incomplete')));
});

/** A tiny tmpfs (root and mount available), else undefined. */
function tinyTmpfs(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=192k', 'tmpfs', dir]);
  return r.status === 0 ? dir : undefined;
}

test('no space left: refused before any weight is fetched (a 192 kB tmpfs when mount works, else a forced statfs figure)', async () => {
  const { env: e, store } = env();
  const mnt = tinyTmpfs(join(work, 'tiny-disk'));
  const before = shardBytes('org/tiny-dream');
  try {
    const opts: Partial<PullOptions> = mnt ? {} : { freeBytes: async () => 150_000 };
    const err = await refusal(pull('org/tiny-dream', { ...e, HF_HUB_CACHE: mnt ? join(mnt, 'hf') : e.HF_HUB_CACHE }, opts));
    assert.equal(err.code, 'NO_SPACE');
    assert.equal(err.kind, 'input');
    assert.match(err.message, /^not enough disk space: the download needs .* free$/);
    assert.equal(shardBytes('org/tiny-dream'), before, 'no weight fetched');
    storeIsEmpty(store);
  } finally {
    if (mnt) spawnSync('umount', [mnt]);
  }
});

test('gated: refused without a token (no weight fetched), pulled with one', async () => {
  const { env: e } = env();
  const before = shardBytes('org/gated-dream');
  const err = await refusal(pull('org/gated-dream', e));
  assert.equal(err.code, 'GATED');
  assert.match(err.message, /^org\/gated-dream is gated: accept its terms on http:\/\/127\.0\.0\.1:\d+\/org\/gated-dream, then set HF_TOKEN/);
  assert.equal(shardBytes('org/gated-dream'), before);
  const r = await pull('org/gated-dream', { ...e, HF_TOKEN: TOKEN });
  assert.ok(existsSync(join(r.folder, 'model.onnx')));
});

test('offline (nothing listening at HF_ENDPOINT): one clear line', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const { env: e, store } = env({ HF_ENDPOINT: `http://127.0.0.1:${port}` });
  const err = await refusal(pull('org/tiny-dream', e));
  assert.equal(err.code, 'OFFLINE');
  assert.equal(err.message, `cannot reach the Hub at http://127.0.0.1:${port} (ECONNREFUSED); check the network, or HF_ENDPOINT`);
  storeIsEmpty(store);
});

test('hostile names: a repo file "../x" refuses the repo, nothing written outside the store; a bad id or --file too', async () => {
  const { env: e, cache } = env();
  const err = await refusal(pull('org/hostile', e));
  assert.equal(err.code, 'UNSAFE_NAME');
  assert.match(err.message, /^refusing the repository file "\.\.\/escape\.txt": a "\.\." path segment$/);
  const found = spawnSync('find', [work, '-name', 'escape.txt']).stdout.toString();
  assert.equal(found, '');
  assert.ok(!existsSync(join(cache, 'models--org--hostile', 'blobs')), 'not even a blob');
  await assert.rejects(pull('../../etc', e), /not a Hub model id/);
  await assert.rejects(pull('org/tiny-gguf', e, { file: '/etc/passwd.gguf' }), /absolute path/);
  await assert.rejects(pull('org/tiny-gguf', e, { file: '../x.gguf' }), /"\.\." path segment/);
});

test('a symlink in the store: never listed, and a pull onto it is refused', async () => {
  const { env: e, store } = env();
  mkdirSync(store, { recursive: true });
  const elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere, { recursive: true });
  symlinkSync(elsewhere, join(store, 'org--tiny-dream-int4'));
  const err = await refusal(pull('org/tiny-dream', e));
  assert.equal(err.code, 'UNSAFE_STORE');
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.deepEqual(listInstalledModels(store).models, []);
});

test('a causal GGUF is refused from its first 256 kB, before the rest is fetched', async () => {
  const { env: e, store } = env();
  const err = await refusal(pull('org/causal-gguf', e, { file: 'coder.Q8_0.gguf' }));
  assert.equal(err.code, 'CAUSAL_MODEL');
  assert.match(err.message, /^org\/causal-gguf\/coder\.Q8_0\.gguf is a causal \(left-to-right\) qwen2 model \(qwen2\.attention\.causal is true\)/);
  assert.ok(shardBytes('org/causal-gguf') <= 262144 + 1, `fetched ${shardBytes('org/causal-gguf')} bytes`);
  storeIsEmpty(store);
});

test('a causal model is refused from its config.json, before any weight is fetched', async () => {
  const { env: e, store } = env();
  const err = await refusal(pull('org/causal', e));
  assert.equal(err.code, 'CAUSAL_MODEL');
  assert.equal(shardBytes('org/causal'), 0);
  storeIsEmpty(store);
});

test('a non-commercial licence is shown and must be accepted before the download starts', async () => {
  const { env: e, store } = env();
  const err = await refusal(pull('org/non-commercial', e));
  assert.equal(err.code, 'LICENCE_DECLINED');
  assert.match(err.message, /org\/non-commercial is under cc-by-nc-4\.0 .*accept it/);
  assert.equal(shardBytes('org/non-commercial'), 0);
  storeIsEmpty(store);
  const r = await pull('org/non-commercial', e, { acceptLicense: async () => true });
  assert.ok(existsSync(r.folder));
});

test('an unknown repo: one line, exit 2 kind', async () => {
  const err = await refusal(pull('org/missing', env().env));
  assert.equal(err.code, 'REPO_NOT_FOUND');
  assert.equal(err.kind, 'input');
});

test('a snapshot the Hugging Face tools already downloaded is reused without any request for its bytes', async () => {
  const { env: e, cache, store } = env();
  // Lay the files out as huggingface-cli does: blobs named by hash, relative links from snapshots/<commit>/.
  const commit = hub.commitOf('org/tiny-dream');
  const first = await pull('org/tiny-dream', { ...e, DIFFUCODE_MODELS: join(store, '..', 'scratch') });
  assert.ok(first.fetchedBytes > 0);
  rmSync(join(store, '..', 'scratch'), { recursive: true });
  const log = hub.log.length;
  const r = await pull('org/tiny-dream', e);
  assert.equal(r.fetchedBytes, 0);
  assert.equal(r.snapshot, join(cache, 'models--org--tiny-dream', 'snapshots', commit));
  const requests = hub.log.slice(log);
  assert.ok(requests.every((q) => q.path.startsWith('/api/models/')), `only the revision and tree calls, got ${JSON.stringify(requests.map((q) => q.path))}`);
  assert.ok(existsSync(join(r.folder, 'manifest.json')));
});

/** `diffucode ARGS` with the stand-in's environment (HOME too, so no real cache or store is touched). Asynchronous:
 *  the stand-in serves from this process, which a spawnSync would block. */
function diffucode(args: string[], e: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, HF_TOKEN: '', ...e, HOME: join(work, 'home') } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve) => child.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr }))));
}

test('CLI: diffucode pull prints the model folder last, diffucode models lists it, diffucode fill uses it', async () => {
  const { env: e, store } = env();
  const r = await diffucode(['pull', 'org/tiny-dream', '--dtype', 'int8'], e);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[lines.length - 1], join(store, 'org--tiny-dream-int8'));
  assert.match(r.stderr, /resolving org\/tiny-dream/);
  assert.match(r.stderr, /downloading .*safetensors: .* of .* \(\d+ %\)/);
  assert.match(r.stderr, /converted to int8/);
  const m = await diffucode(['models'], e);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /^NAME\s+FAMILY\s+DTYPE\s+SIZE\s+FOLDER\norg--tiny-dream-int8\s+dream\s+int8\s+\d+(\.\d+)? [kM]B\s+\S+org--tiny-dream-int8\n$/);
  const src = join(work, 'cli-gap.py');
  writeFileSync(src, 'x = <|mask:3|>\n');
  const fill = cli(['fill', src, '--model', lines[lines.length - 1], '--parse-check', 'off']); // random weights
  assert.equal(fill.status, 0, fill.stderr);
  // Again: already installed, the same folder, nothing downloaded.
  const again = await diffucode(['pull', 'org/tiny-dream', '--dtype', 'int8'], e);
  assert.equal(again.status, 0);
  assert.match(again.stderr, /already installed/);
  assert.equal(again.stdout.trim(), lines[lines.length - 1]);
});

test('CLI exit codes: bad input 2 (one line), a failed download 1 naming the file, --out DIR, a licence flag', async () => {
  const { env: e, store } = env();
  const oneLine = (s: string) => s.trim().split('\n').filter((l) => l.startsWith('diffucode pull:'));
  const missing = await diffucode(['pull', 'org/missing'], e);
  assert.equal(missing.status, 2);
  assert.equal(oneLine(missing.stderr).length, 1);
  assert.match(missing.stderr, /diffucode pull: no model org\/missing on http:\/\/127\.0\.0\.1:\d+/);
  assert.equal((await diffucode(['pull', 'org/gated-dream'], e)).status, 2);
  assert.equal((await diffucode(['pull', 'org/causal'], e)).status, 2);
  assert.equal((await diffucode(['pull', 'org/hostile'], e)).status, 2);
  assert.equal((await diffucode(['pull', 'org/tiny-dream', '--dtype', 'int3'], e)).status, 2);
  const nc = await diffucode(['pull', 'org/non-commercial'], e);
  assert.equal(nc.status, 2);
  assert.match(nc.stderr, /org\/non-commercial is under cc-by-nc-4\.0: http.*\n.*--accept-license/);
  hub.tamper.set('org/tiny-dream/model-00001-of-00002.safetensors', Buffer.alloc(dream().get('model-00001-of-00002.safetensors')!.length));
  try {
    const bad = await diffucode(['pull', 'org/tiny-dream'], e);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /diffucode pull: model-00001-of-00002\.safetensors failed its checksum/);
  } finally {
    hub.tamper.clear();
  }
  storeIsEmpty(store);
  const out = join(work, 'by-hand', 'my-model');
  const ok = await diffucode(['pull', 'org/non-commercial', '--accept-license', '--out', out], e);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split('\n').pop(), out);
  assert.ok(existsSync(join(out, 'manifest.json')));
  assert.deepEqual(readdirSync(join(work, 'by-hand')), ['my-model'], 'no staging folder beside --out');
  assert.equal((await diffucode(['pull', 'org/non-commercial', '--accept-license', '--out', out], e)).status, 2, 'an existing --out is refused');
});

test('CLI: Ctrl+C during the download exits 130, keeps the partial file, and the next run fetches only the rest', async () => {
  const { env: e, cache, store } = env();
  const shard = 'model-00001-of-00002.safetensors';
  const size = dream().get(shard)!.length;
  // A slow link for the shard, so the signal arrives mid-file.
  hub.slow.set(`org/tiny-dream/${shard}`, 200);
  const blobs = join(cache, 'models--org--tiny-dream', 'blobs');
  const partialSize = () => {
    const f = existsSync(blobs) ? readdirSync(blobs).find((n) => n.endsWith('.incomplete')) : undefined;
    return f ? statSync(join(blobs, f)).size : 0;
  };
  const child = spawn(process.execPath, [CLI, 'pull', 'org/tiny-dream'], { cwd: ROOT, env: { ...process.env, HF_TOKEN: '', ...e, HOME: join(work, 'home') } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setInterval(() => {
      if (partialSize() >= 32768) {
        clearInterval(t);
        child.kill('SIGINT');
      }
    }, 20);
    child.on('exit', (c) => (clearInterval(t), resolve(c)));
  });
  hub.slow.clear();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /diffucode pull: interrupted; run the same command again to resume the download/);
  const have = partialSize();
  assert.ok(have >= 32768 && have < size, `kept ${have} of ${size} bytes`);
  storeIsEmpty(store);
  const log = hub.log.length;
  const r = await diffucode(['pull', 'org/tiny-dream'], e);
  assert.equal(r.status, 0, r.stderr);
  const ranges = hub.log.slice(log).filter((q) => q.path.startsWith('/cdn/') && q.path.includes(shard) && q.range !== 'bytes=0-0').map((q) => q.range);
  assert.deepEqual(ranges, [`bytes=${have}-${size - 1}`]);
  assert.ok(!readdirSync(blobs).some((f) => f.endsWith('.incomplete')));
});
