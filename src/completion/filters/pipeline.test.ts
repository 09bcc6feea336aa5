import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postProcess } from './pipeline';
import { ctx } from './testContext';

test('a line completion ends at the line, without repeating the closer after the cursor', () => {
  const out = postProcess('a, b)\n    return z', ctx({ linePrefix: 'print(', lineSuffix: ')' }));
  assert.equal(out, 'a, b');
});

test('a block completion is re-indented and stops where the document continues', () => {
  const out = postProcess('    s = 0\n    for v in xs:\n        s += v\n    return s\n', ctx({
    linePrefix: '    ', mode: 'block', nextLines: ['    return s'],
  }));
  assert.equal(out, 's = 0\n    for v in xs:\n        s += v');
});

test('nothing left means nothing shown', () => {
  assert.equal(postProcess('\n\n', ctx({ mode: 'line' })), '');
});

test('a block completion that loops shows the loop once', () => {
  const out = postProcess('total = 0\n    total += load(a)\n    total += load(a)\n    total += load(a)', ctx({ linePrefix: '    ', mode: 'block' }));
  assert.equal(out, 'total = 0\n    total += load(a)');
});
