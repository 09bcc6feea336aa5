import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from './documentGuard';

test('ordinary code passes', () => {
  assert.equal(skipReason('def f():\n\treturn 1\r\n', 1000), undefined);
});

test('too large is skipped with the limit in the message', () => {
  assert.match(skipReason('x'.repeat(101), 100)!, /larger than 100/);
});

test('binary content is skipped', () => {
  assert.equal(skipReason('PK\u0003\u0004\u0000\u0000', 1000), 'binary content');
});
