import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ghostTextSampler } from './ghostSampler';

const dream = { algorithm: 'entropy' as const, temperature: 0.3, topP: 0.95, stepsPerToken: 1 };

test("ghost text decodes by threshold, greedily, in blocks of 8 over the dual cache whatever the manifest's fill sampler", () => {
  const s = ghostTextSampler(dream, {}, true);
  assert.equal(s.algorithm, 'threshold');
  assert.equal(s.threshold, 0.9);
  assert.equal(s.temperature, 0);
  assert.equal(s.topP, 1);
  assert.equal(s.blockSize, 8);
  assert.equal(s.cache, 'dual');
  assert.equal(ghostTextSampler(dream, {}, false).cache, 'none'); // no window graph: full passes
});

test("a threshold manifest keeps its own threshold, block size and penalty (the bundled model's)", () => {
  const s = ghostTextSampler({ algorithm: 'threshold', threshold: 0.8, blockSize: 4, repetitionPenalty: 2, cache: 'none', cacheRefresh: 2 }, {}, true);
  assert.deepEqual([s.algorithm, s.threshold, s.blockSize, s.repetitionPenalty, s.cache, s.cacheRefresh], ['threshold', 0.8, 4, 2, 'dual', undefined]);
});

test("the user's settings win, but a schedule algorithm they pick still runs about four tokens a step", () => {
  assert.equal(ghostTextSampler(dream, { threshold: 0.7 }, true).threshold, 0.7);
  const e = ghostTextSampler(dream, { algorithm: 'entropy' }, true);
  assert.equal(e.algorithm, 'entropy');
  assert.equal(e.stepsPerToken, 0.25);
  assert.equal(ghostTextSampler(dream, { algorithm: 'entropy', steps: 24 }, true).steps, 24); // an explicit step count is theirs
});

test("the speed probe's window is ghost text's block", async () => {
  const { GHOST_BLOCK } = await import('../model/speed');
  const { GHOST_BLOCK_SIZE } = await import('./ghostSampler');
  assert.equal(GHOST_BLOCK, GHOST_BLOCK_SIZE);
});
