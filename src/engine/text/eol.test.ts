import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectEol, toLf, withEol } from './eol';

test('detectEol: the majority of line breaks, LF when there are none', () => {
  assert.equal(detectEol('a\r\nb\r\nc\n'), '\r\n');
  assert.equal(detectEol('a\nb\r\nc\n'), '\n');
  assert.equal(detectEol('no breaks'), '\n');
  assert.equal(detectEol('\r\n'), '\r\n');
  assert.equal(detectEol('\n'), '\n');
});

test('toLf shows the model LF; a lone CR stays', () => {
  assert.equal(toLf('a\r\nb\rc\n'), 'a\nb\rc\n');
  assert.equal(toLf('plain'), 'plain');
});

test('withEol writes generated text with the file ending, never doubling a CR', () => {
  assert.equal(withEol('x = 1\n    y\n', '\r\n'), 'x = 1\r\n    y\r\n');
  assert.equal(withEol('x\r\ny\n', '\r\n'), 'x\r\ny\r\n');
  assert.equal(withEol('x\r\ny\n', '\n'), 'x\ny\n');
});

test('a Windows (CRLF) file round-trips byte for byte: shown LF, written back CRLF, blank lines and a final break kept', () => {
  const file = 'def f(x):\r\n\r\n    return x\r\n\t# tab\r\n';
  const eol = detectEol(file);
  assert.equal(eol, '\r\n');
  assert.ok(!toLf(file).includes('\r'));
  assert.equal(withEol(toLf(file), eol), file);
  // Without a final break, and with a classic-Mac lone CR inside a string, which is not a line break
  const odd = 'a = "x\ry"\r\nb = 1';
  assert.equal(withEol(toLf(odd), detectEol(odd)), odd);
});
