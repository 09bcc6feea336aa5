import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, markerSyntax, parseMasks } from './markers';

const def = markerSyntax('<|mask|>');

test('plain and sized markers', () => {
  const p = parseMasks('a<|mask|>b<|mask:7|>c', def, 24);
  assert.deepEqual(p.pieces, ['a', 'b', 'c']);
  assert.deepEqual(p.gaps, [{ maxTokens: 24 }, { maxTokens: 7 }]);
});

test('markers at the start, the end and adjacent', () => {
  const p = parseMasks('<|mask|><|mask:2|>x<|mask|>', def, 3);
  assert.deepEqual(p.pieces, ['', '', 'x', '']);
  assert.equal(p.gaps.length, 3);
});

test('no marker: one piece, no gaps', () => {
  assert.deepEqual(parseMasks('plain', def, 3), { pieces: ['plain'], gaps: [] });
});

test('a custom marker and a bad size', () => {
  const s = markerSyntax('@@FILL');
  assert.deepEqual(parseMasks('x@@FILL:5 y@@FILL', s, 2).gaps, [{ maxTokens: 5 }, { maxTokens: 2 }]);
  assert.throws(() => parseMasks('<|mask:0|>', def, 3), /asks for 0 tokens/);
  assert.throws(() => markerSyntax(''), /must not be empty/);
});

test('CRLF, tabs and NUL survive parse + assemble exactly', () => {
  const text = 'a\r\n\t<|mask|>\0b\r\n';
  const p = parseMasks(text, def, 3);
  assert.equal(assemble(p.pieces, ['X']), 'a\r\n\tX\0b\r\n');
});
