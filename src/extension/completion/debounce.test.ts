import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounce } from './debounce';

test('completes after the delay when nothing cancels', async () => {
  const t0 = Date.now();
  assert.equal(await debounce(30, new AbortController().signal), true);
  assert.ok(Date.now() - t0 >= 25);
});

test('an abort during the wait resolves false at once', async () => {
  const c = new AbortController();
  const p = debounce(10_000, c.signal);
  c.abort();
  assert.equal(await p, false);
});

test('already aborted resolves false; zero delay resolves true', async () => {
  const c = new AbortController();
  c.abort();
  assert.equal(await debounce(10, c.signal), false);
  assert.equal(await debounce(0, new AbortController().signal), true);
});
