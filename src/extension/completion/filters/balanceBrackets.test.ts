import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanceBrackets } from './balanceBrackets';
import { ctx } from './testContext';

test('stops before a closer the rest of the line already has', () => {
  assert.equal(balanceBrackets('a, b)', ctx({ linePrefix: 'f(', lineSuffix: ')' })), 'a, b');
});

test('line mode closes brackets the suggestion left open', () => {
  assert.equal(balanceBrackets('print(len(x', ctx()), 'print(len(x))');
});

test('closers already right of the cursor are not added twice', () => {
  assert.equal(balanceBrackets('g(x', ctx({ lineSuffix: ')' })), 'g(x');
  assert.equal(balanceBrackets('g(h(x', ctx({ lineSuffix: ')' })), 'g(h(x)');
});

test('brackets inside strings are ignored', () => {
  assert.equal(balanceBrackets('print("(")', ctx()), 'print("(")');
});

test('a mismatched closer ends the suggestion', () => {
  assert.equal(balanceBrackets('f(a]', ctx()), 'f(a)');
});

test('block mode leaves open blocks for the next lines', () => {
  assert.equal(balanceBrackets('if (x) {\n  y();', ctx({ mode: 'block' })), 'if (x) {\n  y();');
});
