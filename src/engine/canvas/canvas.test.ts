import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCanvas, type CanvasSpec } from './canvas';

// Char-level fake tokenizer: every UTF-16 unit is one token with id = code + 10.
const encode = (t: string) => Array.from({ length: t.length }, (_, i) => t.charCodeAt(i) + 10);
const decode = (ids: ArrayLike<number>) => String.fromCharCode(...Array.from(ids, (i) => i - 10));
const tokens = { bos: 2, eos: 0, mask: 1 };
const spec = (p: Partial<CanvasSpec>): CanvasSpec => ({ pieces: ['', ''], gaps: [{ maxTokens: 3 }], contextLength: 1024, encode, tokens, ...p });

test('single gap: [BOS] prefix MASK×n suffix [EOS]', () => {
  const c = buildCanvas(spec({ pieces: ['ab', 'cd'], gaps: [{ maxTokens: 3 }] }));
  assert.deepEqual(Array.from(c.ids), [2, 107, 108, 1, 1, 1, 109, 110, 0]);
  assert.deepEqual(c.gaps, [{ start: 3, length: 3 }]);
  assert.equal(c.trimmedTokens, 0);
});

test('several gaps share one canvas, adjacent gaps and gaps at the start and end', () => {
  const c = buildCanvas(spec({ pieces: ['', 'x', '', ''], gaps: [{ maxTokens: 2 }, { maxTokens: 1 }, { maxTokens: 2 }] }));
  assert.deepEqual(Array.from(c.ids), [2, 1, 1, 130, 1, 1, 1, 0]);
  assert.deepEqual(c.gaps, [
    { start: 1, length: 2 },
    { start: 4, length: 1 },
    { start: 5, length: 2 },
  ]);
});

test('budgets keep the prefix tail and the suffix head (nearest the gap)', () => {
  const c = buildCanvas(spec({ pieces: ['0123456789', 'abcdefghij'], prefixTokens: 3, suffixTokens: 2 }));
  const g = c.gaps[0];
  assert.equal(decode(c.ids.subarray(1, g.start)), '789');
  assert.equal(decode(c.ids.subarray(g.start + g.length, c.ids.length - 1)), 'ab');
  assert.equal(c.trimmedTokens, 7 + 8);
});

test('the context length bounds the whole canvas; the suffix keeps a share', () => {
  const c = buildCanvas(spec({ pieces: ['x'.repeat(100), 'y'.repeat(100)], gaps: [{ maxTokens: 10 }], contextLength: 52 }));
  assert.equal(c.ids.length, 52);
  const sfx = c.ids.length - 1 - (c.gaps[0].start + 10);
  assert.equal(sfx, 10); // a quarter of the 40 tokens left for text
});

test('gaps plus inner text that cannot fit are a clear error', () => {
  assert.throws(() => buildCanvas(spec({ pieces: ['', 'abc', ''], gaps: [{ maxTokens: 5 }, { maxTokens: 5 }], contextLength: 10 })), /do not fit/);
});

test('malformed requests are clear errors', () => {
  assert.throws(() => buildCanvas(spec({ pieces: ['a'], gaps: [{ maxTokens: 1 }] })), /pieces must have/);
  assert.throws(() => buildCanvas(spec({ gaps: [] })), /non-empty/);
  assert.throws(() => buildCanvas(spec({ gaps: [{ maxTokens: 0 }] })), /maxTokens/);
  assert.throws(() => buildCanvas(spec({ gaps: [{ maxTokens: 1.5 }] })), /maxTokens/);
  assert.throws(() => buildCanvas(spec({ pieces: ['a', 3 as never] })), /pieces\[1\]/);
});

test('a 50,000-character line is windowed before tokenizing', () => {
  let encoded = 0;
  const counting = (t: string) => {
    encoded += t.length;
    return encode(t);
  };
  const line = 'z'.repeat(50_000);
  const c = buildCanvas(spec({ pieces: [line, line], prefixTokens: 20, suffixTokens: 5, encode: counting }));
  assert.ok(encoded < 2000, `encoded ${encoded} chars`);
  assert.equal(c.gaps[0].start, 21);
  assert.equal(c.ids.length, 1 + 20 + 3 + 5 + 1);
});

test('NUL bytes, lone surrogates, CRLF and tabs go through the tokenizer untouched', () => {
  const prefix = 'a\0b\uD800c\r\n\t';
  const c = buildCanvas(spec({ pieces: [prefix, '\uDC00'] }));
  assert.equal(decode(c.ids.subarray(1, c.gaps[0].start)), prefix);
});

test('the character window grows until it holds the budget when tokens are long', () => {
  // one token per 40 characters (think long runs of spaces)
  const coarse = (t: string) => Array.from({ length: Math.ceil(t.length / 40) }, () => 50);
  const c = buildCanvas(spec({ pieces: ['x'.repeat(100_000), ''], prefixTokens: 10, encode: coarse }));
  assert.equal(c.gaps[0].start, 11); // BOS + the full budget of 10
});
