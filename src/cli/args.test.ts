import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from './args';

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
  assert.throws(() => parseCli(['fill', 'x', '--steps', 'many']), /--steps expects an integer/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token', '0']), /--steps-per-token expects a number > 0 <= 1, got "0"/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token=-1']), /--steps-per-token expects a number > 0 <= 1, got "-1"/);
  assert.throws(() => parseCli(['fill', 'x', '--steps-per-token', '25']), /--steps-per-token expects a number > 0 <= 1, got "25"/);
  assert.throws(() => parseCli(['fill', 'x', '--threshold', '1.5']), /--threshold expects a number >= 0 <= 1/);
  assert.throws(() => parseCli(['fill', 'x', '--algorithm', 'magic']), /--algorithm must be one of/);
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
  assert.throws(() => parseCli(['fill', 'x', '--cache', 'sometimes']), /--cache must be none or dual/);
  assert.throws(() => parseCli(['fill', 'x', '--cache-refresh=-1']), /--cache-refresh expects an integer >= 0/);
});
