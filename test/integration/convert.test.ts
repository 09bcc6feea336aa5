// The TypeScript converter (src/models/convert) end to end on an in-memory checkpoint: every dtype's folder loads
// in the real engine and fills, quantized logits stay near the fp32 folder's, the staging folder never survives an
// abort or an error, and an existing folder is kept unless forced. The family parity tests against the torch
// reference (families.test.ts, dream-checkpoint.test.ts, training/tests) run the same converter through the CLI.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { InfillEngine } from '../../src/engine/engine';
import { OnnxModel } from '../../src/engine/model/onnxModel';
import { convertModel, type ConvertProgress } from '../../src/models/convert/convert';
import { ConvertError } from '../../src/models/convert/errors';
import type { WeightDtype } from '../../src/models/convert/input';
import { removeTemps, tempDir } from './helpers';
import { memoryCheckpoint } from './memoryCheckpoint';

after(removeTemps);

async function logitsOf(folder: string, ids: number[]): Promise<Float32Array> {
  const m = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
  const a = m.architecture;
  const model = await OnnxModel.create(join(folder, 'model.onnx'), m.vocabSize, m.io, { executionProvider: 'cpu' },
    { layers: a.num_hidden_layers, kvHeads: a.num_key_value_heads, headDim: a.hidden_size / a.num_attention_heads });
  try {
    return await model.forward(Int32Array.from(ids), Int32Array.from(ids.keys()));
  } finally {
    await model.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('convertModel on an in-memory checkpoint', () => {
  const dir = tempDir();
  const folders: Partial<Record<WeightDtype, string>> = {};

  for (const dtype of ['fp32', 'int4', 'int8', 'fp16'] as const) {
    test(`${dtype}: a complete folder the engine loads and fills with`, async () => {
      const out = join(dir, dtype);
      const steps: ConvertProgress[] = [];
      const input = memoryCheckpoint();
      const r = await convertModel({ source: input, out, dtype, onProgress: (p) => steps.push(p) });
      assert.equal(r.folder, out);
      assert.equal((input as unknown as { closed: number }).closed, 1, 'the input is closed');
      assert.deepEqual(readdirSync(out).sort(), ['MODEL_CARD.md', 'manifest.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'tokenizer_config.json']);
      assert.ok(!existsSync(`${out}.partial`));
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      assert.equal(manifest.weights.dtype, dtype);
      assert.equal(manifest.contextLength, 512);
      assert.equal(manifest.license, 'MIT');
      assert.ok(steps.some((s) => s.what === 'layer 2/2'), 'per-layer progress');
      assert.equal(steps.at(-1)!.what, 'done');
      folders[dtype] = out;
      const engine = await InfillEngine.load(out, { executionProvider: 'cpu' });
      try {
        const req = { pieces: ['def add(a, b):\n    ', '\n'], gaps: [{ maxTokens: 6 }], sampler: { seed: 3, algorithm: 'threshold' as const, threshold: 0.9, temperature: 0, cache: 'dual' as const, blockSize: 4 } };
        const res = await engine.infill(req);
        assert.equal(res.gaps.length, 1);
        assert.ok(res.gaps[0].tokens.length <= 6);
        for (const t of res.gaps[0].tokens) assert.notEqual(t.id, 1, 'no mask left');
        assert.deepEqual((await engine.infill(req)).gaps, res.gaps, 'deterministic under a seed');
      } finally {
        await engine.dispose();
      }
    });
  }

  test('quantized and fp16 logits stay near fp32 on the same canvas', async () => {
    const ids = [2, 400, 1, 1, 1, 77, 300, 0];
    const ref = await logitsOf(folders.fp32!, ids);
    const scale = Math.max(...ref.map(Math.abs));
    for (const [dtype, tol] of [['fp16', 0.01], ['int8', 0.05], ['int4', 0.35]] as const) {
      const d = maxAbsDiff(await logitsOf(folders[dtype]!, ids), ref) / scale;
      assert.ok(d < tol, `${dtype}: max |diff| / max |logit| = ${d.toFixed(4)} (limit ${tol})`);
      assert.ok(d > 0 || dtype === 'fp16', `${dtype} differs from fp32 at all`);
    }
  });

  test('tied embeddings and Qwen3-style q/k norms (CoDA) convert and run', async () => {
    for (const over of [{ tie_word_embeddings: true }, { qkv_bias: false, qk_norm: true, head_dim: 32 }]) {
      const out = join(dir, `variant-${Object.keys(over).join('-')}`);
      await convertModel({ source: memoryCheckpoint(over), out, dtype: 'int4' });
      const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const engine = await InfillEngine.load(out, { executionProvider: 'cpu' });
      try {
        const r = await engine.infill({ pieces: ['x = ', '\n'], gaps: [{ maxTokens: 3 }], sampler: { seed: 1 } });
        assert.equal(r.gaps.length, 1);
        if ('head_dim' in over) assert.equal(m.architecture.head_dim, 32);
      } finally {
        await engine.dispose();
      }
    }
  });

  test('an abort mid-way leaves no folder and no staging folder', async () => {
    const out = join(dir, 'aborted');
    const ac = new AbortController();
    const input = memoryCheckpoint({ num_hidden_layers: 4 });
    await assert.rejects(convertModel({ source: input, out, signal: ac.signal, onProgress: (p) => { if (p.what === 'layer 1/4') ac.abort(); } }),
      (e: Error) => e.name === 'AbortError');
    assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
    assert.equal((input as unknown as { closed: number }).closed, 1);
  });

  test('a non-empty folder is kept unless forced; bad options are one-line ConvertErrors', async () => {
    const out = join(dir, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await assert.rejects(convertModel({ source: memoryCheckpoint(), out }), (e: Error) => e instanceof ConvertError && /exists and is not empty; pass --force/.test(e.message));
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
    await assert.rejects(convertModel({ source: memoryCheckpoint({ hidden_size: 72, num_attention_heads: 4 }), out: join(dir, 'bad') }),
      (e: Error) => e instanceof ConvertError && /hidden_size: its input size 72 is not a multiple of the block size 32/.test(e.message));
    await assert.rejects(convertModel({ source: memoryCheckpoint(), out: join(dir, 'bad'), dtype: 'int3' as WeightDtype }), ConvertError);
    const input = memoryCheckpoint();
    input.license = undefined;
    await assert.rejects(convertModel({ source: input, out: join(dir, 'bad') }), /states no licence.*--license/);
    assert.ok(!existsSync(join(dir, 'bad')) && !existsSync(join(dir, 'bad.partial')));
    await convertModel({ source: memoryCheckpoint(), out, force: true, dtype: 'int8' });
    assert.ok(!existsSync(join(out, 'notes.txt')));
    assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).weights.dtype, 'int8');
  });
});
