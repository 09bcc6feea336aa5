import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reanchor } from './reanchor';

const doc = 'import os\n\ndef f(x):\n    return <|mask|>\n\ndef g():\n    <|mask:8|>\n';
const holes = [
  { start: doc.indexOf('<|mask|>'), end: doc.indexOf('<|mask|>') + 8 },
  { start: doc.indexOf('<|mask:8|>'), end: doc.indexOf('<|mask:8|>') + 10 },
];

test('unchanged document: the same spans', () => {
  assert.deepEqual(reanchor(doc, doc, holes), holes);
});

test('text typed above the holes shifts them', () => {
  const typed = '# a comment typed meanwhile\n' + doc;
  const spans = reanchor(doc, typed, holes)!;
  assert.deepEqual(spans.map((s) => typed.slice(s.start, s.end)), ['<|mask|>', '<|mask:8|>']);
});

test('text typed between the holes, next to one of them, still re-anchors', () => {
  const edited = doc.replace('def g():', 'def g(y):  # edited');
  const spans = reanchor(doc, edited, holes)!;
  assert.deepEqual(spans.map((s) => edited.slice(s.start, s.end)), ['<|mask|>', '<|mask:8|>']);
});

test('a deleted marker makes it refuse', () => {
  assert.equal(reanchor(doc, doc.replace('<|mask:8|>', 'pass'), holes), undefined);
});

test('an ambiguous hole makes it refuse', () => {
  const sel = 'x = 1\n';
  const original = 'a\nx = 1\nb\n';
  const current = 'x = 1\nc\nx = 1\nd\n'; // both copies have changed context, neither is certain
  assert.equal(reanchor(original, current, [{ start: 2, end: 2 + sel.length }]), undefined);
});
