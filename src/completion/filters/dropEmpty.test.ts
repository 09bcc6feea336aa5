import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropEmpty } from './dropEmpty';
import { ctx } from './testContext';

test('whitespace-only results are dropped', () => {
  assert.equal(dropEmpty('', ctx()), '');
  assert.equal(dropEmpty('  \n\t\n ', ctx()), '');
});

test('text with content is kept as is, surrounding whitespace included', () => {
  assert.equal(dropEmpty(' x = 1\n', ctx()), ' x = 1\n');
});
