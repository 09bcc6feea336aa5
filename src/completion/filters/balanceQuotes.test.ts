import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanceQuotes } from './balanceQuotes';
import { ctx } from './testContext';

test('a string the suggestion opens and never closes is cut off', () => {
  assert.equal(balanceQuotes('open("data.txt', ctx()), 'open(');
  assert.equal(balanceQuotes("name = 'abc", ctx()), 'name =');
});

test('closed strings, and quotes inside them or in comments, pass', () => {
  for (const t of ['print("it\'s")', "x = 'a\"b'", 'f("a\\"b")', 'x = 1  # don\'t', 's = """doc"""'])
    assert.equal(balanceQuotes(t, ctx()), t);
  assert.equal(balanceQuotes("y = 2; // it's", ctx({ languageId: 'typescript' })), "y = 2; // it's");
});

test('finishing the string the user is typing is fine; the same quote right of the cursor closes an open one', () => {
  assert.equal(balanceQuotes('data.txt', ctx({ linePrefix: 'open("', lineSuffix: '")' })), 'data.txt');
  assert.equal(balanceQuotes('"abc', ctx({ linePrefix: 'x = ', lineSuffix: '"' })), '"abc');
});

test('block mode: a line that leaves a single-line string open ends the suggestion at that string', () => {
  assert.equal(balanceQuotes('a = 1\nb = "oops\nc = 3', ctx({ mode: 'block' })), 'a = 1\nb =');
});

test('a quote inside the cursor\'s comment is not a string', () => {
  assert.equal(balanceQuotes("isn't it", ctx({ linePrefix: '# why ' })), "isn't it");
});

test('inside an auto-closed string the suggestion stops before closing it again', () => {
  assert.equal(balanceQuotes('abc")', ctx({ linePrefix: 'f("', lineSuffix: '"' })), 'abc');
});
