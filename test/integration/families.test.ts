// LLaDA and CoDA (Qwen3-block) checkpoints end to end: a tiny RANDOM checkpoint in each family's published format
// (make_tiny_checkpoint --family) converted by `node dist/cli.js convert` (src/models/convert) and served by the
// TypeScript engine,
// in process and through the real worker process. LLaDA goes through the engine's unshifted-logits path
// (manifest shiftedLogits false), CoDA through the shifted one with per-head q/k norms in the graph. Random weights
// say nothing about quality: this checks structure, the family's manifest, and determinism under a seed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InfillEngine } from '../../src/engine/engine';
import type { InfillRequest } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
}

function exportFamily(dir: string, family: string) {
  const ckpt = join(dir, `${family}-checkpoint`);
  const model = join(dir, family);
  run(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', ckpt, '--family', family]);
  run(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'convert', ckpt, model, '--quiet']);
  const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
  const tokenizer = JSON.parse(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
  const size = 1 + Math.max(...Object.values(tokenizer.model.vocab as Record<string, number>),
    ...(tokenizer.added_tokens as { id: number }[]).map((t) => t.id));
  return { model, manifest, size };
}

const request = (seed: number, sampler: InfillRequest['sampler'] = {}): InfillRequest => ({
  pieces: ['def add(a, b):\n    ', '\n\nvalues = [1, 2, 3]\nprint(', ')\n'],
  gaps: [{ maxTokens: 8 }, { maxTokens: 5 }],
  sampler: { seed, ...sampler },
});

for (const [family, shifted, algorithm] of [['llada', false, 'maskgit_plus'], ['coda', true, 'entropy']] as const) {
  describe(`exported ${family} checkpoint`, () => {
    let dir: string;
    let fam: ReturnType<typeof exportFamily>;
    let engine: InfillEngine;

    before(() => {
      dir = mkdtempSync(join(tmpdir(), `diffucode-${family}-`));
      run(process.execPath, ['esbuild.mjs']); // the converter and the worker as they are now
      fam = exportFamily(dir, family);
    });
    after(async () => {
      await engine?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the engine loads it with the family\'s logit convention and sampler', async () => {
      engine = await InfillEngine.load(fam.model, { executionProvider: 'cpu' });
      assert.equal(fam.manifest.family, family);
      assert.equal(engine.info.shiftedLogits, shifted);
      assert.equal(engine.info.sampler.algorithm, algorithm);
      assert.equal(engine.info.vocabSize, fam.manifest.vocabSize);
    });

    test('infill fills every gap with tokens the tokenizer can produce, deterministically', async () => {
      for (const sampler of [{}, { algorithm: 'threshold' as const, threshold: 0.9, temperature: 0 },
        { algorithm: 'threshold' as const, threshold: 0.99, temperature: 0, blockSize: 4, cache: 'dual' as const }]) {
        const req = request(7, sampler);
        const r = await engine.infill(req);
        assert.equal(r.gaps.length, 2);
        r.gaps.forEach((gap, i) => {
          assert.ok(gap.tokens.length <= req.gaps[i].maxTokens);
          for (const t of gap.tokens) {
            assert.ok(Number.isInteger(t.id) && t.id >= 0 && t.id < fam.size, `token id ${t.id}`);
            assert.notEqual(t.id, fam.manifest.tokens.mask, 'no mask left in a finished gap');
          }
          assert.equal(gap.text, gap.tokens.map((t) => t.text).join(''));
        });
        assert.ok(r.stats.forwardPasses >= 1);
        if ('cache' in sampler) assert.ok((r.stats.windowPasses ?? 0) > 0, 'the dual cache ran window passes');
        assert.deepEqual((await engine.infill(req)).gaps, r.gaps, 'same seed, same result');
      }
    });

    test('through the real worker process: same result as in process', async () => {
      const client = new WorkerClient({ workerScript: join(ROOT, 'dist', 'worker.js'), modelDir: fam.model, requestTimeoutMs: 120_000 });
      try {
        const info = await client.load();
        assert.equal(info.shiftedLogits, shifted);
        const req = request(5);
        assert.deepEqual((await client.infill(req, {})).gaps, (await engine.infill(req)).gaps);
      } finally {
        client.dispose();
      }
    });
  });
}
