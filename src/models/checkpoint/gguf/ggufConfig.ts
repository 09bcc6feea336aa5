// The canonical config and tensor names of a GGUF file (training/hf/gguf_source.py). What llama.cpp's
// convert_hf_to_gguf.py writes for a DreamModel, read back:
// - general.architecture "dream" (non-causal, with tokenizer.ggml.mask_token_id) or "qwen2" only when
//   qwen2.attention.causal is false (a Qwen2 model trained bidirectionally, e.g. Open-dCoder); anything else, or a
//   causal model, is refused;
// - hyper-parameters under {arch}.*, checked against the tensors' shapes;
// - tensors named blk.N.attn_q.weight ...; the converter permutes q/k rows only for LLaMA-family RoPE, not for
//   Qwen2 or Dream, so nothing is un-permuted.

import { basename } from 'node:path';
import type { CanonicalConfig } from '../../convert/input';
import { validateShapeKeys } from '../dreamConfig';
import { DREAM, expectedShapes, renameMap } from '../families';
import { InputError } from '../inputError';
import { pyRepr } from '../pyRepr';
import type { GgufFile } from './ggufFile';

export const SUPPORTED_ARCHS = ['dream', 'qwen2'];
/** The types this reader widens (gguf_source.py's list plus Q2_K and Q3_K). */
export const SUPPORTED_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K'];

/** canonical config key -> GGUF metadata key (after "{arch}.") */
export const GGUF_CONFIG_KEYS: Readonly<Record<string, string>> = {
  hidden_size: 'embedding_length', num_hidden_layers: 'block_count', intermediate_size: 'feed_forward_length',
  num_attention_heads: 'attention.head_count', num_key_value_heads: 'attention.head_count_kv',
  rope_theta: 'rope.freq_base', rms_norm_eps: 'attention.layer_norm_rms_epsilon', max_position_embeddings: 'context_length',
};
/** canonical tensor name -> GGUF tensor name (llama.cpp's tensor map for Qwen2/Dream) */
export const GGUF_TENSORS: Readonly<Record<string, string>> = {
  'model.embed_tokens.weight': 'token_embd.weight', 'model.norm.weight': 'output_norm.weight', 'lm_head.weight': 'output.weight',
};
export const GGUF_LAYER_TENSORS: Readonly<Record<string, string>> = {
  'input_layernorm.weight': 'attn_norm.weight', 'post_attention_layernorm.weight': 'ffn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight', 'self_attn.k_proj.weight': 'attn_k.weight', 'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.q_proj.bias': 'attn_q.bias', 'self_attn.k_proj.bias': 'attn_k.bias', 'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight', 'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight', 'mlp.down_proj.weight': 'ffn_down.weight',
};
/** Tensors a GGUF may carry that hold no learned state this runtime uses (RoPE frequencies are recomputed). */
const IGNORED = ['rope_freqs.weight'];

/** A metadata number as the Python reads it (an int or a float), or undefined. */
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

