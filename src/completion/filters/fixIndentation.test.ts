import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixIndentation } from './fixIndentation';
import { ctx } from './testContext';

test('the first line does not repeat the indentation the cursor already has', () => {
  assert.equal(fixIndentation('    return x', ctx({ linePrefix: '    ', mode: 'block' })), 'return x');
});

test('following lines are converted to the editor indentation style', () => {
  const out = fixIndentation('if x:\n\ty = 1\n\t\tz = 2', ctx({ linePrefix: '', mode: 'block', indent: { insertSpaces: true, tabSize: 4 } }));
  assert.equal(out, 'if x:\n    y = 1\n        z = 2');
  const tabs = fixIndentation('a\n        b', ctx({ mode: 'block', indent: { insertSpaces: false, tabSize: 4 } }));
  assert.equal(tabs, 'a\n\t\tb');
});

test('block mode stops at the first line that leaves the block', () => {
  const text = 'total = 0\n    for v in xs:\n        total += v\nprint(total)';
  assert.equal(fixIndentation(text, ctx({ linePrefix: '    ', mode: 'block' })), 'total = 0\n    for v in xs:\n        total += v');
});

test('blank lines inside the suggestion are kept but emptied, trailing ones dropped', () => {
  assert.equal(fixIndentation('a = 1\n   \nb = 2\n\n', ctx({ mode: 'block' })), 'a = 1\n\nb = 2');
});

test('text typed after code on the line keeps its own leading space', () => {
  assert.equal(fixIndentation(' + 1', ctx({ linePrefix: 'x = a' })), ' + 1');
});

test('no double space after code that ends with a space', () => {
  assert.equal(fixIndentation(' a + b', ctx({ linePrefix: '    return ' })), 'a + b');
});
