import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSampler } from '../engine/sampling/options';
import { SAMPLER_OPTIONS, type SamplerOptionSpec } from '../engine/sampling/samplerOptions';
import { parseCli, UsageError } from './args';

test('fill FILE with sampler flags', () => {
  const a = parseCli(['fill', 'x.py', '--algorithm', 'entropy', '--steps', '8', '--top-p', '0.9', '--seed', '3', '-n', '12', '--block-size', '4']);
  assert.equal(a.command, 'fill');
  assert.equal(a.file, 'x.py');
  assert.deepEqual(a.sampler, { algorithm: 'entropy', steps: 8, topP: 0.9, seed: 3, blockSize: 4 });
  assert.equal(a.tokens, 12);
  assert.equal(parseCli(['batch', '-a', 'maskgit_plus', '--steps-per-token', '0.25']).sampler.stepsPerToken, 0.25);
});

test('unknown options, commands and bad values are usage errors', () => {
  assert.throws(() => parseCli(['fill', 'x', '--frobnicate']), /Unknown option '--frobnicate'/);
  assert.throws(() => parseCli(['explode']), /unknown command "explode"/);
  assert.throws(() => parseCli([]), /missing command/);
  assert.throws(() => parseCli(['fill', 'x', '--steps', 'many']), /^UsageError: --steps: sampler\.steps must be a positive integer \(got "many"\)$/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token', '0']), /--steps-per-token: sampler\.stepsPerToken must be a number in \(0, 1\]: .* \(got 0\)/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token=-1']), /--steps-per-token: .* \(got -1\)/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token', '25']), /--steps-per-token: .* \(got 25\)/);
  assert.throws(() => parseCli(['fill', 'x', '--threshold', '1.5']), /--threshold: sampler\.threshold must be a number in \[0, 1\] \(got 1\.5\)/);
  assert.throws(() => parseCli(['fill', 'x', '--algorithm', 'magic']), /--algorithm: sampler\.algorithm must be one of .* \(got "magic"\)/);
  assert.throws(() => parseCli(['fill']), /needs a FILE or --stdin/);
  assert.throws(() => parseCli(['batch', '--in-place']), /--in-place needs/);
  for (const bad of [['fill', 'x', '--steps', 'many'], ['nope']]) assert.throws(() => parseCli(bad), (e: Error) => e.name === 'UsageError');
});

test('help and version win over everything', () => {
  assert.equal(parseCli(['--help']).command, 'help');
  assert.equal(parseCli(['fill', '-h']).command, 'help');
  assert.equal(parseCli(['--version']).command, 'version');
});

test('--eos-after-text and --no-eos-after-text set the flag; both at once is an error', () => {
  assert.equal(parseCli(['fill', 'x', '--eos-after-text']).sampler.eosAfterText, true);
  assert.equal(parseCli(['fill', 'x', '--no-eos-after-text']).sampler.eosAfterText, false);
  assert.equal('eosAfterText' in parseCli(['fill', 'x']).sampler, false, 'unset: the manifest decides');
  assert.throws(() => parseCli(['fill', 'x', '--eos-after-text', '--no-eos-after-text']), /not both/);
});

test('--cache and --cache-refresh', () => {
  const a = parseCli(['fill', 'x', '--cache', 'dual', '--cache-refresh', '3']);
  assert.equal(a.sampler.cache, 'dual');
  assert.equal(a.sampler.cacheRefresh, 3);
  assert.throws(() => parseCli(['fill', 'x', '--cache', 'sometimes']), /--cache: sampler\.cache must be 'none' or 'dual' \(got "sometimes"\)/);
  assert.throws(() => parseCli(['fill', 'x', '--cache-refresh=-1']), /--cache-refresh: sampler\.cacheRefresh must be an integer >= 0 \(got -1\)/);
});

