import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortSignalFor, type CancellationLike } from './abortBridge';

function fakeToken() {
  const listeners = new Set<() => void>();
  const token: CancellationLike & { cancel(): void; listeners: Set<() => void> } = {
    isCancellationRequested: false,
    listeners,
    onCancellationRequested(l) {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    cancel() {
      this.isCancellationRequested = true;
      for (const l of listeners) l();
    },
  };
  return token;
}

test('cancelling the token aborts the signal', () => {
  const t = fakeToken();
  const { signal } = abortSignalFor(t);
  assert.equal(signal.aborted, false);
  t.cancel();
  assert.equal(signal.aborted, true);
});

test('an already cancelled token gives an aborted signal', () => {
  const t = fakeToken();
  t.cancel();
  assert.equal(abortSignalFor(t).signal.aborted, true);
});

test('dispose detaches the listener', () => {
  const t = fakeToken();
  const bridge = abortSignalFor(t);
  assert.equal(t.listeners.size, 1);
  bridge.dispose();
  assert.equal(t.listeners.size, 0);
});
