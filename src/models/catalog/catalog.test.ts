import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog, catalogProblems, findRow, folderBytes, matchesPattern, ramBytes, rowFacts, type CatalogRow, type Dtype } from './catalog';
import { gflopsFromPass, passSeconds, REFERENCE_GFLOPS, speedVerdict, suggestionSeconds } from './speedModel';
import { GHOST_TEXT_SLOW_MS, PASSES_PER_SUGGESTION, SPEED_CANVAS } from '../../engine/model/speed';

const REAL = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'bench', 'results', 'real-models.json'), 'utf8'));

test('the shipped catalog validates, and every row the issue asks for is there', () => {
  assert.deepEqual(catalogProblems(catalog()), []);
  const repos = catalog().models.map((r) => r.repo);
  for (const repo of ['apple/DiffuCoder-7B-cpGRPO', 'apple/DiffuCoder-7B-Instruct', 'apple/DiffuCoder-7B-Base', 'Dream-org/Dream-Coder-v0-Instruct-7B', 'Dream-org/DreamOn-v0-7B', 'fredzzp/open-dcoder-0.5B', 'Salesforce/CoDA-v0-Instruct', 'GSAI-ML/LLaDA-8B-Instruct'])
    assert.ok(repos.includes(repo), repo);
  assert.ok(catalog().models.some((r) => r.format === 'gguf'));
  assert.equal(findRow('open-dcoder-0.5b')?.assumeDream, true);
  const coda = findRow('Salesforce/CoDA-v0-Instruct')!;
  assert.equal(coda.license.mustAccept, true, 'CC BY-NC must be accepted');
});

test('the validator refuses what would mislead a user', () => {
  const good = catalog().models[0];
  const withRow = (patch: Partial<CatalogRow>) => ({ ...catalog(), models: [{ ...good, ...patch }] });
  const one = (c: unknown) => catalogProblems(c).join('\n');
  assert.match(one(withRow({ verified: true, revision: 'main' })), /verified row must pin a 40-hex commit sha/);
  assert.match(one(withRow({ repo: '../etc' })), /not a Hub model id/);
  assert.match(one(withRow({ format: 'gguf' })), /names its \.gguf file/);
  assert.match(one(withRow({ format: 'gguf', file: '../x.gguf' })), /names its \.gguf file/);
  assert.match(one(withRow({ license: { ...good.license, url: 'http://x' } })), /https url/);
  assert.match(one(withRow({ params: 1000 })), /params/);
  assert.match(one({ ...catalog(), models: [good, good] }), /duplicate id/);
  assert.match(one({ ...catalog(), version: 2 }), /version must be 1/);
});

test('folder sizes per dtype match the exporter measured at the real shapes (within 1 %)', () => {
  const shapes: Record<string, Pick<CatalogRow, 'params' | 'shape'>> = {
    '0.5b': { params: 494032768, shape: { hiddenSize: 896, intermediateSize: 4864, vocabSize: 151936, contextLength: 4096, tiedEmbeddings: true } },
    '1.5b': { params: 1543714304, shape: { hiddenSize: 1536, intermediateSize: 8960, vocabSize: 151936, contextLength: 4096, tiedEmbeddings: true } },
    '7.6b': findRow('diffucoder-7b-cpgrpo')!,
  };
  let checked = 0;
  for (const [shape, row] of Object.entries(shapes))
    for (const dtype of ['fp32', 'fp16', 'int8', 'int4'] as Dtype[]) {
      const mb = REAL[shape]?.[dtype]?.export?.folderMb;
      if (!mb) continue;
      const est = folderBytes(row, dtype) / 1e6;
      assert.ok(Math.abs(est - mb) / mb < 0.01, `${shape} ${dtype}: estimated ${est.toFixed(0)} MB, measured ${mb} MB`);
      const rss = REAL[shape][dtype].passes?.rssAfterPassesMb;
      if (rss) assert.ok(Math.abs(ramBytes(row, dtype) / 1e6 - rss) / rss < 0.25, `${shape} ${dtype}: memory ${ramBytes(row, dtype) / 1e6} vs ${rss} MB`);
      checked++;
    }
  assert.ok(checked >= 8, `${checked} measured rows`);
});

test('speed model: the 7.6B pass it was calibrated on, and the verdict follows the engine threshold', () => {
  const p7 = findRow('diffucoder-7b-cpgrpo')!.params;
  const measuredFull = REAL['7.6b'].int4.passes;
  assert.ok(measuredFull, 'the bench row the model is calibrated on');
  // 350-token pass at the reference throughput: within 10 % of the measured 32.8 s.
  const t = passSeconds(p7, 350, REFERENCE_GFLOPS);
  assert.ok(Math.abs(t - 32.8) / 32.8 < 0.1, `${t}`);
  assert.ok(!speedVerdict(p7, REFERENCE_GFLOPS).ghostText);
  assert.ok(speedVerdict(5e6, REFERENCE_GFLOPS).ghostText, 'the 5M bundled model is fast enough');
  // The rule is the engine's: a cold suggestion (one full pass, the rest in windows: estimate's passes) right at
  // GHOST_TEXT_SLOW_MS flips the verdict.
  const s5 = suggestionSeconds(5e8, 1000);
  const o = { canvasTokens: SPEED_CANVAS, windowTokens: 15 };
  const byHand = passSeconds(5e8, o.canvasTokens, 1000) + (PASSES_PER_SUGGESTION - 1) * passSeconds(5e8, o.windowTokens, 1000);
  assert.ok(Math.abs(s5 - byHand) < 1e-9, `${s5} vs ${byHand}`);
  const paramsAtLimit = 5e8 * (GHOST_TEXT_SLOW_MS / 1000 / s5);
  assert.ok(speedVerdict(paramsAtLimit * 0.99, 1000).ghostText);
  assert.ok(!speedVerdict(paramsAtLimit * 1.01, 1000).ghostText);
  // Inverse: a measured pass gives back the throughput.
  assert.ok(Math.abs(gflopsFromPass(p7, 350, t * 1000) - REFERENCE_GFLOPS) < 1e-6);
  assert.throws(() => passSeconds(p7, 350, 0), RangeError);
  const facts = rowFacts(findRow('open-dcoder-0.5b')!, 2 * REFERENCE_GFLOPS);
  assert.ok(facts.speed.secondsPerFill < rowFacts(findRow('open-dcoder-0.5b')!).speed.secondsPerFill);
});

test('file patterns: * stays inside one folder', () => {
  assert.ok(matchesPattern('*.safetensors', 'model-00001-of-00004.safetensors'));
  assert.ok(!matchesPattern('*.safetensors', 'sub/model.safetensors'));
  assert.ok(matchesPattern('LICENSE*', 'LICENSE.txt'));
  assert.ok(!matchesPattern('config.json', 'config_json'));
});
