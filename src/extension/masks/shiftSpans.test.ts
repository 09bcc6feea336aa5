import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shiftSpans } from './shiftSpans';

const spans = [{ start: 10, end: 14 }, { start: 20, end: 25 }];

test('edits before a span shift it, edits after leave it', () => {
  assert.deepEqual(shiftSpans(spans, [{ offset: 0, length: 0, text: 'abc' }]), [{ start: 13, end: 17 }, { start: 23, end: 28 }]);
  assert.deepEqual(shiftSpans(spans, [{ offset: 30, length: 2, text: '' }]), spans);
});

test('an edit inside or overlapping a span forgets it', () => {
  assert.deepEqual(shiftSpans(spans, [{ offset: 12, length: 1, text: 'X' }]), [{ start: 20, end: 25 }]);
  assert.deepEqual(shiftSpans(spans, [{ offset: 18, length: 4, text: '' }]), [{ start: 10, end: 14 }]);
});

test('typing right at a span edge keeps the span in place', () => {
  assert.deepEqual(shiftSpans(spans, [{ offset: 14, length: 0, text: 'x' }]), [{ start: 10, end: 14 }, { start: 21, end: 26 }]);
  assert.deepEqual(shiftSpans(spans, [{ offset: 10, length: 0, text: 'x' }]), [{ start: 11, end: 15 }, { start: 21, end: 26 }]);
});

test('several changes of one event are applied from the end', () => {
  const out = shiftSpans(spans, [{ offset: 0, length: 0, text: 'a' }, { offset: 15, length: 0, text: 'bb' }]);
  assert.deepEqual(out, [{ start: 11, end: 15 }, { start: 23, end: 28 }]);
});
