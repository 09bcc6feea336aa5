import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILL_SAMPLERS, fillSampler, PARALLEL_SAMPLER } from './fillSampler';
import { resolveSampler } from './options';

// DiffuCoder-7B's published setting, as its exported manifest recommends it.
const DIFFUCODER = { algorithm: 'entropy', temperature: 0.3, topP: 0.95, stepsPerToken: 1 } as const;

test('parallel replaces the manifest decoder (threshold 0.9, blocks of 8, greedy) and keeps its habit fixes', () => {
  const s = resolveSampler({ ...DIFFUCODER, eosAfterText: true, repetitionPenalty: 2 }, fillSampler('parallel', { dualCache: true }));
  assert.equal(s.algorithm, 'threshold');
  assert.equal(s.threshold, 0.9);
  assert.equal(s.blockSize, 8);
  assert.equal(s.temperature, 0);
  assert.equal(s.topP, 1);
  assert.equal(s.cache, 'dual');
  assert.equal(s.eosAfterText, true);
  assert.equal(s.repetitionPenalty, 2);
});

test('the dual cache only for a model that serves it (the engine refuses dual on one that does not)', () => {
  assert.equal(fillSampler('parallel', { dualCache: false }).cache, 'none');
  assert.equal(fillSampler('parallel', {}).cache, 'none');
});

test("'model' sends only the user's overrides: the manifest's sampler exactly", () => {
  assert.deepEqual(fillSampler('model', { dualCache: true }), {});
  const s = resolveSampler(DIFFUCODER, fillSampler('model', { dualCache: true }));
  assert.equal(s.algorithm, 'entropy');
  assert.equal(s.temperature, 0.3);
  assert.equal(s.blockSize, undefined);
});

test("the user's own sampler options win over the parallel decoder", () => {
  const s = resolveSampler(DIFFUCODER, fillSampler('parallel', { dualCache: true }, { threshold: 0.8, cache: 'none' }));
  assert.equal(s.threshold, 0.8);
  assert.equal(s.cache, 'none');
  assert.equal(s.algorithm, 'threshold');
  assert.equal(resolveSampler(DIFFUCODER, fillSampler('model', {}, { threshold: 0.7 })).threshold, 0.7);
});

test('the preset is valid under the sampler table and cannot be mutated', () => {
  assert.doesNotThrow(() => resolveSampler(undefined, { ...PARALLEL_SAMPLER }));
  assert.throws(() => ((PARALLEL_SAMPLER as Record<string, unknown>).threshold = 0.5));
});

test("package.json's diffucode.fill.sampler offers exactly the choices, parallel by default", () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const p = pkg.contributes.configuration.properties['diffucode.fill.sampler'];
  assert.equal(p.default, 'parallel');
  assert.deepEqual(p.enum, [...FILL_SAMPLERS]);
});
