import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropRepeatedNgrams } from './dropRepeatedNgrams';
import { ctx } from './testContext';

test('the stutters seen in a real editor are cut at their first repeat', () => {
  assert.equal(dropRepeatedNgrams('return array(array, index, index, index, arrayIndex);', ctx()), 'return array(array, index');
  assert.equal(dropRepeatedNgrams('return a isinstance(a, a, y', ctx()), 'return a isinstance(a');
  assert.equal(dropRepeatedNgrams('self.next(self.key, self.key, self.key)', ctx()), 'self.next(self.key');
  assert.equal(dropRepeatedNgrams('x = value value', ctx()), 'x = value');
});

test('repetition real code has is left alone', () => {
  for (const t of [
    'f(a, a)',
    'a[i] = b[i]',
    'x = [0, 0, 1, 1]',
    'row = [None, None, None]',
    "pad = ['', '', '']",
    'self.x = x',
    'range(i, i + 1)',
    'return a + b',
    '# ----------',
    'x == y',
  ])
    assert.equal(dropRepeatedNgrams(t, ctx()), t);
});

test('only the line with the stutter and what follows are cut', () => {
  assert.equal(dropRepeatedNgrams('a = 1\nb = c, c, c\nd = 2', ctx({ mode: 'block' })), 'a = 1\nb = c');
});

test('the same line twice is not an n-gram repeat inside a line', () => {
  assert.equal(dropRepeatedNgrams('end\nend', ctx({ mode: 'block' })), 'end\nend');
});
