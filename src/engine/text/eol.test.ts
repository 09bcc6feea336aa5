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
