import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gapSpans, lowConfidenceSpans } from './confidenceSpans';

const tok = (text: string, confidence: number) => ({ text, confidence });

test('neighbouring low-confidence tokens merge into one span at document offsets', () => {
  const spans = lowConfidenceSpans('return a + b', [tok('return', 0.99), tok(' a', 0.3), tok(' +', 0.2), tok(' b', 0.9)], 100, 0.5);
  assert.deepEqual(spans, [{ start: 106, end: 110, confidence: 0.2, tokens: 2 }]);
});

test('whitespace tokens are never marked', () => {
  assert.deepEqual(lowConfidenceSpans('a\n b', [tok('a', 0.9), tok('\n ', 0.1), tok('b', 0.9)], 0, 0.5), []);
});

test('mapping stops where token texts no longer match the gap text', () => {
  const spans = lowConfidenceSpans('xy', [tok('x', 0.1), tok('Z', 0.1), tok('y', 0.1)], 0, 0.5);
  assert.deepEqual(spans, [{ start: 0, end: 1, confidence: 0.1, tokens: 1 }]);
});

test('a gap the fill did not finish is one unfinished span over all its text, sized for a refill of the whole gap', () => {
  assert.deepEqual(gapSpans({ text: 'x = f(', tokens: [], partial: true }, 24, 10, 0.9), [{ start: 10, end: 16, confidence: 0, tokens: 24, unfinished: true }]);
  assert.deepEqual(gapSpans({ text: '  ', tokens: [], partial: true }, 24, 10, 0.9), []);
  const whole = { text: 'ab', tokens: [{ text: 'a', confidence: 0.2 }, { text: 'b', confidence: 0.95 }] };
  assert.deepEqual(gapSpans(whole, 24, 0, 0.9), lowConfidenceSpans(whole.text, whole.tokens, 0, 0.9));
});
