// Odd files through the real `diffucode fill` (real model, real worker): big files, a 1 MB line, NUL bytes,
// UTF-16, CRLF, unicode paths, symlinks, read-only files and folders, another user's file, an existing backup, a
// missing file or a folder, markers the model cannot hold. The rule in every case: the original is left intact or
// written correctly, never silently changed in mode, owner or kind; a refusal is one line. Figures: section
// "oddFiles" (wall time per case).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildOnce, CLI, removeTemps, ROOT, tempDir } from '../integration/helpers';
import { recordFigures, round } from './figures';

// --parse-check off: these tests are about the file around the fill, whatever the model writes into it (whether a
// fill parses is test/integration/parse-check.test.ts's subject).
const FAST = ['--algorithm', 'threshold', '--threshold', '0.5', '--temperature', '0', '--parse-check', 'off'];
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const figures: Record<string, number> = {};
let dir: string;
let n = 0;

before(() => {
  buildOnce();
  dir = tempDir();
  chmodSync(dir, 0o755);
});
after(() => {
  recordFigures('oddFiles', { wallMs: figures });
  removeTemps();
});

function fill(name: string, args: string[], opts: { uid?: number } = {}) {
  const t0 = performance.now();
  const asUser = opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {};
  const r = spawnSync(process.execPath, [CLI, 'fill', ...args, ...FAST], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, HOME: dir }, ...asUser });
  figures[name] = round(performance.now() - t0);
  return r;
}
const oneLine = (stderr: string) => {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr: ${stderr}`);
  return lines[0];
};
function file(name: string, content: string | Buffer, mode = 0o644): string {
  const d = join(dir, String(n++));
  mkdirSync(d, { recursive: true });
  chmodSync(d, 0o755);
  const f = join(d, name);
  writeFileSync(f, content);
  chmodSync(f, mode);
  return f;
}
const modeOf = (p: string) => statSync(p).mode & 0o7777;

test('a 50 MB file: filled in place, every byte around the gap kept', () => {
  const half = 'value = compute(1, 2)  # a line of ordinary code\n'.repeat(520_000); // ~26 MB each side
  const f = file('big.py', half + 'x = <|mask:3|>\n' + half);
  const r = fill('50 MB file, in place', [f, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  const out = readFileSync(f, 'utf8');
  assert.ok(out.startsWith(half + 'x = ') && out.endsWith('\n' + half) && !out.includes('<|mask'));
  assert.equal(readFileSync(f + '.bak', 'utf8'), half + 'x = <|mask:3|>\n' + half);
});

test('a 1 MB line and NUL bytes survive byte for byte', () => {
  const line = 'a'.repeat(512 * 1024);
  const f = file('long.txt', `${line}<|mask:3|>${line}\n\0\0 after NUL\n`);
  const r = fill('1 MB line with NUL bytes', [f]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(line) && r.stdout.endsWith(`${line}\n\0\0 after NUL\n`));
});

test('UTF-16 is refused (not UTF-8) and nothing is written', () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x = <|mask|>\n', 'utf16le')]);
  const f = file('wide.py', bytes);
  const r = fill('UTF-16 refused', [f, '--in-place']);
  assert.equal(r.status, 1);
  assert.match(oneLine(r.stderr), /wide\.py is not valid UTF-8 text \(binary file\?\); nothing was changed/);
  assert.deepEqual(readFileSync(f), bytes);
  assert.ok(!existsSync(f + '.bak'));
});

test('a CRLF file stays CRLF: the fill is written with CRLF, no lone LF', () => {
  const src = 'def f(x):\r\n    <|mask:32|>\r\n';
  const f = file('crlf.py', src);
  const r = fill('CRLF in place', [f, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  const out = readFileSync(f, 'utf8');
  const middle = out.slice('def f(x):\r\n    '.length, -2);
  assert.ok(middle.includes('\r\n'), `the model wrote a line break here: ${JSON.stringify(middle)}`);
  assert.doesNotMatch(out.replace(/\r\n/g, ''), /\n/, `mixed line endings: ${JSON.stringify(out)}`);
});

test('a unicode path', () => {
  const f = file('файл 名前 é.py', 'x = <|mask:3|>\n');
  const r = fill('unicode path', [f, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /filled 1 gap\(s\) in .*файл 名前 é\.py/);
  assert.ok(!readFileSync(f, 'utf8').includes('<|mask'));
});

test('a symlink is written through: the link stays a link, the target is filled', () => {
  const target = file('real.py', 'x = <|mask:3|>\n');
  const link = join(target, '..', 'link.py');
  symlinkSync('real.py', link);
  const r = fill('symlink in place', [link, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(lstatSync(link).isSymbolicLink() && readlinkSync(link) === 'real.py');
  assert.ok(!readFileSync(target, 'utf8').includes('<|mask'));
  assert.match(r.stderr, /through the link to .*real\.py \(original kept as .*real\.py\.bak\)/);
});

test('a read-only file (0444) is refused even as root; mode and content unchanged', () => {
  const f = file('ro.py', 'x = <|mask:3|>\n', 0o444);
  const r = fill('read-only file refused', [f, '--in-place']);
  assert.equal(r.status, 1);
  assert.match(oneLine(r.stderr), /ro\.py is read-only \(mode 0444\); nothing was changed/);
  assert.equal(modeOf(f), 0o444);
  assert.equal(readFileSync(f, 'utf8'), 'x = <|mask:3|>\n');
  assert.ok(!existsSync(f + '.bak'));
});

test('a file in a read-only folder is refused; the folder and file unchanged', () => {
  const f = file('in-ro-dir.py', 'x = <|mask:3|>\n');
  const d = join(f, '..');
  chmodSync(d, 0o555);
  try {
    const r = fill('read-only folder refused', [f, '--in-place']);
    assert.equal(r.status, 1);
    assert.match(oneLine(r.stderr), /permission denied: the folder .* is read-only, so in-ro-dir\.py\.bak cannot be kept there/);
    assert.equal(modeOf(d), 0o555);
    assert.equal(readFileSync(f, 'utf8'), 'x = <|mask:3|>\n');
  } finally {
    chmodSync(d, 0o755);
  }
});

test('as a normal user: a read-only file of yours, and a file you cannot write, are refused', () => {
  const uid = isRoot ? NOBODY : process.getuid!();
  const mine = file('mine-ro.py', 'x = <|mask:3|>\n', 0o444);
  const theirs = file('theirs.py', 'x = <|mask:3|>\n', 0o644);
  if (isRoot) {
    chownSync(mine, NOBODY, NOBODY);
    chownSync(join(mine, '..'), NOBODY, NOBODY);
    chownSync(join(theirs, '..'), NOBODY, NOBODY); // the folder is theirs to write, the file is root's
  }
  const a = fill('normal user, read-only file', [mine, '--in-place'], { uid });
  assert.equal(a.status, 1);
  assert.match(oneLine(a.stderr), /mine-ro\.py is read-only \(mode 0444\)/);
  assert.equal(modeOf(mine), 0o444);
  // Only meaningful when the file belongs to someone else (root); as a normal user running this suite, it is ours.
  const b = fill('normal user, file of another user', [theirs, '--in-place'], { uid: isRoot ? NOBODY : undefined });
  if (isRoot) {
    assert.equal(b.status, 1);
    assert.match(oneLine(b.stderr), /permission denied: .*theirs\.py is not writable by you; nothing was changed/);
    assert.equal(statSync(theirs).uid, 0);
  } else assert.equal(b.status, 0, b.stderr);
  assert.equal(modeOf(theirs), 0o644);
});

test("root filling another user's file keeps its owner and mode", () => {
  const f = file('owned.py', 'x = <|mask:3|>\n', 0o640);
  const owner = isRoot ? NOBODY : process.getuid!();
  if (isRoot) chownSync(f, NOBODY, NOBODY);
  const r = fill("another user's file in place", [f, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(f).uid, owner);
  assert.equal(statSync(f).gid, isRoot ? NOBODY : process.getgid!());
  assert.equal(modeOf(f), 0o640);
  assert.ok(!readFileSync(f, 'utf8').includes('<|mask'));
});

test('an existing FILE.bak is never overwritten: FILE.bak.1', () => {
  const f = file('bak.py', 'x = <|mask:3|>\n');
  writeFileSync(f + '.bak', 'an older backup');
  const r = fill('existing .bak', [f, '--in-place']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(f + '.bak', 'utf8'), 'an older backup');
  assert.equal(readFileSync(f + '.bak.1', 'utf8'), 'x = <|mask:3|>\n');
  assert.match(r.stderr, /original kept as .*bak\.py\.bak\.1\)/);
});

test('a missing file and a folder: one readable line, not ENOENT/EISDIR', () => {
  const missing = join(dir, 'nope.py');
  const a = fill('missing file', [missing]);
  assert.equal(a.status, 1);
  assert.equal(oneLine(a.stderr), `diffucode: ${missing}: no such file`);
  const b = fill('folder', [dir, '--in-place']);
  assert.equal(b.status, 1);
  assert.equal(oneLine(b.stderr), `diffucode: ${dir} is a folder, not a file`);
  assert.doesNotMatch(a.stderr + b.stderr, /ENOENT|EISDIR/);
});

test("markers: a size over the model's context names the limit; a size that is not a number says so", () => {
  const f = file('sizes.py', 'x = <|mask:500|>\n');
  const a = fill('marker over the context', [f, '--in-place']);
  assert.equal(a.status, 1);
  assert.equal(oneLine(a.stderr), 'diffucode: mask marker "<|mask:500|>" asks for 500 tokens, more than the model diffucode-tiny can hold: its context is 384 tokens; use 1..384');
  const g = file('abc.py', 'x = <|mask:abc|>\n');
  const b = fill('marker not a number', [g]);
  assert.equal(b.status, 1);
  assert.match(oneLine(b.stderr), /the size "abc" is not a number; write <\|mask:N\|> with N from 1 to 384/);
  assert.equal(readFileSync(f, 'utf8'), 'x = <|mask:500|>\n');
  assert.ok(!existsSync(f + '.bak'));
});
