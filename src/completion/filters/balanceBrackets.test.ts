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

test('block mode ends with the last line at which everything the suggestion opened is closed', () => {
  assert.equal(balanceBrackets('y();\nif (x) {\n  z();', ctx({ mode: 'block' })), 'y();');
  assert.equal(balanceBrackets('if (x) {\n  z();', ctx({ mode: 'block' })), '');
  assert.equal(balanceBrackets('if (x) {\n  z();\n}\nw(', ctx({ mode: 'block' })), 'if (x) {\n  z();\n}');
});

test('brackets in comments do not count', () => {
  assert.equal(balanceBrackets('x = 1  # (see above', ctx()), 'x = 1  # (see above');
  assert.equal(balanceBrackets('f(a) // )', ctx({ languageId: 'typescript' })), 'f(a) // )');
});

test('closing what the user opened before the cursor is fine when the line does not close it already', () => {
  assert.equal(balanceBrackets('b)', ctx({ linePrefix: 'foo(a, ' })), 'b)');
});

test('line mode closes what the user opened on the line when the rest of the line does not (an opener typed over a suggestion is not auto-closed)', () => {
  assert.equal(balanceBrackets('0, 1, 2', ctx({ linePrefix: 'total = sum(' })), '0, 1, 2)');
  assert.equal(balanceBrackets('x', ctx({ linePrefix: 'print(', lineSuffix: ')' })), 'x');
  assert.equal(balanceBrackets('a: 1', ctx({ linePrefix: 'const o = {', languageId: 'typescript' })), 'a: 1}');
  assert.equal(balanceBrackets('b(c', ctx({ linePrefix: 'f(a, ' })), 'b(c))');
});

test('a { opened earlier on the line is left for the lines below', () => {
  assert.equal(balanceBrackets(' return 1;', ctx({ linePrefix: 'function f() { let x = 2;', languageId: 'typescript' })), ' return 1;');
});
