import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMasks, MarkerError, piecesAround } from './findMasks';

const syntax = { open: '<|mask', close: '|>', defaultTokens: 16 };
const model = { name: 'diffucode-tiny', contextLength: 384 };

test('finds plain and sized markers in order', () => {
  const text = 'def f(x):\n    <|mask|>\n    return <|mask:4|>\n';
  const holes = findMasks(text, syntax, model);
  assert.deepEqual(holes.map((h) => [text.slice(h.start, h.end), h.maxTokens]), [['<|mask|>', 16], ['<|mask:4|>', 4]]);
  assert.deepEqual(piecesAround(text, holes), ['def f(x):\n    ', '\n    return ', '\n']);
});

test('custom marker syntax with regex characters', () => {
  const holes = findMasks('a [[?]] b [[?:2]]', { open: '[[?', close: ']]', defaultTokens: 8 }, model);
  assert.deepEqual(holes.map((h) => h.maxTokens), [8, 2]);
});

test('the same limit and messages as the CLI: the model context, never a silent clamp', () => {
  assert.throws(() => findMasks('<|mask:99999|>', syntax, model), (e: Error) => e instanceof MarkerError && /context is 384 tokens; use 1\.\.384/.test(e.message));
  assert.throws(() => findMasks('<|mask:0|>', syntax, model), /at least 1 token/);
  assert.throws(() => findMasks('<|mask:x|>', syntax, model), /the size "x" is not a number/);
});

test('no markers: one piece, the whole text', () => {
  assert.deepEqual(piecesAround('abc', findMasks('abc', syntax, model)), ['abc']);
});
