import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gapWithEol } from './gapEol';
import { lowConfidenceSpans } from './confidenceSpans';

const gap = {
  text: 'a = 1\n    b',
  stopped: false,
  tokens: [
    { id: 1, text: 'a = 1', confidence: 0.9 },
    { id: 2, text: '\n', confidence: 0.9 },
    { id: 3, text: '    b', confidence: 0.2 },
  ],
};

test('a CRLF document gets CRLF in the text and in every token', () => {
  const g = gapWithEol(gap, '\r\n');
  assert.equal(g.text, 'a = 1\r\n    b');
  assert.deepEqual(g.tokens.map((t) => t.text), ['a = 1', '\r\n', '    b']);
  assert.equal(g.tokens[2].confidence, 0.2);
  // the low-confidence mark still covers exactly "    b" in the inserted text
  const [span] = lowConfidenceSpans(g.text, g.tokens, 100, 0.5);
  assert.equal(g.text.slice(span.start - 100, span.end - 100), '    b');
});

test('an LF document keeps the gap as it is', () => {
  assert.equal(gapWithEol(gap, '\n'), gap);
});
