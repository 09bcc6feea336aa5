import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseGap } from './gapSizing';

const sizes = { lineTokens: 20, blockTokens: 56 };

test('code right of the cursor: complete this line only', () => {
  assert.deepEqual(chooseGap('    x = ', 'foo', ['def f():'], sizes), { mode: 'line', maxTokens: 20 });
});

test('end of a line with code: rest of the line', () => {
  assert.deepEqual(chooseGap('    return a +', '', ['def f(a, b):'], sizes), { mode: 'line', maxTokens: 20 });
});

test('empty indented line inside a block: a block', () => {
  assert.deepEqual(chooseGap('    ', '', ['def f(a, b):', '    s = a'], sizes), { mode: 'block', maxTokens: 56 });
});

test('empty line right after a block opener: a block, even at column 0', () => {
  assert.deepEqual(chooseGap('', '', ['function f() {'], sizes), { mode: 'block', maxTokens: 56 });
});

test('closing brackets right of the cursor do not force line mode', () => {
  assert.deepEqual(chooseGap('  ', '}', ['if (x) {'], sizes), { mode: 'block', maxTokens: 56 });
});

test('empty top-level line after a statement: line mode', () => {
  assert.deepEqual(chooseGap('', '', ['x = 1'], sizes), { mode: 'line', maxTokens: 20 });
  assert.deepEqual(chooseGap('', '', [], sizes), { mode: 'line', maxTokens: 20 });
});
