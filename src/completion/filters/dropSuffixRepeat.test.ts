import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropSuffixRepeat } from './dropSuffixRepeat';
import { ctx } from './testContext';

test('a suggestion that only repeats the rest of the line is dropped', () => {
  assert.equal(dropSuffixRepeat(')', ctx({ lineSuffix: '):' })), '');
});

test('the rest of the line typed again at the end is removed', () => {
  assert.equal(dropSuffixRepeat('a, b):', ctx({ lineSuffix: '):' })), 'a, b');
});

test('block mode: the copy of the next document line and what follows is cut', () => {
  const text = 'total += x\n    return total\n\ndef other():';
  const out = dropSuffixRepeat(text, ctx({ mode: 'block', nextLines: ['', '    return total', ''] }));
  assert.equal(out, 'total += x');
});

test('a duplicated block-closing line is cut', () => {
  const out = dropSuffixRepeat('x++;\n}', ctx({ mode: 'block', nextLines: ['}'] }));
  assert.equal(out, 'x++;');
});

test('text unrelated to the suffix passes unchanged', () => {
  const text = 'y = compute(x)\n    z = y * 2';
  assert.equal(dropSuffixRepeat(text, ctx({ mode: 'block', nextLines: ['    return z'] })), text);
});

test('a closer deeper than the document\'s next closer closes the suggestion\'s own block and stays', () => {
  const text = 'for (const x of xs) {\n    s += x;\n  }\n  return s;';
  assert.equal(dropSuffixRepeat(text, ctx({ mode: 'block', nextLines: ['}'] })), text);
});
