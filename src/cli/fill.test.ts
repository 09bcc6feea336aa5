import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfillRequest, InfillResult } from '../engine/types';
import { PartialFillError, readFillInput, runFill, type FillClient } from './fill';

const MODEL = { name: 'tiny', contextLength: 384 };
const ARGS = { marker: '<|mask|>', tokens: 8, sampler: {}, stats: false };

/** A client that answers every gap with `fill` and records what the model was shown. */
function client(fill: string): FillClient & { seen: InfillRequest[] } {
  const seen: InfillRequest[] = [];
  return {
    seen,
    async infill(req) {
      seen.push(req);
      const gaps = req.gaps.map(() => ({ text: fill, tokens: [], stopped: false }));
      return { gaps, stats: {} as InfillResult['stats'] };
    },
  };
}

test('a CRLF file: the model sees LF, the fill is written with CRLF, the rest byte for byte', async () => {
  const c = client('x = 1\n    y = 2\n');
  const text = 'def f():\r\n    <|mask|>\r\n\treturn y\r\n';
  const out = await runFill(ARGS, { name: 'a.py', text }, c, MODEL, () => {});
  assert.equal(out, 'def f():\r\n    x = 1\r\n    y = 2\r\n\r\n\treturn y\r\n');
  assert.deepEqual(c.seen[0].pieces, ['def f():\n    ', '\n\treturn y\n']);
  assert.doesNotMatch(out.replace(/\r\n/g, ''), /\n/, 'no lone LF in a CRLF file');
});

test('an LF file keeps LF (a CRLF in the fill becomes LF)', async () => {
  const out = await runFill(ARGS, { name: 'a.py', text: 'a\n<|mask|>\nb\n' }, client('p\r\nq'), MODEL, () => {});
  assert.equal(out, 'a\np\nq\nb\n');
});

test('markers are checked against the model context before anything is sent', async () => {
  const c = client('x');
  await assert.rejects(runFill(ARGS, { name: 'a.py', text: '<|mask:400|>' }, c, MODEL, () => {}), /asks for 400 tokens, more than the model tiny can hold: its context is 384 tokens; use 1\.\.384/);
  await assert.rejects(runFill({ ...ARGS, tokens: 1000 }, { name: 'a.py', text: '<|mask|>' }, c, MODEL, () => {}), /1000 tokens \(the default gap size, --tokens\)/);
  await assert.rejects(runFill(ARGS, { name: 'a.py', text: '<|mask:abc|>' }, c, MODEL, () => {}), /the size "abc" is not a number/);
  await assert.rejects(runFill(ARGS, { name: 'a.py', text: 'none' }, c, MODEL, () => {}), /no mask marker \(<\|mask\|>\) found in a\.py/);
  assert.equal(c.seen.length, 0);
});

