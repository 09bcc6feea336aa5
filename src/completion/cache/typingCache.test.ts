import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypingCache } from './typingCache';

test('the same position returns the whole text', () => {
  const c = new TypingCache();
  c.put('a.py', 'def add(a, b):\n    return ', '\n', 'a + b');
  assert.equal(c.get('a.py', 'def add(a, b):\n    return ', '\n'), 'a + b');
});

test('typing the beginning of the suggestion returns the rest', () => {
  const c = new TypingCache();
  c.put('a.py', 'x = ', '', 'compute(1)');
  assert.equal(c.get('a.py', 'x = comp', ''), 'ute(1)');
  assert.equal(c.get('a.py', 'x = compute(1', ''), ')');
});

test('typing something else, another suffix or another document misses', () => {
  const c = new TypingCache();
  c.put('a.py', 'x = ', '', 'compute(1)');
  assert.equal(c.get('a.py', 'x = cop', ''), undefined);
  assert.equal(c.get('a.py', 'x = ', 'y'), undefined);
  assert.equal(c.get('b.py', 'x = ', ''), undefined);
});

test('having typed all of it is a miss (nothing left to suggest)', () => {
  const c = new TypingCache();
  c.put('a.py', 'x = ', '', 'f()');
  assert.equal(c.get('a.py', 'x = f()', ''), undefined);
});

test('capacity evicts the least recently used entries', () => {
  const c = new TypingCache(2);
  c.put('k', 'a', '', '1');
  c.put('k', 'b', '', '2');
  assert.equal(c.get('k', 'a', ''), '1'); // a is now the most recent
  c.put('k', 'c', '', '3');
  assert.equal(c.get('k', 'b', ''), undefined);
  assert.equal(c.get('k', 'a', ''), '1');
  assert.equal(c.get('k', 'c', ''), '3');
});

test('a closer the editor auto-inserted after an opener of the suggestion still matches', () => {
  const c = new TypingCache();
  c.put('a.py', 'x = f', '\n', '(a, b)');
  assert.equal(c.get('a.py', 'x = f(', ')\n'), 'a, b)');
  c.put('a.py', 'y = ', '\n', '"abc"');
  assert.equal(c.get('a.py', 'y = "', '"\n'), 'abc"');
});

test('a closer in front of the suffix that the typed text did not open is a changed suffix', () => {
  const c = new TypingCache();
  c.put('a.py', 'x = ', '\n', 'f(a)');
  assert.equal(c.get('a.py', 'x = f', ')\n'), undefined);
  assert.equal(c.get('a.py', 'x = ', 'q\n'), undefined);
});
