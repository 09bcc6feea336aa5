import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { prepareInPlace, writeInPlace } from './inPlace';

const root = mkdtempSync(join(tmpdir(), 'diffucode-inplace-'));
after(() => {
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = () => {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
};
const isRoot = process.getuid?.() === 0;

test('mode and owner are kept; the original is kept as FILE.bak', () => {
  const f = join(fresh(), 'a.py');
  writeFileSync(f, 'old\n', { mode: 0o640 });
  chmodSync(f, 0o640);
  // As root the file belongs to another user (nobody), as the "root on another user's file"; otherwise
  // it is ours and the check is that nothing changes.
  const owner = isRoot ? { uid: 65534, gid: 65534 } : { uid: process.getuid!(), gid: process.getgid!() };
  if (isRoot) chownSync(f, owner.uid, owner.gid);
  const w = writeInPlace(prepareInPlace(f), 'new\n');
  const st = statSync(f);
  assert.equal(readFileSync(f, 'utf8'), 'new\n');
  assert.equal(st.mode & 0o7777, 0o640);
  assert.deepEqual({ uid: st.uid, gid: st.gid }, owner);
  assert.equal(w.backup, f + '.bak');
  assert.equal(readFileSync(f + '.bak', 'utf8'), 'old\n');
});

test('an existing FILE.bak is never overwritten: FILE.bak.1, FILE.bak.2, ...', () => {
  const f = join(fresh(), 'b.py');
  writeFileSync(f, 'v1');
  writeFileSync(f + '.bak', 'precious');
  assert.equal(writeInPlace(prepareInPlace(f), 'v2').backup, f + '.bak.1');
  assert.equal(writeInPlace(prepareInPlace(f), 'v3').backup, f + '.bak.2');
  assert.equal(readFileSync(f + '.bak', 'utf8'), 'precious');
  assert.equal(readFileSync(f + '.bak.1', 'utf8'), 'v1');
  assert.equal(readFileSync(f + '.bak.2', 'utf8'), 'v2');
  assert.equal(readFileSync(f, 'utf8'), 'v3');
});

test('a read-only file (no owner write bit) is refused, even for root, and left as it was', () => {
  const f = join(fresh(), 'ro.py');
  writeFileSync(f, 'keep');
  chmodSync(f, 0o444);
  assert.throws(() => prepareInPlace(f), /ro\.py is read-only \(mode 0444\); nothing was changed/);
  assert.equal(statSync(f).mode & 0o7777, 0o444);
  assert.equal(readFileSync(f, 'utf8'), 'keep');
});

test('a read-only folder is refused (FILE.bak could not be kept there)', () => {
  const d = fresh();
  const f = join(d, 'c.py');
  writeFileSync(f, 'keep');
  chmodSync(d, 0o555);
  try {
    assert.throws(() => prepareInPlace(f), /permission denied: the folder .* is read-only, so c\.py\.bak cannot be kept there; nothing was changed/);
  } finally {
    chmodSync(d, 0o755);
  }
});

test('a symlink is written through: the link stays a link, its target gets the fill', () => {
  const d = fresh();
  const target = join(d, 'real.py');
  const link = join(d, 'link.py');
  writeFileSync(target, 'old');
  symlinkSync('real.py', link);
  const t = prepareInPlace(link);
  assert.equal(t.target, target);
  assert.equal(writeInPlace(t, 'new').backup, target + '.bak');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'new');
});

test('a file with other hard links is rewritten in place, so every link sees the fill', () => {
  const d = fresh();
  const f = join(d, 'h.py');
  writeFileSync(f, 'old');
  linkSync(f, join(d, 'other.py'));
  assert.equal(writeInPlace(prepareInPlace(f), 'new').how, 'rewritten');
  assert.equal(readFileSync(join(d, 'other.py'), 'utf8'), 'new');
});

test('a file changed on disk during the fill is not written', () => {
  const f = join(fresh(), 'e.py');
  writeFileSync(f, 'old');
  const t = prepareInPlace(f);
  writeFileSync(f, 'the user saved this');
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.throws(() => writeInPlace(t, 'fill'), /changed on disk while it was being filled; nothing was written/);
  assert.equal(readFileSync(f, 'utf8'), 'the user saved this');
});

test('not a regular file, or missing: one readable line', () => {
  assert.throws(() => prepareInPlace('/dev/null'), /\/dev\/null is not a regular file/);
  assert.throws(() => prepareInPlace(join(root, 'missing.py')), /missing\.py: no such file$/);
  const d = fresh();
  symlinkSync('nowhere.py', join(d, 'dangling.py'));
  assert.throws(() => prepareInPlace(join(d, 'dangling.py')), /dangling\.py: no such file$/);
});
