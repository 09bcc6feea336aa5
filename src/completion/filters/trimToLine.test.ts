import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimToLine } from './trimToLine';
import { ctx } from './testContext';

test('line mode keeps only the first line, without trailing spaces', () => {
  assert.equal(trimToLine('a + b  \n    print(x)\n', ctx({ mode: 'line' })), 'a + b');
});

test('line mode: a leading newline leaves nothing', () => {
  assert.equal(trimToLine('\nreturn 1', ctx({ mode: 'line' })), '');
});

test('block mode is left alone', () => {
  const text = 'x = 1\n    y = 2\n';
  assert.equal(trimToLine(text, ctx({ mode: 'block' })), text);
});