test('a missing file and a folder are one readable line, not ENOENT/EISDIR', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffucode-fill-'));
  try {
    await assert.rejects(readFillInput({ file: join(dir, 'nope.py'), inPlace: false }), (e: Error) => e.message === `${join(dir, 'nope.py')}: no such file`);
    await assert.rejects(readFillInput({ file: dir, inPlace: false }), (e: Error) => e.message === `${dir} is a folder, not a file`);
    await assert.rejects(readFillInput({ file: dir, inPlace: true }), (e: Error) => e.message === `${dir} is a folder, not a file`);
    await assert.rejects(readFillInput({ file: join(dir, 'nope.py'), inPlace: true }), /nope\.py: no such file$/);
    const f = join(dir, 'ok.py');
    writeFileSync(f, 'x = <|mask|>\n');
    const input = await readFillInput({ file: f, inPlace: true });
    assert.equal(input.text, 'x = <|mask|>\n');
    assert.equal(await runFill(ARGS, input, client('1'), MODEL, () => {}), '');
    assert.equal(readFileSync(f, 'utf8'), 'x = 1\n');
    assert.equal(readFileSync(f + '.bak', 'utf8'), 'x = <|mask|>\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A client whose first answer breaks the syntax and whose later answers (the repair rounds) are `repairs`, in turn. */
function breaking(first: string, ...repairs: string[]): FillClient & { seen: InfillRequest[] } {
  const seen: InfillRequest[] = [];
  return {
    seen,
    async infill(req) {
      const text = seen.length === 0 ? first : repairs[Math.min(seen.length - 1, repairs.length - 1)];
      seen.push(req);
      return { gaps: req.gaps.map(() => ({ text, tokens: [], stopped: true })), stats: {} as InfillResult['stats'] };
    },
  };
}

const IF_ELSE = 'def sign(x):\n    if x > 0:\n<|mask|>\n    return 0\n';
const DEDENTED = '        return 1\n  else:\n        return -1';
const FIXED = '        return 1\n    else:\n        return -1';

test('--parse-check repair (the default): a fill that breaks the syntax is refilled with the rest as context', async () => {
  const lines: string[] = [];
  const c = breaking(DEDENTED, FIXED);
  const out = await runFill(ARGS, { name: 'a.py', text: IF_ELSE }, c, MODEL, (s) => lines.push(s));
  assert.equal(out, IF_ELSE.replace('<|mask|>', FIXED));
  assert.equal(c.seen.length, 2);
  // Tokens that do not add up to the text (this client sends none): the whole gap is refilled, at its full size.
  assert.deepEqual(c.seen[1].pieces, ['def sign(x):\n    if x > 0:\n', '\n    return 0\n']);
  assert.match(lines.join('\n'), /repaired in 1 round/);
});

test('a fill that stays broken is refused with the line, and --in-place writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffucode-fill-'));
  try {
    const f = join(dir, 'a.py');
    writeFileSync(f, IF_ELSE);
    const input = await readFillInput({ file: f, inPlace: true });
    const c = breaking(DEDENTED, DEDENTED);
    await assert.rejects(runFill(ARGS, input, c, MODEL, () => {}), /the fill would break the syntax of .*a\.py: a syntax error at line 4 \(`else:`\), still after 3 repair round\(s\); nothing was written/);
    assert.equal(c.seen.length, 4);
    assert.equal(readFileSync(f, 'utf8'), IF_ELSE);
    assert.throws(() => readFileSync(f + '.bak'), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--parse-check applyMarked writes a broken fill and names the error; off and unknown languages never refill', async () => {
  const lines: string[] = [];
  const marked = await runFill({ ...ARGS, parseCheck: 'applyMarked' }, { name: 'a.py', text: IF_ELSE }, breaking(DEDENTED, DEDENTED), MODEL, (s) => lines.push(s));
  assert.equal(marked, IF_ELSE.replace('<|mask|>', DEDENTED));
  assert.match(lines.join('\n'), /leaves a syntax error at line 4 .*written anyway/);
  for (const [args, name] of [[{ ...ARGS, parseCheck: 'off' as const }, 'a.py'], [ARGS, 'notes.txt'], [ARGS, 'standard input']] as const) {
    const c = breaking(DEDENTED, FIXED);
    assert.equal(await runFill(args, { name, text: IF_ELSE }, c, MODEL, () => {}), IF_ELSE.replace('<|mask|>', DEDENTED));
    assert.equal(c.seen.length, 1, name);
  }
  // --language checks standard input.
  const c = breaking(DEDENTED, FIXED);
  await runFill({ ...ARGS, language: 'python' }, { name: 'standard input', text: IF_ELSE }, c, MODEL, () => {});
  assert.equal(c.seen.length, 2);
});

test('an unfinished fill (no progress past --timeout) is not thrown away: its text comes with the error; in place, the file is kept', async () => {
  const partial: FillClient = {
    async infill(req, opts) {
      assert.equal(opts?.partialOnTimeout, true, 'the CLI asks for what was committed');
      return { gaps: req.gaps.map(() => ({ text: 'x = ', tokens: [], stopped: false, partial: true })), stats: {} as InfillResult['stats'], partial: { reason: 'the model made no progress for 120 s (limit: --timeout)', committed: 2, total: 8 } };
    },
  };
  await assert.rejects(runFill(ARGS, { name: 'a.py', text: 'a\n<|mask|>\nb\n' }, partial, MODEL, () => {}), (e: Error) =>
    e instanceof PartialFillError && e.output === 'a\nx = \nb\n' && /^the model made no progress for 120 s \(limit: --timeout\): printed the unfinished fill \(2 of 8 tokens committed; raise --timeout/.test(e.message));
  const dir = mkdtempSync(join(tmpdir(), 'diffucode-fill-'));
  try {
    const f = join(dir, 'ok.py');
    writeFileSync(f, 'x = <|mask|>\n');
    const input = await readFillInput({ file: f, inPlace: true });
    await assert.rejects(runFill(ARGS, input, partial, MODEL, () => {}), (e: Error) => e instanceof PartialFillError && e.output === 'x = x = \n' && /ok\.py was not changed; the unfinished fill is on standard output/.test(e.message));
    assert.equal(readFileSync(f, 'utf8'), 'x = <|mask|>\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
