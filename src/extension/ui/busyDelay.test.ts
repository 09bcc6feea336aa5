import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { BusyDelay } from './busyDelay';

type S = { state: string };

function setup() {
  mock.timers.enable({ apis: ['setTimeout'] });
  const shown: string[] = [];
  const d = new BusyDelay<S>(300, (s) => shown.push(s.state));
  return { d, shown };
}

test('work that ends before the delay never shows "busy"', () => {
  const { d, shown } = setup();
  try {
    d.update({ state: 'ready' });
    d.update({ state: 'busy' });
    mock.timers.tick(299);
    d.update({ state: 'ready' });
    mock.timers.tick(1000);
    assert.deepEqual(shown, ['ready', 'ready']);
  } finally {
    mock.timers.reset();
  }
});

test('work still going on after the delay shows "busy", then what follows at once', () => {
  const { d, shown } = setup();
  try {
    d.update({ state: 'busy' });
    mock.timers.tick(300);
    assert.deepEqual(shown, ['busy']);
    d.update({ state: 'busy' }); // a second request while busy: shown at once, no new wait
    d.update({ state: 'error' });
    assert.deepEqual(shown, ['busy', 'busy', 'error']);
  } finally {
    mock.timers.reset();
  }
});

test('dispose drops a pending "busy"', () => {
  const { d, shown } = setup();
  try {
    d.update({ state: 'busy' });
    d.dispose();
    mock.timers.tick(1000);
    assert.deepEqual(shown, []);
  } finally {
    mock.timers.reset();
  }
});
