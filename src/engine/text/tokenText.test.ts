import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSlots, tokensToText, type TokenBytes } from './tokenText';

// id -> bytes: 1 = 'a', 2 = first two bytes of 'é' (C3), 3 = second byte (A9), 4 = '\r\n', 5 = special (empty)
const table: Record<number, number[]> = { 1: [0x61], 2: [0xc3], 3: [0xa9], 4: [0x0d, 0x0a], 5: [] };
const bytes: TokenBytes = { bytesOf: (id) => Uint8Array.from(table[id] ?? []) };

test('a character split across tokens is attributed to the token that completes it', () => {
  const t = tokensToText(bytes, [1, 2, 3, 4]);
  assert.deepEqual(t.map((x) => x.text), ['a', '', 'é', '\r\n']);
  assert.equal(t.map((x) => x.text).join(''), 'aé\r\n');
});

test('dangling bytes at the end become U+FFFD instead of vanishing', () => {
  const t = tokensToText(bytes, [1, 2]);
  assert.equal(t.map((x) => x.text).join(''), 'a\uFFFD');
});

test('special tokens contribute no text', () => {
  assert.equal(tokensToText(bytes, [1, 5, 1]).map((x) => x.text).join(''), 'aa');
});

test('the live view shows masks as the placeholder', () => {
  assert.equal(renderSlots(bytes, [1, 9, 2, 3, 9], (id) => id === 9, '_'), 'a_é_');
});