export function ggufConfig(file: GgufFile): { arch: string; cfg: CanonicalConfig } {
  const path = file.path;
  const arch = file.field('general.architecture');
  if (typeof arch !== 'string' || !SUPPORTED_ARCHS.includes(arch)) {
    throw new InputError(`${path}: unsupported GGUF architecture ${pyRepr(arch ?? null)}; supported: dream (Dream, DiffuCoder, ` +
      'Dream-Coder) and qwen2 when bidirectional (attention.causal = false)');
  }
  const stated = file.field(`${arch}.attention.causal`);
  // llama.cpp's dream architecture is non-causal; a plain qwen2 GGUF is causal.
  const causal = stated === undefined ? arch !== 'dream' : Boolean(stated);
  if (causal) {
    throw new InputError(`${path}: a causal (autoregressive) ${arch} model (${arch}.attention.causal is ` +
      `${stated === undefined ? 'missing' : 'true'}); DiffuCode needs a bidirectional diffusion model`);
  }
  const cfg: Record<string, unknown> = {};
  for (const [canon, key] of Object.entries(GGUF_CONFIG_KEYS)) {
    const value = file.field(`${arch}.${key}`);
    if (value === undefined && canon !== 'max_position_embeddings') throw new InputError(`${path}: metadata key ${arch}.${key} is missing`);
    if (value !== undefined) cfg[canon] = num(value) ?? value;
  }
  const scaling = file.field(`${arch}.rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none') throw new InputError(`${path}: RoPE scaling ${pyRepr(scaling)} is not supported`);
  const window = file.field(`${arch}.attention.sliding_window`);
  if (window !== undefined && num(window) !== 0) throw new InputError(`${path}: sliding-window attention is not supported`);
  const names = new Set(file.tensors.map((t) => t.name));
  const emb = file.tensors.find((t) => t.name === 'token_embd.weight');
  if (!emb) throw new InputError(`${path}: no token_embd.weight tensor`);
  if (emb.dims.length !== 2) throw new InputError(`${path}: token_embd.weight is not a matrix`);
  cfg.vocab_size = emb.dims[1];
  cfg.tie_word_embeddings = !names.has('output.weight');
  cfg.qkv_bias = names.has('blk.0.attn_q.bias'); // Qwen2/Dream: always present; checked against the tensors below
  for (const [key, meta] of [['mask_token_id', 'mask_token_id'], ['eos_token_id', 'eos_token_id'],
    ['bos_token_id', 'bos_token_id'], ['pad_token_id', 'padding_token_id']]) {
    const value = num(file.field(`tokenizer.ggml.${meta}`));
    if (value !== undefined) cfg[key] = Math.trunc(value);
  }
  if (cfg.mask_token_id === undefined) {
    throw new InputError(`${path}: no tokenizer.ggml.mask_token_id in the metadata (not a diffusion model's GGUF)`);
  }
  const name = file.field('general.name');
  cfg._name_or_path = typeof name === 'string' && name ? name : basename(path);
  validateShapeKeys(cfg, path);
  return { arch, cfg: cfg as CanonicalConfig };
}

/** canonical -> GGUF name for every tensor the config implies (Dream's canonical set). */
export function ggufRename(cfg: CanonicalConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const canon of renameMap(DREAM, cfg).keys()) {
    if (canon.startsWith('model.layers.')) {
      const [, , i, ...rest] = canon.split('.');
      out.set(canon, `blk.${i}.${GGUF_LAYER_TENSORS[rest.join('.')]}`);
    } else out.set(canon, GGUF_TENSORS[canon]);
  }
  return out;
}

/** Tensors present, of a readable type, with the shapes the metadata implies; nothing left over. */
export function validateGgufTensors(file: GgufFile, cfg: CanonicalConfig, rename: Map<string, string>): void {
  const path = file.path;
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const missing = [...rename.values()].filter((g) => !byName.has(g));
  if (missing.length) throw new InputError(`${path}: the metadata implies tensor(s) the file lacks, e.g. ${missing.slice(0, 3).join(', ')}`);
  const wanted = new Set(rename.values());
  const extra = [...byName.keys()].filter((n) => !wanted.has(n) && !IGNORED.includes(n)).sort();
  if (extra.length) {
    throw new InputError(`${path}: the metadata contradicts the tensors: ${extra.length} tensor(s) it does not account for, ` +
      `e.g. ${extra.slice(0, 3).join(', ')}`);
  }
  const shapes = expectedShapes(DREAM, cfg); // canonical names = Dream's own
  for (const [canon, gname] of rename) {
    const t = byName.get(gname)!;
    if (!SUPPORTED_TYPES.includes(t.type.name)) {
      throw new InputError(`${path}: tensor ${gname} is ${t.type.name}, which this importer does not read (supported: ` +
        `${SUPPORTED_TYPES.join(', ')})`);
    }
    const got = [...t.dims].reverse();
    const want = shapes.get(canon)!;
    if (got.join(',') !== want.join(',')) {
      throw new InputError(`${path}: the metadata contradicts the tensors: ${gname} is [${got.join(', ')}] but the metadata ` +
        `implies [${want.join(', ')}]`);
    }
  }
}
