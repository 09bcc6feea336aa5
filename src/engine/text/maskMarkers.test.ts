import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, findMarkers, markerSyntax, MarkerError, piecesAround, type MarkerLimits } from './maskMarkers';

const def = markerSyntax('<|mask|>');
const lim = { defaultTokens: 24, maxTokens: 384, modelName: 'diffucode-tiny' };
const parse = (text: string, syntax = def, limits: MarkerLimits = lim) => {
  const markers = findMarkers(text, syntax, limits);
  return { pieces: piecesAround(text, markers), sizes: markers.map((m) => m.maxTokens), markers };
};

test('plain and sized markers, in order, with their spans', () => {
  const text = 'def f(x):\n    <|mask|>\n    return <|mask:4|>\n';
  const p = parse(text);
  assert.deepEqual(p.sizes, [24, 4]);
  assert.deepEqual(p.markers.map((m) => text.slice(m.start, m.end)), ['<|mask|>', '<|mask:4|>']);
  assert.deepEqual(p.pieces, ['def f(x):\n    ', '\n    return ', '\n']);
});

test('markers at the start, the end and adjacent', () => {
  const p = parse('<|mask|><|mask:2|>x<|mask|>');
  assert.deepEqual(p.pieces, ['', '', 'x', '']);
  assert.deepEqual(p.sizes, [24, 2, 24]);
});

test('no marker: one piece, no gaps; an empty open finds nothing', () => {
  assert.deepEqual(parse('plain').pieces, ['plain']);
  assert.deepEqual(findMarkers('a<|mask|>', { open: '', close: '|>' }, lim), []);
});

test('custom markers: regex characters, a one-word marker with :N', () => {
  assert.deepEqual(parse('a [[?]] b [[?:2]]', { open: '[[?', close: ']]' }).sizes, [24, 2]);
  const s = markerSyntax('@@FILL');
  assert.deepEqual(s, { open: '@@FILL', close: '' });
  assert.deepEqual(parse('x@@FILL:5 y@@FILL', s).sizes, [5, 24]);
  assert.throws(() => markerSyntax(''), /must not be empty/);
});

test('one limit, the model context, named in a user-facing message', () => {
  assert.deepEqual(parse('<|mask:384|>').sizes, [384]);
  assert.throws(() => parse('x <|mask:385|>'), (e: Error) => {
    assert.ok(e instanceof MarkerError);
    assert.equal(e.message, 'mask marker "<|mask:385|>" asks for 385 tokens, more than the model diffucode-tiny can hold: its context is 384 tokens; use 1..384');
    assert.doesNotMatch(e.message, /request\.|maxTokens/);
    return true;
  });
  // the default size is checked against the same limit
  assert.throws(() => parse('<|mask|>', def, { ...lim, defaultTokens: 500 }), /asks for 500 tokens \(the default gap size\).*context is 384/);
  // before a model is known there is no upper limit to check
  assert.deepEqual(parse('<|mask:5000|>', def, { defaultTokens: 3 }).sizes, [5000]);
});

test('a size that is not a number, or below 1, is refused, never clamped or ignored', () => {
  assert.throws(() => parse('<|mask:abc|>'), /mask marker "<\|mask:abc\|>": the size "abc" is not a number; write <\|mask:N\|> with N from 1 to 384/);
  assert.throws(() => parse('<|mask:|>'), /the size "" is not a number/);
  assert.throws(() => parse('<|mask:-3|>'), /not a number/);
  assert.throws(() => parse('<|mask:2.5|>'), /not a number/);
  assert.throws(() => parse('<|mask:0|>'), /asks for 0 tokens; a gap holds at least 1 token/);
  assert.throws(() => parse('x@@:abc', markerSyntax('@@')), /the size "abc" is not a number/);
});

test('CRLF, tabs and NUL survive parse + assemble exactly', () => {
  const text = 'a\r\n\t<|mask|>\0b\r\n';
  assert.equal(assemble(parse(text).pieces, ['X']), 'a\r\n\tX\0b\r\n');
});
