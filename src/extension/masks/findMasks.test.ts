import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMasks, piecesAround } from './findMasks';

const syntax = { open: '<|mask', close: '|>', defaultTokens: 16 };

test('finds plain and sized markers in order', () => {
  const text = 'def f(x):\n    <|mask|>\n    return <|mask:4|>\n';
  const holes = findMasks(text, syntax);
  assert.deepEqual(holes.map((h) => [text.slice(h.start, h.end), h.maxTokens]), [['<|mask|>', 16], ['<|mask:4|>', 4]]);
  assert.deepEqual(piecesAround(text, holes), ['def f(x):\n    ', '\n    return ', '\n']);
});

test('custom marker syntax with regex characters', () => {
  const holes = findMasks('a [[?]] b [[?:2]]', { open: '[[?', close: ']]', defaultTokens: 8 });
  assert.deepEqual(holes.map((h) => h.maxTokens), [8, 2]);
});

test('sizes are clamped and malformed markers ignored', () => {
  assert.deepEqual(findMasks('<|mask:0|> <|mask:99999|> <|mask:x|>', syntax).map((h) => h.maxTokens), [1, 1024]);
});

test('no markers: one piece, the whole text', () => {
  assert.deepEqual(piecesAround('abc', findMasks('abc', syntax)), ['abc']);
});
