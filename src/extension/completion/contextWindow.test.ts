import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextWindow } from './contextWindow';

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
