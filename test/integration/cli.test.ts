// The `diffucode` CLI (dist/cli.js) end to end with the embedded model.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildOnce, cli, removeTemps, tempDir } from './helpers';

const FAST = ['--algorithm', 'threshold', '--threshold', '0.5', '--temperature', '0'];

before(buildOnce);
after(removeTemps);

test('fill prints the file with every marker filled and everything else byte for byte (CRLF, tabs)', () => {
  const dir = tempDir();
  const file = join(dir, 'a.py');
  const src = 'def f(x):\r\n\treturn <|mask:4|>\r\n\r\n# end<|mask:3|>\r\n';
  writeFileSync(file, src);
  // The subject is the bytes around the fill; whether the tiny model's 4 tokens parse is parse-check.test.ts's.
  const r = cli(['fill', file, ...FAST, '--parse-check', 'off']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('<|mask'));
  assert.ok(r.stdout.startsWith('def f(x):\r\n\treturn '));
  assert.ok(r.stdout.includes('\r\n\r\n# end'));
  assert.ok(r.stdout.endsWith('\r\n'));
  assert.equal(readFileSync(file, 'utf8'), src, 'fill without --in-place must not touch the file');
});

test('--in-place rewrites the file and keeps the original as .bak', () => {
  const dir = tempDir();
  const file = join(dir, 'b.ts');
  const src = 'const x = <|mask:3|>;\n';
  writeFileSync(file, src);
  const r = cli(['fill', file, '--in-place', ...FAST]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(readFileSync(file + '.bak', 'utf8'), src);
  const out = readFileSync(file, 'utf8');
  assert.ok(out.startsWith('const x = ') && out.endsWith(';\n') && !out.includes('<|mask'));
});

test('--stdin, a custom marker and --stats', () => {
  const r = cli(['fill', '--stdin', '--marker', '@@', '--stats', ...FAST], 'x = @@:3\n');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('x = ') && !r.stdout.includes('@@'));
  const stats = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
  assert.ok(stats.forwardPasses >= 1);
});

test('batch: one JSON line out per line in, errors reported per line', () => {
  const input = [
    JSON.stringify({ id: 1, prefix: 'def add(a, b):\n    return ', suffix: '\n', maxTokens: 4 }),
    'not json',
    JSON.stringify({ prefix: 'x = ', suffix: '' }),
    JSON.stringify({ prefix: 1 }),
  ].join('\n');
  const r = cli(['batch', '--tokens', '3', ...FAST], input);
  assert.equal(r.status, 1, 'a failed line makes the exit status 1');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.equal(lines[0].id, 1);
  assert.equal(typeof lines[0].middle, 'string');
  assert.ok(lines[0].stats.forwardPasses >= 1);
  assert.match(lines[1].error, /not JSON/);
  assert.equal(typeof lines[2].middle, 'string');
  assert.match(lines[3].error, /needs string fields/);
});

test('usage errors exit 2 with a clear message', () => {
  const r = cli(['fill', 'x.py', '--frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Unknown option '--frobnicate'/);
  // Sampler values the engine refuses are refused before the model loads, with the engine's own message.
  for (const bad of [['--top-p', '0'], ['--eps', '0'], ['--eps', '1']]) {
    const s = cli(['fill', 'x.py', ...bad]);
    assert.equal(s.status, 2, `${bad.join(' ')}: ${s.stderr}`);
    assert.match(s.stderr, new RegExp(`${bad[0]}: sampler\\.(topP|eps) must be a number in \\(0, 1`));
  }
  const h = cli(['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /diffucode fill FILE/);
});

test('a file without markers, a missing file and a binary file are errors that change nothing', () => {
  const dir = tempDir();
  const plain = join(dir, 'plain.py');
  writeFileSync(plain, 'x = 1\n');
  const r = cli(['fill', plain]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no mask marker/);
  assert.equal(cli(['fill', join(dir, 'missing.py')]).status, 1);
  const bin = join(dir, 'blob.bin');
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, ...Buffer.from('<|mask|>')]);
  writeFileSync(bin, bytes);
  const b = cli(['fill', bin, '--in-place']);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /not valid UTF-8/);
  assert.deepEqual(readFileSync(bin), bytes);
});

test('a 10 MB file with NUL bytes is filled quickly, not a hang', () => {
  const dir = tempDir();
  const file = join(dir, 'big.txt');
  const half = ('line of text\0 with a NUL and a tab\t\n').repeat(140_000); // ~5 MB each side
  writeFileSync(file, half + '<|mask:3|>' + half);
  const t0 = Date.now();
  const r = cli(['fill', file, ...FAST], undefined, 60_000);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 60_000);
  assert.equal(r.stdout.length >= half.length * 2, true);
  assert.ok(r.stdout.startsWith(half) && r.stdout.endsWith(half));
});
