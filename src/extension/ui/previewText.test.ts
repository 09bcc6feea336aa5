import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewText } from './previewText';

test('newlines become a visible return sign on one line', () => {
  assert.equal(previewText('a = 1\r\nb = \u2591\u2591'), 'a = 1 \u23ce b = \u2591\u2591');
});

test('long gaps are cut with an ellipsis', () => {
  const out = previewText('x'.repeat(50), 10);
  assert.equal(out, 'xxxxxxxxx\u2026');
  assert.equal(out.length, 10);
});