/** Values just outside each bound of a row of the table, a wrong type, and (integers) a fraction. */
function badValues(spec: SamplerOptionSpec): string[] {
  if (spec.kind === 'enum') return ['nope', ''];
  const out = ['abc', ''];
  if (spec.min !== undefined) out.push(String(spec.min - 1));
  if (spec.above !== undefined) out.push(String(spec.above));
  if (spec.max !== undefined) out.push(String(spec.max + 1));
  if (spec.below !== undefined) out.push(String(spec.below));
  if (spec.kind === 'integer') out.push('2.5');
  return out;
}

test('every bad sampler value is a usage error with the message the engine gives (the drift: --top-p 0, --eps 0, --eps 1 passed the CLI)', () => {
  for (const [flag, raw] of [['top-p', '0'], ['eps', '0'], ['eps', '1']]) {
    assert.throws(() => parseCli(['fill', 'x', `--${flag}`, raw]), (e: Error) => e instanceof UsageError && /must be a number in \(0, 1/.test(e.message), `--${flag} ${raw}`);
  }
  let checked = 0;
  for (const spec of SAMPLER_OPTIONS.filter((s) => s.kind !== 'boolean')) {
    for (const raw of badValues(spec)) {
      let cliMessage = '';
      try {
        parseCli(['fill', 'x', `--${spec.flag}=${raw}`]);
      } catch (e) {
        assert.ok(e instanceof UsageError, `--${spec.flag}=${raw}: ${String(e)}`);
        cliMessage = e.message;
      }
      // What the engine says for the same value, as a request over IPC would carry it.
      const sent = raw.trim() !== '' && Number.isFinite(Number(raw)) && spec.kind !== 'enum' ? Number(raw) : raw;
      assert.throws(() => resolveSampler(undefined, { [spec.key]: sent }), (e: Error) => {
        assert.equal(cliMessage, `--${spec.flag}: ${e.message}`);
        return true;
      });
      checked++;
    }
  }
  assert.ok(checked >= 40, `only ${checked} bad values checked`);
});

test('every sampler flag of the table reaches the request unchanged', () => {
  const good: Record<string, string> = { algorithm: 'entropy', cache: 'dual', eps: '0.5' };
  for (const spec of SAMPLER_OPTIONS.filter((s) => s.kind !== 'boolean')) {
    const raw = good[spec.key] ?? String(spec.max ?? spec.min ?? 3);
    const a = parseCli(['fill', 'x', `--${spec.flag}`, raw]);
    assert.deepEqual(a.sampler, { [spec.key]: spec.kind === 'enum' ? raw : Number(raw) }, spec.flag);
  }
});

test('--parse-check takes repair (default), applyMarked or off; --language must name a grammar; both are fill options', () => {
  assert.equal(parseCli(['fill', 'x.py']).parseCheck, 'repair');
  assert.equal(parseCli(['fill', 'x.py', '--parse-check', 'applyMarked']).parseCheck, 'applyMarked');
  assert.equal(parseCli(['fill', '--stdin', '--language', 'typescript']).language, 'typescript');
  assert.throws(() => parseCli(['fill', 'x.py', '--parse-check', 'strict']), /^UsageError: --parse-check expects repair, applyMarked, off; got "strict"$/);
  assert.throws(() => parseCli(['fill', 'x', '--language', 'cobol']), /^UsageError: --language: no grammar for "cobol" \(known: python, /);
  assert.throws(() => parseCli(['batch', '--parse-check', 'off']), /are fill options/);
});

test('--sampler parallel|model: parallel by default, anything else a usage error, not with --ghost-text', () => {
  assert.equal(parseCli(['fill', 'x']).fillSampler, 'parallel');
  assert.equal(parseCli(['fill', 'x', '--sampler', 'model']).fillSampler, 'model');
  assert.equal(parseCli(['batch', '--sampler', 'parallel']).fillSampler, 'parallel');
  assert.throws(() => parseCli(['fill', 'x', '--sampler', 'fast']), /^UsageError: --sampler expects parallel or model, got "fast"$/);
  assert.throws(() => parseCli(['batch', '--ghost-text', '--sampler', 'model']), /--sampler chooses the decoder of fills/);
});
