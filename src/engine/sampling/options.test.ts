import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSampler } from './options';

test('request overrides manifest overrides built-ins; undefined/null fields do not override', () => {
  const o = resolveSampler({ algorithm: 'entropy', threshold: 0.8 }, { threshold: 0.7, temperature: undefined });
  assert.equal(o.algorithm, 'entropy');
  assert.equal(o.threshold, 0.7);
  assert.equal(o.temperature, 0);
});

test('bad values are clear errors', () => {
  assert.throws(() => resolveSampler(undefined, { algorithm: 'nope' as never }), /sampler.algorithm must be one of/);
  assert.throws(() => resolveSampler(undefined, { threshold: 2 }), /sampler.threshold/);
  assert.throws(() => resolveSampler(undefined, { steps: 0 }), /sampler.steps/);
  assert.throws(() => resolveSampler(undefined, { stepsPerToken: 0 }), /sampler.stepsPerToken must be a number > 0/);
  assert.throws(() => resolveSampler(undefined, { stepsPerToken: Infinity }), /sampler.stepsPerToken/);
  assert.throws(() => resolveSampler(undefined, { topP: 0 }), /sampler.topP/);
  assert.throws(() => resolveSampler(undefined, { temperature: NaN }), /sampler.temperature/);
  assert.throws(() => resolveSampler(undefined, { blockSize: 2.5 }), /sampler.blockSize/);
  assert.throws(() => resolveSampler(undefined, { eosAfterText: 'yes' as never }), /sampler.eosAfterText must be true or false/);
});
