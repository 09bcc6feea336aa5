import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from './manifest';
import { checkMemory, estimateMemory } from './memory';

const good = () => ({
  contract: 'diffucode-model/1',
  name: 't',
  graph: 'model.onnx',
  tokenizer: 'tokenizer.json',
  vocabSize: 300,
  contextLength: 64,
  shiftedLogits: true,
  tokens: { bos: 2, eos: 0, pad: 0, mask: 1, expand: null, stop: [0] },
  io: { inputIds: 'input_ids', positions: 'positions', logits: 'logits' },
  card: 'MODEL_CARD.md',
});

function folder(manifest: unknown, files = ['model.onnx', 'tokenizer.json', 'MODEL_CARD.md']): string {
  const dir = mkdtempSync(join(tmpdir(), 'dc-manifest-'));
  for (const f of files) writeFileSync(join(dir, f), 'x');
  if (manifest !== undefined) writeFileSync(join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return dir;
}

function expectError(manifest: unknown, re: RegExp, files?: string[]) {
  const dir = folder(manifest, files);
  try {
    assert.throws(() => readManifest(dir), re);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test('a valid folder is read; the card path is resolved', () => {
  const dir = folder(good());
  try {
    const f = readManifest(dir);
    assert.equal(f.manifest.name, 't');
    assert.ok(f.cardPath?.endsWith('MODEL_CARD.md'));
    assert.equal(f.weightsBytes, 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('missing folder, manifest, graph or tokenizer are named', () => {
  assert.throws(() => readManifest('/nonexistent/model'), /does not exist/);
  expectError(undefined, /manifest.json is missing/);
  expectError(good(), /graph model.onnx is missing/, ['tokenizer.json']);
  expectError(good(), /tokenizer tokenizer.json is missing/, ['model.onnx']);
});

test('wrong contract version and broken JSON', () => {
  expectError({ ...good(), contract: 'diffucode-model/2' }, /contract is "diffucode-model\/2", this runtime reads "diffucode-model\/1"/);
  expectError('{nope', /not valid JSON/);
});

test('special ids outside the vocabulary', () => {
  expectError({ ...good(), tokens: { ...good().tokens, mask: 300 } }, /tokens.mask = 300 is outside the vocabulary/);
  expectError({ ...good(), tokens: { ...good().tokens, stop: [0, 999] } }, /tokens.stop\[1\] = 999/);
  expectError({ ...good(), tokens: { ...good().tokens, expand: -1 } }, /tokens.expand/);
  expectError({ ...good(), tokens: { ...good().tokens, stop: [1] } }, /must not contain the mask/);
});

test('bad field types and paths escaping the folder', () => {
  expectError({ ...good(), shiftedLogits: 'yes' }, /shiftedLogits/);
  expectError({ ...good(), vocabSize: 1.5 }, /vocabSize/);
  expectError({ ...good(), io: { inputIds: 'input_ids' } }, /io.positions/);
  expectError({ ...good(), graph: '../model.onnx' }, /inside the model folder/);
});

test('the memory estimate refuses a model that does not fit', () => {
  const need = estimateMemory(100e6, 8192, 1024);
  assert.ok(need > 200e6);
  assert.throws(() => checkMemory(need, need - 1), /needs about \d+ MB of memory but only \d+ MB is available/);
  assert.equal(checkMemory(need, need + 1).bytes, need);
});

test('a bad recommended sampler fails when the folder is read, not on every request', () => {
  expectError({ ...good(), sampler: { algorithm: 'entropy', stepsPerToken: 25 } }, /recommended "sampler" is invalid: sampler.stepsPerToken must be a number in \(0, 1\]/);
  expectError({ ...good(), sampler: { algorithm: 'fastest' } }, /recommended "sampler" is invalid: sampler.algorithm must be one of/);
  const dir = folder({ ...good(), sampler: { algorithm: 'entropy', stepsPerToken: 0.25, temperature: 0.3, topP: 0.95 } });
  try {
    assert.equal(readManifest(dir).manifest.sampler?.stepsPerToken, 0.25);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('special ids the contract needs distinct: mask (and expand) differ from bos, eos, pad, stop', () => {
  const t = good().tokens;
  expectError({ ...good(), tokens: { ...t, mask: 2 } }, /tokens\.mask and tokens\.bos are both 2; the mask id must differ from every other special id/);
  expectError({ ...good(), tokens: { ...t, pad: 1 } }, /tokens\.mask and tokens\.pad are both 1/);
  expectError({ ...good(), tokens: { ...t, expand: 1 } }, /tokens\.expand and tokens\.mask are both 1/);
  expectError({ ...good(), tokens: { ...t, expand: 2 } }, /tokens\.expand and tokens\.bos are both 2/);
  expectError({ ...good(), tokens: { ...t, expand: 5, stop: [0, 5] } }, /tokens\.stop must not contain the expand id/);
  // bos, eos and pad may coincide (Qwen-family models share <|endoftext|>); eos is normally a stop token too
  const dir = folder({ ...good(), tokens: { bos: 0, eos: 0, pad: 0, mask: 1, expand: 3, stop: [0] } });
  try {
    assert.equal(readManifest(dir).manifest.tokens.expand, 3);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

// Run readManifest as an unprivileged user (root reads everything, so as root the probe runs as `nobody`).
function readAsUser(dir: string): string {
  const root = join(__dirname, '..', '..', '..');
  const probe = join(dir, '..', `probe-${process.pid}.ts`);
  writeFileSync(probe, `import { readManifest } from ${JSON.stringify(join(__dirname, 'manifest.ts'))};\ntry { readManifest(${JSON.stringify(dir)}); console.log('OK'); } catch (e) { console.log((e as Error).message); }\n`);
  chmodSync(probe, 0o644);
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe], { cwd: root, encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {}) });
  rmSync(probe);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('an unreadable folder or file is "permission denied: PATH", not missing or bad JSON', () => {
  const parent = mkdtempSync(join(tmpdir(), 'dc-perm-'));
  chmodSync(parent, 0o755);
  const dir = join(parent, 'model');
  mkdirSync(dir);
  for (const f of ['model.onnx', 'tokenizer.json', 'MODEL_CARD.md']) writeFileSync(join(dir, f), 'x');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(good()));
  try {
    chmodSync(dir, 0o755);
    assert.equal(readAsUser(dir), 'OK');
    for (const f of ['manifest.json', 'model.onnx', 'tokenizer.json']) {
      chmodSync(join(dir, f), 0o000);
      assert.equal(readAsUser(dir), `permission denied: ${join(dir, f)}`, f);
      chmodSync(join(dir, f), 0o644);
    }
    chmodSync(dir, 0o000);
    assert.equal(readAsUser(dir), `permission denied: ${join(dir, 'manifest.json')}`, 'folder without any access');
    chmodSync(dir, 0o644); // listable names, but nothing inside can be opened
    assert.match(readAsUser(dir), /^permission denied: /);
  } finally {
    chmodSync(dir, 0o755);
    rmSync(parent, { recursive: true, force: true });
  }
});
