import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkModelName, cleanStaleStaging, defaultStoreDir, installFolder, listInstalledModels, modelNameFor, openStore, stagingFolder } from './modelStore';

const tmp = () => mkdtempSync(join(tmpdir(), 'diffucode-store-'));

function fakeModel(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ contract: 'diffucode-model/1', name, family: 'llada', weights: { dtype: 'int8' }, provenance: { source: 'hf:org/x@abc' }, ...extra }));
  writeFileSync(join(dir, 'model.onnx'), Buffer.alloc(1000));
  return dir;
}

test('the default store: DIFFUCODE_MODELS, else the OS cache folder', () => {
  assert.equal(defaultStoreDir({ DIFFUCODE_MODELS: '/m' }, 'linux'), '/m');
  assert.equal(defaultStoreDir({ HOME: '/h' }, 'linux'), '/h/.cache/diffucode/models');
  assert.equal(defaultStoreDir({ HOME: '/h', XDG_CACHE_HOME: '/x' }, 'linux'), '/x/diffucode/models');
  assert.equal(defaultStoreDir({ HOME: '/h' }, 'darwin'), '/h/Library/Caches/diffucode/models');
  assert.match(defaultStoreDir({ HOME: '/h', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32'), /diffucode.models$/);
});

test('model names: one plain folder name, never a staging name', () => {
  assert.equal(modelNameFor('apple/DiffuCoder-7B-cpGRPO', 'int4'), 'apple--DiffuCoder-7B-cpGRPO-int4');
  assert.equal(modelNameFor('org/x-GGUF', 'int8', 'x.Q4_K_M.gguf'), 'org--x-GGUF--x.Q4_K_M-int8');
  for (const bad of ['../x', 'a/b', '.partial-x', '.hidden', '', 'a..b', 'a b'])
    assert.throws(() => checkModelName(bad), /not a usable model name/, bad);
});

test('listInstalledModels reads manifests; staging folders, hidden entries and symlinks are never listed', async () => {
  const store = await openStore(join(tmp(), 'store'));
  fakeModel(join(store, 'good-int8'), 'good');
  fakeModel(join(store, '.partial-half-123-abcdef01'), 'half');
  mkdirSync(join(store, 'no-manifest'));
  const elsewhere = fakeModel(join(tmp(), 'elsewhere'), 'evil');
  symlinkSync(elsewhere, join(store, 'linked'));
  const withLink = fakeModel(join(store, 'inner-link'), 'inner');
  symlinkSync('/etc/passwd', join(withLink, 'model.onnx.data'));
  const l = listInstalledModels(store);
  assert.deepEqual(
    l.models.map((m) => [m.name, m.modelName, m.family, m.dtype, m.sizeBytes > 1000, m.source]),
    [['good-int8', 'good', 'llada', 'int8', true, 'hf:org/x@abc']],
  );
  assert.equal(l.problems.length, 3, l.problems.join('\n'));
  assert.ok(l.problems.some((p) => /^linked: .* is a symlink/.test(p)));
  assert.ok(l.problems.some((p) => /^inner-link: .*model\.onnx\.data is a symlink/.test(p)));
  assert.ok(l.problems.some((p) => /^no-manifest: /.test(p)));
  assert.deepEqual(listInstalledModels(join(store, 'missing')), { models: [], problems: [] });
});

test('a store that is itself a symlink is refused', async () => {
  const d = tmp();
  mkdirSync(join(d, 'real'));
  symlinkSync(join(d, 'real'), join(d, 'link'));
  await assert.rejects(openStore(join(d, 'link')), /is a symlink/);
});

test('install renames a finished folder into place; refuses a folder with a symlink, one without a manifest, an existing name', async () => {
  const store = await openStore(join(tmp(), 'store'));
  const stage = await stagingFolder(store, 'm-int4');
  assert.match(stage, /\.partial-m-int4-\d+-[0-9a-f]{8}$/);
  assert.deepEqual(listInstalledModels(store).models, []);
  const built = fakeModel(join(stage, 'model'), 'm');
  assert.equal(await installFolder(built, join(store, 'm-int4')), join(store, 'm-int4'));
  assert.deepEqual(listInstalledModels(store).models.map((m) => m.name), ['m-int4']);
  const again = fakeModel(join(stage, 'model'), 'm');
  await assert.rejects(installFolder(again, join(store, 'm-int4')), /already exists/);
  symlinkSync('/etc', join(again, 'etc'));
  await assert.rejects(installFolder(again, join(store, 'other')), /is a symlink/);
  rmSync(join(again, 'etc'));
  rmSync(join(again, 'manifest.json'));
  await assert.rejects(installFolder(again, join(store, 'other')), /no manifest\.json/);
  assert.ok(!existsSync(join(store, 'other')));
});

test('stale staging folders (their process gone, or a week old) are cleaned; a live one is kept', async () => {
  const store = await openStore(join(tmp(), 'store'));
  // A pid that is certainly gone: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  mkdirSync(join(store, `.partial-a-${dead}-0123abcd`));
  const live = join(store, `.partial-b-${process.ppid}-0123abcd`);
  mkdirSync(live);
  const old = join(store, `.partial-c-${process.ppid}-89abcdef`);
  mkdirSync(old);
  const weekAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
  utimesSync(old, weekAgo, weekAgo);
  const removed = await cleanStaleStaging(store);
  assert.deepEqual(removed.sort(), [`.partial-a-${dead}-0123abcd`, `.partial-c-${process.ppid}-89abcdef`]);
  assert.deepEqual(readdirSync(store), [`.partial-b-${process.ppid}-0123abcd`]);
});
