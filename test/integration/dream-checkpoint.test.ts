// The DiffuCoder export path end to end, without DiffuCoder's weights: a tiny RANDOM checkpoint in its exact
// Hugging Face format (training/hf/make_tiny_checkpoint.py) is converted by the TypeScript converter
// (`node dist/cli.js convert`, src/models/convert) and served by the TypeScript engine, in process and through the real worker process (dist/worker.js).
// Random weights say nothing about quality, so this checks structure: one result per gap within its size, token
// ids the tokenizer can produce, stats, and identical results for identical seeds.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InfillEngine } from '../../src/engine/engine';
import { loadEngineParts } from '../../src/engine/model/load';
import type { ForwardModel } from '../../src/engine/sampling/denoiser';
import type { InfillRequest, InfillResult } from '../../src/engine/types';
import { WorkerClient } from '../../src/worker/client';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The project's Python environment (npm test creates .venv from training/requirements.txt).
const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
}

/** Writes a tiny random checkpoint and exports it; returns the model folder and its manifest. */
function exportTiny(dir: string, name: string, extra: string[] = []) {
  const ckpt = join(dir, `${name}-checkpoint`);
  const model = join(dir, name);
  run(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', ckpt, ...extra]);
  run(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'convert', ckpt, model, '--quiet']);
  const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
  const tokenizer = JSON.parse(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
  const tokenizerSize = 1 + Math.max(...Object.values(tokenizer.model.vocab as Record<string, number>),
    ...(tokenizer.added_tokens as { id: number }[]).map((t) => t.id));
  return { model, manifest, tokenizerSize };
}

const request = (seed: number): InfillRequest => ({
  pieces: ['def add(a, b):\n    ', '\n\nvalues = [1, 2, 3]\nprint(', ')\n'],
  gaps: [{ maxTokens: 8 }, { maxTokens: 5 }],
  sampler: { seed },
});

function checkStructure(result: InfillResult, req: InfillRequest, tokens: { mask: number; bos: number }, size: number) {
  assert.equal(result.gaps.length, req.gaps.length, 'one result per gap');
  result.gaps.forEach((gap, i) => {
    assert.ok(gap.tokens.length <= req.gaps[i].maxTokens, `gap ${i} holds at most its ${req.gaps[i].maxTokens} tokens`);
    assert.equal(typeof gap.text, 'string');
    assert.equal(typeof gap.stopped, 'boolean');
    for (const t of gap.tokens) {
      assert.ok(Number.isInteger(t.id) && t.id >= 0 && t.id < size, `token id ${t.id} is one the tokenizer can produce`);
      assert.notEqual(t.id, tokens.mask, 'no mask left in a finished gap');
      assert.ok(t.confidence >= 0 && t.confidence <= 1, `confidence ${t.confidence} in [0, 1]`);
    }
    assert.equal(gap.text, gap.tokens.map((t) => t.text).join(''), 'gap text is its tokens');
  });
  const s = result.stats;
  assert.ok(s.forwardPasses >= 1 && s.steps >= 1);
  assert.ok(s.canvasTokens > req.gaps.reduce((n, g) => n + g.maxTokens, 0), 'canvas holds context and gaps');
  assert.ok(s.totalMs >= s.modelMs && s.modelMs > 0);
}

describe('exported Dream/DiffuCoder-format checkpoint', () => {
  let dir: string;
  let dc: ReturnType<typeof exportTiny>;
  let engine: InfillEngine;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'diffucode-dream-'));
    run(process.execPath, ['esbuild.mjs']); // the converter and the worker as they are now
    dc = exportTiny(dir, 'diffucoder-tiny-random');
  });
  after(async () => {
    await engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the engine loads it with the manifest read from the checkpoint', async () => {
    engine = await InfillEngine.load(dc.model, { executionProvider: 'cpu' });
    assert.equal(engine.info.shiftedLogits, true);
    assert.equal(engine.info.vocabSize, dc.manifest.vocabSize);
    assert.ok(engine.info.vocabSize > dc.tokenizerSize, 'logit rows past the tokenizer, like DiffuCoder');
    assert.equal(engine.info.sampler.algorithm, 'entropy');
    assert.equal(engine.info.license, 'mit');
  });

  test('in-process infill: structure, stats, determinism under a seed', async () => {
    const req = request(11);
    const a = await engine.infill(req);
    checkStructure(a, req, dc.manifest.tokens, dc.tokenizerSize);
    assert.equal(a.stats.algorithm, 'entropy', 'the manifest recommendation is the default');
    const b = await engine.infill(req);
    assert.deepEqual(b.gaps, a.gaps, 'same seed, same result');
    const t = await engine.infill({ ...req, sampler: { seed: 11, algorithm: 'threshold', threshold: 0.9, temperature: 0 } });
    checkStructure(t, req, dc.manifest.tokens, dc.tokenizerSize);
  });

  test('through the real worker process: same result as in process', async () => {
    const client = new WorkerClient({ workerScript: join(ROOT, 'dist', 'worker.js'), modelDir: dc.model, requestTimeoutMs: 120_000 });
    try {
      const info = await client.load();
      assert.equal(info.vocabSize, dc.manifest.vocabSize);
      const req = request(5);
      const viaWorker = await client.infill(req, {});
      checkStructure(viaWorker, req, dc.manifest.tokens, dc.tokenizerSize);
      const inProcess = await engine.infill(req);
      assert.deepEqual(viaWorker.gaps, inProcess.gaps);
    } finally {
      client.dispose();
    }
  });

  test('graph v2: one session serves the dual cache (window passes, no second graph)', async () => {
    assert.ok(!existsSync(join(dc.model, 'window.onnx')));
    const req = { ...request(2), sampler: { seed: 2, algorithm: 'threshold' as const, threshold: 0.99, temperature: 0, blockSize: 4, cache: 'dual' as const } };
    const r = await engine.infill(req);
    checkStructure(r, req, dc.manifest.tokens, dc.tokenizerSize);
    assert.ok((r.stats.windowPasses ?? 0) > 0, `window passes ${r.stats.windowPasses}`);
  });

  test('measureSpeed times a full and a window pass and estimates a ghost-text suggestion from them', async () => {
    const speed = await engine.measureSpeed();
    assert.equal(engine.info.speed, speed);
    assert.ok(speed.canvasTokens > 300 && speed.fullPassMs > 0 && (speed.windowPassMs ?? 0) > 0);
    // what ghost text runs: cold = one full pass + 2 windows (the verdict), warm = 3 windows (engine/model/speed.ts)
    assert.equal(speed.coldMs, speed.fullPassMs + 2 * speed.windowPassMs!);
    assert.equal(speed.warmMs, 3 * speed.windowPassMs!);
    assert.equal(speed.ghostTextMs, speed.coldMs);
  });

  test('the in-graph confidence head chooses the same tokens as full rows of logits', async () => {
    // The same weights and session without forwardTop: the engine then reads whole 152k-style rows.
    const parts = await loadEngineParts(dc.model, { executionProvider: 'cpu' });
    const m = parts.model;
    assert.ok(m.forwardTop, 'graph v2 has the head');
    const rowsOnly: ForwardModel = { vocabSize: m.vocabSize, forward: (ids, rows) => m.forward(ids, rows) };
    const withHead = InfillEngine.fromParts(parts);
    const fullRows = InfillEngine.fromParts({ ...parts, model: rowsOnly });
    try {
      const samplers = [
        { algorithm: 'threshold' as const, threshold: 0.5, temperature: 0 },
        { algorithm: 'entropy' as const, temperature: 0 },
        { algorithm: 'topk_margin' as const, temperature: 0 },
        { algorithm: 'entropy' as const, temperature: 0.7, topK: 8, topP: 0.9 },
        { algorithm: 'maskgit_plus' as const, temperature: 1, topK: 4 },
        { algorithm: 'threshold' as const, threshold: 0.9, temperature: 0, eosAfterText: true, blockSize: 4 },
        // the repetition penalty reaches the head as extra bias columns (sampling/denoiseForward.ts)
        { algorithm: 'threshold' as const, threshold: 0.5, temperature: 0, repetitionPenalty: 3 },
        { algorithm: 'entropy' as const, temperature: 0.7, topK: 8, topP: 0.9, repetitionPenalty: 1.5 },
      ];
      for (const [i, sampler] of samplers.entries()) {
        const req = { ...request(20 + i), sampler: { seed: 20 + i, ...sampler } };
        const a = await withHead.infill(req);
        const b = await fullRows.infill(req);
        assert.deepEqual(a.gaps.map((g) => g.tokens.map((t) => t.id)), b.gaps.map((g) => g.tokens.map((t) => t.id)), JSON.stringify(sampler));
        a.gaps.forEach((g, j) => g.tokens.forEach((t, k) => assert.ok(Math.abs(t.confidence - b.gaps[j].tokens[k].confidence) < 1e-4)));
      }
    } finally {
      await withHead.dispose();
    }
  });

  test('a DreamOn-style export (expand token) loads and fills every gap', async () => {
    const dreamon = exportTiny(dir, 'dreamon-tiny-random', ['--dreamon', '--seed', '1']);
    assert.equal(typeof dreamon.manifest.tokens.expand, 'number');
    assert.ok(!dreamon.manifest.tokens.stop.includes(dreamon.manifest.tokens.expand));
    const e = await InfillEngine.load(dreamon.model, { executionProvider: 'cpu' });
    const req = request(3);
    const r = await e.infill(req);
    assert.equal(r.gaps.length, req.gaps.length);
    for (const gap of r.gaps) {
      for (const t of gap.tokens) {
        assert.notEqual(t.id, dreamon.manifest.tokens.expand, 'expand tokens never survive into the text');
        assert.notEqual(t.id, dreamon.manifest.tokens.mask);
      }
    }
    assert.deepEqual((await e.infill(req)).gaps, r.gaps);
    await e.dispose();
  });
});
