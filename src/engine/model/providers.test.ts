// executionProvider "auto": the plan (which GPU providers per OS, small models on the CPU) and, with the real ONNX
// Runtime and the bundled model, the session it ends on and the reason it gives.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundledModelDir } from '../../worker/paths';
import { createSession } from './onnxModel';
import { AUTO_CPU_BELOW_PARAMS, planProviders, transformerParams } from './providers';

const MODEL = bundledModelDir();
const manifest = JSON.parse(readFileSync(join(MODEL, 'manifest.json'), 'utf8'));
const LARGE = { params: 1e9 };

test('transformerParams counts the attention and MLP weights a pass multiplies by (embeddings excluded)', () => {
  // bundled: 4 layers x (q 256x256 + k,v 2x256x128 + o 256x256 + MLP 3x256x704)
  assert.equal(transformerParams(manifest.architecture), 4 * (65536 + 65536 + 65536 + 540672));
  const qwen05 = { hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2 };
  assert.equal(transformerParams(qwen05), 24 * (896 * 896 + 2 * 896 * 128 + 896 * 896 + 3 * 896 * 4864)); // 358M
  assert.equal(transformerParams({ hidden_size: 896 }), undefined);
});

test('auto: the GPU providers onnxruntime-node builds in for each OS, then the CPU', () => {
  assert.deepEqual(planProviders('auto', LARGE, 'win32').tries, ['dml', 'webgpu']);
  assert.deepEqual(planProviders('auto', LARGE, 'darwin').tries, ['webgpu']);
  assert.deepEqual(planProviders('auto', LARGE, 'linux').tries, ['webgpu']);
  const bsd = planProviders('auto', LARGE, 'freebsd');
  assert.deepEqual(bsd.tries, []);
  assert.match(bsd.reason ?? '', /no GPU provider for freebsd/);
});

test('auto keeps small models on the CPU and says so; an unknown size is not small', () => {
  const small = planProviders('auto', { params: transformerParams(manifest.architecture) }, 'win32');
  assert.deepEqual(small.tries, []);
  assert.match(small.reason ?? '', /auto chose the CPU: this model is small \(3M parameters, under \d+M\)/);
  assert.deepEqual(planProviders('auto', { params: AUTO_CPU_BELOW_PARAMS }, 'linux').tries, ['webgpu']);
  assert.deepEqual(planProviders('auto', {}, 'linux').tries, ['webgpu']);
});

test('an explicit provider is tried alone, the CPU needs no try', () => {
  assert.deepEqual(planProviders('coreml', LARGE, 'linux'), { tries: ['coreml'] });
  assert.deepEqual(planProviders('cpu', LARGE, 'win32'), { tries: [] });
});

test('real session: auto with the bundled model runs on the CPU because it is small, and logs why', async () => {
  const lines: string[] = [];
  const params = transformerParams(manifest.architecture);
  const s = await createSession(join(MODEL, manifest.graph), { executionProvider: 'auto', modelSize: { params }, log: (l) => lines.push(l) });
  try {
    assert.equal(s.provider, 'cpu');
    assert.equal(s.message, undefined, 'auto staying on the CPU is no failure');
    assert.match(s.reason ?? '', /model is small/);
    assert.deepEqual(lines, [s.reason]);
  } finally {
    await s.session.release();
  }
});

test('real session: auto with a large model tries the GPU providers of this OS first, and names each failure with its time', async () => {
  const s = await createSession(join(MODEL, manifest.graph), { executionProvider: 'auto', modelSize: LARGE });
  try {
    const tries = planProviders('auto', LARGE).tries;
    if (s.provider === 'cpu') {
      // No GPU here (this project's CI machine): every provider of the plan failed, each reported with its time.
      for (const ep of tries) assert.match(s.reason ?? '', new RegExp(`${ep}: .+ \\(\\d+ ms\\)`));
      assert.match(s.reason ?? '', /^auto chose the CPU: no GPU provider loaded/);
    } else {
      assert.ok(tries.includes(s.provider));
      assert.match(s.reason ?? '', new RegExp(`^auto chose ${s.provider}: it loaded`));
    }
    // The session works whichever it is: one pass over a short canvas.
    const ort = await import('onnxruntime-node');
    const ids = new ort.Tensor('int64', BigInt64Array.from([2n, 5n, 1n, 1n, 0n]), [1, 5]);
    const pos = new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [2]);
    const out = await s.session.run({ input_ids: ids, positions: pos });
    assert.deepEqual(out.logits.dims, [2, manifest.vocabSize]);
  } finally {
    await s.session.release();
  }
});

test('an unknown provider is refused with the list', async () => {
  await assert.rejects(createSession(join(MODEL, manifest.graph), { executionProvider: 'metal' }), /unknown execution provider "metal" \(one of auto, cpu, /);
});
