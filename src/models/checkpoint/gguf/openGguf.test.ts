// GGUF files written by the gguf package's writer from a tiny RANDOM Dream checkpoint (training/hf/tiny_gguf.py, laid
// out as llama.cpp's converter lays out a DreamModel), read by openInput and by the Python side
// (testing/gguf_reference.py: GGUFReader + gguf.quants for every tensor, training/hf/gguf_source.py for the config,
// tokenizer and tokens). Each supported tensor type must dequantize to the gguf package's float32 bytes exactly.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConvertInput } from '../../convert/input';
import { openInput } from '../openInput';
import { ggufReferences, makeTiny, writeGgufs } from '../testing/python';

// K-quants need rows of a multiple of 256 values: hidden 256, MLP 512.
const SHAPE = ['--set', 'hidden_size=256', '--set', 'intermediate_size=512'];

const sha = (a: Uint8Array | Float32Array) =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

// Types gguf_source.py also reads (its config, tokenizer and tokens are compared too), then those it does not.
const PYTHON_READS = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K'];
const TYPES = [...PYTHON_READS, 'Q2_K', 'Q3_K', 'Q4_1', 'Q5_0', 'Q5_1', 'IQ4_NL'];

let tmp: string;
let refs: Record<string, any>;
const pathOf = (qtype: string) => join(tmp, `tiny-${qtype}.gguf`);
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'diffucode-gguf-'));
  const ckpt = makeTiny(join(tmp, 'dream'), SHAPE);
  writeGgufs(TYPES.map((q) => [ckpt, pathOf(q), q, { license: 'mit' }]));
  refs = ggufReferences(TYPES.map(pathOf));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

for (const qtype of TYPES) {
  describe(`GGUF ${qtype}`, () => {
    let ref: any;
    let input: ConvertInput;
    before(() => {
      ref = refs[pathOf(qtype)];
      input = openInput(pathOf(qtype));
    });
    after(() => input?.close());

    test('every tensor dequantizes to the gguf package\'s float32, bit for bit, and row ranges are its slices', () => {
      const rename = new Map<string, string>();
      for (const [canon, gname] of Object.entries(ref.rename ?? {})) rename.set(gname as string, canon);
      let seen = 0;
      for (const [gname, t] of Object.entries(ref.tensors) as [string, any][]) {
        // Canonical names are what the builder asks for; the gguf_source map says which is which, and the
        // layout below (blk.N.*) is llama.cpp's for every type.
        const canon = rename.get(gname) ?? canonical(gname);
        assert.deepEqual(input.weights.shape(canon), t.shape, gname);
        const all = input.weights.rows(canon, 0, t.shape[0]);
        assert.equal(sha(all), t.sha256, `${gname} (${t.type})`);
        if (t.shape.length === 2) {
          const lo = 1, hi = Math.max(2, t.shape[0] - 1);
          assert.deepEqual(input.weights.rows(canon, lo, hi), all.subarray(lo * t.shape[1], hi * t.shape[1]));
        }
        if (t.type === qtype) seen++;
      }
      assert.ok(seen >= 7, `only ${seen} tensors of type ${qtype}`);
      assert.deepEqual(input.dtypes, Object.values(ref.tensors).reduce((c: any, t: any) => ({ ...c, [t.type]: (c[t.type] ?? 0) + 1 }), {}));
    });

    if (PYTHON_READS.includes(qtype)) {
      test('config, tokenizer.json, tokens, licence and checksum equal gguf_source.py\'s', () => {
        assert.equal(ref.error, undefined);
        assert.deepEqual(input.cfg, ref.cfg);
        assert.deepEqual(input.tokenizer, ref.tokenizer);
        assert.deepEqual(input.tokenizerConfig, ref.tokenizerConfig);
        assert.deepEqual(input.tokens, ref.tokens);
        assert.equal(input.license, 'mit');
        assert.equal(input.nbytes, ref.nbytes);
        assert.deepEqual([input.shaKey, input.sha256], ['ggufSha256', ref.sha256]);
        assert.equal(input.family.name, 'dream');
        assert.equal(input.sourceName, 'tiny-random-dream');
      });

      test('packed() gives gguf_source.py\'s MatMulNBits blocks (Q4_0 at 4 bits, Q8_0 at 8), else undefined', () => {
        const packed = ref.packed as Record<string, { data: string; scales: string }>;
        let n = 0;
        for (const canon of Object.keys(ref.rename)) {
          for (const bits of [4, 8] as const) {
            const rows = input.weights.shape(canon)[0];
            const got = input.weights.packed!(canon, 0, rows, bits, 32);
            const want = packed[`${canon}/${bits}`];
            if (!want) { assert.equal(got, undefined, `${canon}/${bits}`); continue; }
            assert.ok(got);
            assert.deepEqual([sha(got.data), sha(got.scales)], [want.data, want.scales], `${canon}/${bits}`);
            const part = input.weights.packed!(canon, 2, 5, bits, 32)!;
            const perRow = got.data.length / rows;
            assert.deepEqual(part.data, got.data.subarray(2 * perRow, 5 * perRow));
            n++;
          }
        }
        assert.equal(n > 0, qtype === 'Q4_0' || qtype === 'Q8_0');
      });
    }
  });
}

/** The canonical name of a llama.cpp tensor name (for the types gguf_source.py refuses, which give no map). */
function canonical(gname: string): string {
  const global: Record<string, string> = { 'token_embd.weight': 'model.embed_tokens.weight', 'output_norm.weight': 'model.norm.weight', 'output.weight': 'lm_head.weight' };
  if (global[gname]) return global[gname];
  const layer: Record<string, string> = {
    'attn_norm.weight': 'input_layernorm.weight', 'ffn_norm.weight': 'post_attention_layernorm.weight',
    'attn_q.weight': 'self_attn.q_proj.weight', 'attn_k.weight': 'self_attn.k_proj.weight', 'attn_v.weight': 'self_attn.v_proj.weight',
    'attn_q.bias': 'self_attn.q_proj.bias', 'attn_k.bias': 'self_attn.k_proj.bias', 'attn_v.bias': 'self_attn.v_proj.bias',
    'attn_output.weight': 'self_attn.o_proj.weight', 'ffn_gate.weight': 'mlp.gate_proj.weight', 'ffn_up.weight': 'mlp.up_proj.weight',
    'ffn_down.weight': 'mlp.down_proj.weight',
  };
  const [, i, ...rest] = gname.split('.');
  return `model.layers.${i}.${layer[rest.join('.')]}`;
}
