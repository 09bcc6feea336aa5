// diffucode.modelPath under each OS's rules (node:path.win32 / posix): drive letters, UNC shares, forward slashes,
// "~", quotes, and the relative paths that must be refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readModelPathSetting } from './modelPathSetting';

const WIN_HOME = 'C:\\Users\\ana';
const win = (raw: string) => readModelPathSetting(raw, 'win32', WIN_HOME);
const mac = (raw: string) => readModelPathSetting(raw, 'darwin', '/Users/ana');
const folder = (r: ReturnType<typeof win>) => (r.kind === 'folder' ? r.folder : `${r.kind}: ${'message' in r ? r.message : ''}`);

test('empty (or blank) means the bundled model on every OS', () => {
  assert.deepEqual(win(''), { kind: 'bundled' });
  assert.deepEqual(mac('   '), { kind: 'bundled' });
});

test('Windows: drive-letter paths, with either slash, normalized to backslashes', () => {
  assert.equal(folder(win('C:\\models\\dream')), 'C:\\models\\dream');
  assert.equal(folder(win('C:/models/dream/')), 'C:\\models\\dream');
  assert.equal(folder(win('d:\\Models\\..\\models\\\\dream\\')), 'd:\\models\\dream');
  assert.equal(folder(win('  "C:\\Program Files\\DiffuCode models\\dream"  ')), 'C:\\Program Files\\DiffuCode models\\dream');
  assert.equal(folder(win('C:\\')), 'C:\\');
});

test('Windows: UNC shares and extended-length paths', () => {
  assert.equal(folder(win('\\\\fileserver\\share\\models\\dream')), '\\\\fileserver\\share\\models\\dream');
  assert.equal(folder(win('//fileserver/share/models/dream')), '\\\\fileserver\\share\\models\\dream');
  assert.equal(folder(win('\\\\?\\C:\\very\\long\\models\\dream')), '\\\\?\\C:\\very\\long\\models\\dream');
});

test('Windows: "~" is the user profile', () => {
  assert.equal(folder(win('~\\models\\dream')), 'C:\\Users\\ana\\models\\dream');
  assert.equal(folder(win('~/models/dream')), 'C:\\Users\\ana\\models\\dream');
});

test('Windows: drive-relative, current-drive and plain relative paths are refused, naming the fix', () => {
  const r = win('C:models\\dream');
  assert.equal(r.kind, 'invalid');
  assert.match(r.kind === 'invalid' ? r.message : '', /^diffucode\.modelPath "C:models\\dream" has a drive letter but no \\ after it .*e\.g\. C:\\models\\dream, or run "DiffuCode: Select model"$/);
  assert.match(folder(win('\\models\\dream')), /^invalid: .*has no drive letter/);
  assert.match(folder(win('models\\dream')), /^invalid: .*is not an absolute path/);
});

test('macOS and Linux: absolute and "~" paths; a Windows path or a relative one is refused', () => {
  assert.equal(folder(mac('/Users/ana/Models/dream/')), '/Users/ana/Models/dream');
  assert.equal(folder(mac('~/Models/dream')), '/Users/ana/Models/dream');
  assert.equal(folder(mac('~')), '/Users/ana');
  assert.match(folder(mac('C:\\models\\dream')), /^invalid: .*not an absolute path.*e\.g\. \/Users\/you\/models\/dream/);
  assert.match(folder(readModelPathSetting('models/dream', 'linux', '/home/ana')), /^invalid: .*e\.g\. \/home\/you\/models\/dream/);
});
