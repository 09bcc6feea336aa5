// An in-memory ConvertInput for the converter's tests: random Dream-shaped weights (a seeded generator, the scales
// make_tiny_checkpoint uses) and the bundled demo model's real tokenizer, so the engine can run the result.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArraySource, type NamedArray } from '../../src/models/convert/arraySource';
import type { CanonicalConfig, ConvertInput } from '../../src/models/convert/input';
import { MODEL } from './helpers';

/** xorshift32 + Box-Muller: deterministic normal samples. */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export function memoryCheckpoint(over: Partial<CanonicalConfig> = {}, seed = 1): ConvertInput {
  const tokenizer = JSON.parse(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8'));
  const cfg: CanonicalConfig = {
    vocab_size: 8192, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 2, rope_theta: 10000, rms_norm_eps: 1e-6, max_position_embeddings: 512, tie_word_embeddings: false,
    ...over,
  };
  const hd = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads;
  const shapes: Record<string, number[]> = {
    'model.embed_tokens.weight': [cfg.vocab_size, cfg.hidden_size],
    'model.norm.weight': [cfg.hidden_size],
  };
  if (!cfg.tie_word_embeddings) shapes['lm_head.weight'] = [cfg.vocab_size, cfg.hidden_size];
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    const q = cfg.num_attention_heads * hd;
    const kv = cfg.num_key_value_heads * hd;
    Object.assign(shapes, {
      [`${p}input_layernorm.weight`]: [cfg.hidden_size],
      [`${p}post_attention_layernorm.weight`]: [cfg.hidden_size],
      [`${p}self_attn.q_proj.weight`]: [q, cfg.hidden_size],
      [`${p}self_attn.k_proj.weight`]: [kv, cfg.hidden_size],
      [`${p}self_attn.v_proj.weight`]: [kv, cfg.hidden_size],
      [`${p}self_attn.o_proj.weight`]: [cfg.hidden_size, q],
      [`${p}mlp.gate_proj.weight`]: [cfg.intermediate_size, cfg.hidden_size],
      [`${p}mlp.up_proj.weight`]: [cfg.intermediate_size, cfg.hidden_size],
      [`${p}mlp.down_proj.weight`]: [cfg.hidden_size, cfg.intermediate_size],
    });
    if (cfg.qkv_bias ?? true) {
      Object.assign(shapes, { [`${p}self_attn.q_proj.bias`]: [q], [`${p}self_attn.k_proj.bias`]: [kv], [`${p}self_attn.v_proj.bias`]: [kv] });
    }
    if (cfg.qk_norm) Object.assign(shapes, { [`${p}self_attn.q_norm.weight`]: [hd], [`${p}self_attn.k_norm.weight`]: [hd] });
  }
  const arrays: Record<string, NamedArray> = {};
  let k = seed;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = normals(n, (k += 7919));
    if (name.endsWith('norm.weight')) for (let i = 0; i < n; i++) x[i] = 1 + 0.1 * x[i];
    else if (name.endsWith('.bias')) for (let i = 0; i < n; i++) x[i] *= 0.02;
    else if (!name.includes('embed')) for (let i = 0; i < n; i++) x[i] /= Math.sqrt(shape[shape.length - 1]);
    arrays[name] = { shape, data: x };
  }
  let closed = 0;
  return {
    family: { name: 'dream', label: 'Dream', shiftedLogits: true, sampler: { algorithm: 'entropy', temperature: 0.3, topP: 0.95, stepsPerToken: 1 } },
    cfg,
    tokenizer,
    tokenizerConfig: { clean_up_tokenization_spaces: false, bos_token: '<|beginoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', mask_token: '<|mask|>' },
    tokens: { bos: 2, eos: 0, pad: 0, mask: 1, expand: null, stop: [0] },
    weights: new ArraySource(arrays),
    dtypes: { F32: Object.keys(arrays).length },
    nbytes: Object.values(arrays).reduce((a, x) => a + 4 * x.data.length, 0),
    license: 'MIT',
    shaKey: 'testSha256',
    sha256: '0'.repeat(64),
    sourceName: 'memory-checkpoint',
    close: () => {
      closed += 1;
    },
    get closed() {
      return closed;
    },
  } as ConvertInput & { readonly closed: number };
}
