import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOWNLOAD_SHARE, ProgressText } from './progressText';

test('download then conversion on one bar: bytes, rate, time left; increments add up to 100 and never go back', () => {
  const t = new ProgressText();
  const steps = [
    t.step({ stage: 'resolve', repo: 'org/m@main' }),
    t.step({ stage: 'download', file: 'model-00001.safetensors', bytes: 0, totalBytes: 2e9, rate: 0 }),
    t.step({ stage: 'download', file: 'sub/model-00001.safetensors', bytes: 5e8, totalBytes: 2e9, rate: 25e6, secondsLeft: 60 }),
    // A resumed file can report fewer bytes done for a moment: the bar does not go back.
    t.step({ stage: 'download', file: 'model-00002.safetensors', bytes: 4e8, totalBytes: 2e9, rate: 25e6, secondsLeft: 64 }),
    t.step({ stage: 'download', file: 'model-00002.safetensors', bytes: 2e9, totalBytes: 2e9, rate: 25e6, secondsLeft: 0 }),
    t.step({ stage: 'convert', done: 1, total: 4, what: 'layer 0' }),
    t.step({ stage: 'convert', done: 4, total: 4, what: 'head' }),
    t.step({ stage: 'done', folder: '/s/m' }),
  ];
  assert.equal(steps[0].message, 'Looking up org/m@main on the Hub…');
  assert.equal(steps[2].message, 'Downloading model-00001.safetensors: 500 MB of 2.00 GB (25 %), 25.0 MB/s, 1 min 0 s left');
  assert.equal(steps[1].message, 'Downloading model-00001.safetensors: 0 B of 2.00 GB (0 %)');
  assert.equal(steps[5].message, 'Converting: layer 0 (1/4)');
  for (const s of steps) assert.ok(s.increment >= 0);
  assert.equal(steps[3].increment, 0);
  const cum = steps.map((_, i) => steps.slice(0, i + 1).reduce((a, s) => a + s.increment, 0));
  assert.equal(cum[2], 0.25 * DOWNLOAD_SHARE);
  assert.equal(cum[4], DOWNLOAD_SHARE);
  assert.equal(cum[5], DOWNLOAD_SHARE + (100 - DOWNLOAD_SHARE) / 4);
  assert.equal(cum[7], 100);
  assert.equal(t.percent, 100);
});

test('a conversion alone fills the whole bar', () => {
  const t = new ProgressText(false);
  assert.equal(t.step({ stage: 'convert', done: 1, total: 2, what: 'opening' }).increment, 50);
  assert.equal(t.step({ stage: 'convert', done: 2, total: 2, what: 'done' }).increment, 50);
});
