import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '../../engine/model/manifest';
import { formatBytes, listRecent, MAX_RECENT_MODELS, modelSummary, rememberModel, sameFolder, sanitizeRecent } from './recentModels';

test('rememberModel puts the newest first, without duplicates', () => {
  let list: string[] = [];
  list = rememberModel(list, '/models/a', 5, 'linux');
  list = rememberModel(list, '/models/b', 5, 'linux');
  list = rememberModel(list, '/models/c', 5, 'linux');
  assert.deepEqual(list, ['/models/c', '/models/b', '/models/a']);
  // Using an older entry again moves it to the front instead of adding a second copy.
  list = rememberModel(list, '/models/a', 5, 'linux');
  assert.deepEqual(list, ['/models/a', '/models/c', '/models/b']);
});

test('rememberModel keeps at most five, dropping the oldest', () => {
  let list: string[] = [];
  for (const n of [1, 2, 3, 4, 5, 6, 7]) list = rememberModel(list, `/m/${n}`, MAX_RECENT_MODELS, 'linux');
  assert.deepEqual(list, ['/m/7', '/m/6', '/m/5', '/m/4', '/m/3']);
});

test('the same folder written differently counts once', () => {
  const list = rememberModel(['/models/a/', '/models/b'], '/models/./a', 5, 'linux');
  assert.deepEqual(list, ['/models/./a', '/models/b']);
  assert.ok(sameFolder('C:\\Models\\DiffuCoder', 'c:\\models\\diffucoder\\', 'win32'));
  assert.ok(!sameFolder('/Models/DiffuCoder', '/models/diffucoder', 'linux'));
});

test('sanitizeRecent ignores what globalState should never hold', () => {
  assert.deepEqual(sanitizeRecent(undefined), []);
  assert.deepEqual(sanitizeRecent('/models/a'), []);
  assert.deepEqual(sanitizeRecent([42, null, '', '  ', '/models/a', { p: 1 }, '/models/a', '/models/b'], 5, 'linux'), ['/models/a', '/models/b']);
  assert.deepEqual(rememberModel({ broken: true }, '/models/x', 5, 'linux'), ['/models/x']);
});

test('listRecent hides missing folders and the ones shown elsewhere, but does not forget them', () => {
  const stored = ['/m/gone', '/m/in-use', '/m/here', '/m/also-here'];
  const exists = (f: string) => f !== '/m/gone';
  assert.deepEqual(listRecent(stored, exists, ['/m/in-use', ''], 'linux'), ['/m/here', '/m/also-here']);
  // The stored list still has the missing folder: remembering another model keeps it (until the cap ages it out).
  assert.deepEqual(rememberModel(stored, '/m/new', 5, 'linux'), ['/m/new', '/m/gone', '/m/in-use', '/m/here', '/m/also-here']);
});

test('modelSummary names the model, family, vocabulary, context, size and licence', () => {
  const m = {
    name: 'diffucoder-7b-cpgrpo',
    family: 'dream',
    vocabSize: 151_936,
    contextLength: 4096,
    license: 'apple-amlr',
  } as Manifest;
  assert.equal(modelSummary(m, 15_230_000_000), 'diffucoder-7b-cpgrpo · dream · vocab 151,936 · context 4,096 · 15.2 GB · licence apple-amlr');
  const bare = { name: 'x', vocabSize: 8192, contextLength: 384 } as Manifest;
  assert.equal(modelSummary(bare), 'x · family not stated · vocab 8,192 · context 384 · licence not stated');
});

test('formatBytes picks a readable unit', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(26_400), '26 kB');
  assert.equal(formatBytes(26_400_000), '26.4 MB');
  assert.equal(formatBytes(1_000_000_000), '1.0 GB');
});

test('Windows and macOS compare folders case-insensitively, as their default file systems do; Linux does not', () => {
  assert.ok(sameFolder('/Users/ana/Models/Dream', '/users/ana/models/dream/', 'darwin'));
  assert.ok(sameFolder('\\\\NAS\\share\\Models', '//nas/share/models/', 'win32'));
  assert.ok(sameFolder('C:/models/dream', 'c:\\MODELS\\dream', 'win32'));
  assert.ok(!sameFolder('/home/ana/Models', '/home/ana/models', 'linux'));
  assert.deepEqual(rememberModel(['/Users/ana/Models/Dream', '/m/b'], '/Users/ana/models/dream', 5, 'darwin'), ['/Users/ana/models/dream', '/m/b']);
});
