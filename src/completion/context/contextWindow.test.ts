import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextWindow, windowSpan } from './contextWindow';

test('small documents are sent whole', () => {
  const text = 'a = 1\nb = |\nc = 3\n';
  const at = text.indexOf('|');
  assert.deepEqual(contextWindow(text, at, { prefixTokens: 100, suffixTokens: 100 }), { prefix: 'a = 1\nb = ', suffix: '|\nc = 3\n' });
});

test('large documents are cut at whole lines around the cursor', () => {
  const lines = Array.from({ length: 200 }, (_, i) => `line${i} = ${i}`);
  const text = lines.join('\n');
  const at = text.indexOf('line100');
  const { prefix, suffix } = contextWindow(text, at, { prefixTokens: 10, suffixTokens: 5 }, 4);
  assert.ok(prefix.length <= 40 && prefix.length > 0);
  assert.match(prefix, /^line\d+ = \d+\n/);
  assert.ok(suffix.startsWith('line100'));
  assert.ok(!suffix.endsWith('\n') && suffix.length <= 20);
  assert.equal(text.slice(at - prefix.length, at + suffix.length), prefix + suffix);
});

test('zero suffix budget sends no suffix', () => {
  assert.deepEqual(contextWindow('ab\ncd', 2, { prefixTokens: 10, suffixTokens: 0 }), { prefix: 'ab', suffix: '' });
});

test('the window computed on windowSpan\'s slice equals the one computed on the whole text', () => {
  const text = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`).join('\n');
  const budgets = [{ prefixTokens: 10, suffixTokens: 5 }, { prefixTokens: 0, suffixTokens: 0 }, { prefixTokens: 2000, suffixTokens: 2000 }];
  for (const budget of budgets) {
    for (const offset of [0, 1, 59, 60, 61, 777, text.indexOf('\n', 5000), text.length - 31, text.length - 1, text.length]) {
      const span = windowSpan(offset, text.length, budget);
      assert.deepEqual(contextWindow(text.slice(span.start, span.end), offset - span.start, budget), contextWindow(text, offset, budget), `offset ${offset}`);
    }
  }
});
