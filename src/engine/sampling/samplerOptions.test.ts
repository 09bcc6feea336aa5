import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSampler } from './options';
import { accepts, builtinSampler, problemWith, SAMPLER_OPTIONS } from './samplerOptions';

interface SettingSchema {
  type: string | string[];
  default: unknown;
  enum?: unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
}

function settings(): Record<string, SettingSchema> {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const conf = pkg.contributes.configuration;
  return Object.assign({}, ...(Array.isArray(conf) ? conf : [conf]).map((c: { properties: object }) => c.properties));
}

test("package.json's sampler settings are the table's: same keys, types, bounds; unset means the model's value", () => {
  const props = settings();
  const fromTable = SAMPLER_OPTIONS.filter((s) => s.setting);
  for (const spec of fromTable) {
    const p = props[`diffucode.${spec.setting}`];
    assert.ok(p, `package.json lacks diffucode.${spec.setting}`);
    if (spec.kind === 'number' || spec.kind === 'integer') {
      assert.deepEqual(p.type, [spec.kind, 'null'], spec.setting);
      // null = no override: the manifest's recommendation, then the table's built-in default, apply in the engine
      assert.equal(p.default, null, spec.setting);
      assert.equal(p.minimum, spec.min, `${spec.setting} minimum`);
      assert.equal(p.exclusiveMinimum, spec.above, `${spec.setting} exclusiveMinimum`);
      assert.equal(p.maximum, spec.max, `${spec.setting} maximum`);
      assert.equal(p.exclusiveMaximum, spec.below, `${spec.setting} exclusiveMaximum`);
    } else {
      assert.equal(p.type, 'string', spec.setting);
      assert.equal(p.default, 'model', spec.setting);
      // The settings UI may list the values in its own order; 'model' first (the default).
      assert.equal(p.enum?.[0], 'model', spec.setting);
      assert.deepEqual([...(p.enum ?? [])].slice(1).sort(), [...(spec.kind === 'boolean' ? ['on', 'off'] : spec.values ?? [])].sort(), spec.setting);
    }
  }
  const orphans = Object.keys(props).filter((k) => k.startsWith('diffucode.sampler.') && !fromTable.some((s) => `diffucode.${s.setting}` === k));
  assert.deepEqual(orphans, [], 'a sampler setting without a row in the table');
});

test('table rows: one per option, flags unique, defaults inside their own bounds', () => {
  assert.equal(new Set(SAMPLER_OPTIONS.map((s) => s.key)).size, SAMPLER_OPTIONS.length);
  const flags = SAMPLER_OPTIONS.flatMap((s) => [s.flag, ...(s.short ? [s.short] : [])]);
  assert.equal(new Set(flags).size, flags.length);
  for (const spec of SAMPLER_OPTIONS) if (spec.default !== undefined) assert.ok(accepts(spec, spec.default), `${spec.key} default ${spec.default}`);
  assert.deepEqual(resolveSampler(undefined, undefined), builtinSampler());
  assert.deepEqual(builtinSampler(), { algorithm: 'threshold', threshold: 0.9, temperature: 0, topP: 1, eps: 1e-3, seed: 0 });
});

test('each bound is exact: inclusive bounds accept the bound, exclusive ones refuse it', () => {
  const spec = (key: string) => SAMPLER_OPTIONS.find((s) => s.key === key)!;
  assert.equal(problemWith(spec('topP'), 1), undefined);
  assert.equal(problemWith(spec('topP'), 0), 'sampler.topP must be a number in (0, 1] (got 0)');
  assert.equal(problemWith(spec('eps'), 1), 'sampler.eps must be a number in (0, 1) (got 1)');
  assert.equal(problemWith(spec('threshold'), 0), undefined);
  assert.equal(problemWith(spec('steps'), 0), 'sampler.steps must be a positive integer (got 0)');
  assert.equal(problemWith(spec('seed'), 1.5), 'sampler.seed must be an integer (got 1.5)');
  assert.equal(problemWith(spec('cache'), 'both'), `sampler.cache must be 'none' or 'dual' (got "both")`);
  assert.equal(problemWith(spec('cacheRefresh'), 0), undefined);
});
