import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSampler } from './options';

test('request overrides manifest overrides built-ins; undefined/null fields do not override', () => {
  const o = resolveSampler({ algorithm: 'entropy', threshold: 0.8 }, { threshold: 0.7, temperature: undefined });
  assert.equal(o.algorithm, 'entropy');
  assert.equal(o.threshold, 0.7);
  assert.equal(o.temperature, 0);
});

test('a request that asks for a step rate drops a fixed step count from the manifest; its own steps still win', () => {
  assert.equal(resolveSampler({ steps: 8 }, { stepsPerToken: 0.25 }).steps, undefined);
  assert.equal(resolveSampler({ steps: 8 }, { stepsPerToken: 0.25, steps: 3 }).steps, 3);
  assert.equal(resolveSampler({ steps: 8 }, {}).steps, 8);
  assert.equal(resolveSampler({ stepsPerToken: 0.5 }, {}).stepsPerToken, 0.5);
});

test('bad values are clear errors', () => {
  assert.throws(() => resolveSampler(undefined, { algorithm: 'nope' as never }), /sampler.algorithm must be one of/);
  assert.throws(() => resolveSampler(undefined, { threshold: 2 }), /sampler.threshold/);
  assert.throws(() => resolveSampler(undefined, { steps: 0 }), /sampler.steps/);
  assert.throws(() => resolveSampler(undefined, { stepsPerToken: 0 }), /sampler.stepsPerToken must be a number in \(0, 1\]/);
  assert.throws(() => resolveSampler(undefined, { stepsPerToken: 25 }), /sampler.stepsPerToken/);
  assert.throws(() => resolveSampler(undefined, { stepsPerToken: Infinity }), /sampler.stepsPerToken/);
  assert.throws(() => resolveSampler(undefined, { topP: 0 }), /sampler.topP/);
  assert.throws(() => resolveSampler(undefined, { temperature: NaN }), /sampler.temperature/);
  assert.throws(() => resolveSampler(undefined, { blockSize: 2.5 }), /sampler.blockSize/);
  assert.throws(() => resolveSampler(undefined, { eosAfterText: 'yes' as never }), /sampler.eosAfterText must be true or false/);
});
