import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatSeconds, ProgressMeter } from './progressMeter';

test('rate and time left count network bytes only, over the last few seconds', () => {
  let t = 0;
  const m = new ProgressMeter(10_000_000, 5000, () => t);
  m.found(4_000_000); // a resumed file: done, but not a speed
  assert.deepEqual(m.report('a'), { file: 'a', bytes: 4_000_000, totalBytes: 10_000_000, rate: 0, secondsLeft: undefined });
  for (let i = 0; i < 10; i++) {
    t += 1000;
    m.fetchedBytes(100_000);
  }
  const r = m.report('a');
  assert.equal(r.bytes, 5_000_000);
  assert.equal(r.rate, 100_000);
  assert.equal(r.secondsLeft, 50);
  // A stall then a burst: the window forgets the old pace.
  t += 10_000;
  m.fetchedBytes(1);
  t += 1000;
  m.fetchedBytes(2_000_000);
  assert.ok(m.report('a').rate > 1_000_000);
});

test('sizes and durations as the progress line shows them', () => {
  assert.equal(formatBytes(15_230_000_000), '15.2 GB');
  assert.equal(formatBytes(4_800_000_000), '4.80 GB');
  assert.equal(formatBytes(341_000), '341 kB');
  assert.equal(formatBytes(12), '12 B');
  assert.equal(formatSeconds(5.2), '6 s');
  assert.equal(formatSeconds(125), '2 min 5 s');
  assert.equal(formatSeconds(7300), '2 h 2 min');
  assert.equal(formatSeconds(NaN), '?');
});
