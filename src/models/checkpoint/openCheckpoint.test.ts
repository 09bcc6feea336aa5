// The safetensors reading side against the Python readers on the same files: tiny RANDOM checkpoints of every
// family and dtype (training/hf/make_tiny_checkpoint.py), read by openInput and by training/hf (numpy) through
// testing/reference.py. Every canonical tensor's float32 bytes, the built tokenizer.json, the resolved tokens, the
// canonical config, licence and checksums must be equal; row ranges must be slices of the whole.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConvertInput } from '../convert/input';
import { openInput } from './openInput';
import { makeTiny, pythonReads } from './testing/python';

function sha(rows: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)).digest('hex');
}

let tmp: string;
before(() => { tmp = mkdtempSync(join(tmpdir(), 'diffucode-ckpt-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [string, string[], { assumeDream?: boolean; expandToken?: string }][] = [
  ['dream-bf16 (sharded, slow tokenizer)', [], {}],
  ['dream-f16', ['--dtype', 'F16'], {}],
  ['dream-f32', ['--dtype', 'F32', '--seed', '3'], {}],
  ['dreamon', ['--dreamon'], {}],
  ['dreamon with the expand token named by id', ['--dreamon'], { expandToken: '262' }],
  ['open-dcoder (Qwen2 class, assumeDream)', ['--set', 'architectures=["Qwen2ForCausalLM"]', '--set', 'model_type="qwen2"'], { assumeDream: true }],
  ['llada', ['--family', 'llada'], {}],
  ['coda', ['--family', 'coda'], {}],
];

for (const [label, args, opts] of CASES) {
  describe(`checkpoint ${label}`, () => {
    let dir: string;
    let py: any;
    let input: ConvertInput;
    before(() => {
      dir = makeTiny(join(tmp, label.replace(/\W+/g, '-')), args);
      py = pythonReads(dir, [...(opts.assumeDream ? ['--assume-dream'] : []), ...(opts.expandToken ? ['--expand-token', opts.expandToken] : [])]);
      assert.equal(py.error, undefined, `the Python readers refused the tiny checkpoint: ${py.error}`);
      input = openInput(dir, opts);
    });
    after(() => input?.close());

    test('family, canonical config, tokens, licence and provenance equal the Python readers\'', () => {
      assert.deepEqual(input.family, { name: py.family, label: py.label, shiftedLogits: py.shiftedLogits, sampler: py.sampler });
      assert.deepEqual(input.cfg, py.cfg);
      assert.deepEqual(input.tokens, py.tokens);
      assert.equal(input.license, py.license);
      assert.deepEqual(input.dtypes, py.dtypes);
      assert.equal(input.nbytes, py.nbytes);
      assert.equal(input.shaKey, 'checkpointSha256');
      assert.equal(input.sha256, py.sha256);
      assert.equal(input.cardDir, dir);
    });

    test('tokenizer.json and tokenizer_config equal tokenizer_files.py\'s output', () => {
      assert.deepEqual(input.tokenizer, py.tokenizer);
      assert.deepEqual(input.tokenizerConfig, py.tokenizerConfig);
    });

    test('every canonical tensor reads as numpy reads it (float32 bytes), and row ranges are its slices', () => {
      const names = Object.keys(py.weights);
      assert.ok(names.length > 10);
      for (const name of names) {
        const shape = input.weights.shape(name);
        assert.deepEqual(shape, py.weights[name].shape, name);
        const all = input.weights.rows(name, 0, shape[0]);
        assert.equal(sha(all), py.weights[name].sha256, name);
        const per = shape.slice(1).reduce((p, d) => p * d, 1);
        const lo = Math.floor(shape[0] / 3), hi = Math.floor((2 * shape[0]) / 3) + 1;
        assert.deepEqual(input.weights.rows(name, lo, hi), all.subarray(lo * per, hi * per), `${name} rows [${lo}, ${hi})`);
      }
    });
  });
}
