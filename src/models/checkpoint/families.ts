// The checkpoint families the converter accepts, each mapped onto the one graph builder by small tables
// (training/hf/families.py; the facts and their sources are in docs/models.md):
// - Dream / DiffuCoder / Dream-Coder / DreamOn ("DreamModel"): Qwen2.5 blocks (q/k/v bias), bidirectional, logits
//   shifted (row i predicts token i+1). Open-dCoder keeps the "Qwen2ForCausalLM" class name: assumeDream.
// - LLaDA ("LLaDAModelLM", OLMo-style config): LLaMA blocks without bias, tensors under model.transformer.*, the
//   MLP's gate is ff_proj and its output ff_out, logits NOT shifted, mask <|mdm_mask|>.
// - CoDA ("CoDALanguageModel", Qwen3 blocks): per-head q_norm/k_norm, no q/k/v bias, an untied lm_head, logits
//   shifted like Dream.

import type { CanonicalConfig, FamilyInfo } from '../convert/input';
import { validateShapeKeys } from './dreamConfig';
import { InputError } from './inputError';
import { truthy } from './jsonFile';
import { pyRepr } from './pyRepr';

/** Canonical per-layer tensors, and those the block options add. */
const LAYER = ['input_layernorm.weight', 'post_attention_layernorm.weight', 'self_attn.q_proj.weight',
  'self_attn.k_proj.weight', 'self_attn.v_proj.weight', 'self_attn.o_proj.weight', 'mlp.gate_proj.weight',
  'mlp.up_proj.weight', 'mlp.down_proj.weight'];
const BIAS = ['self_attn.q_proj.bias', 'self_attn.k_proj.bias', 'self_attn.v_proj.bias'];
const QK_NORM = ['self_attn.q_norm.weight', 'self_attn.k_norm.weight'];

export interface Family extends FamilyInfo {
  /** The family's per-layer prefix, with {i}. */
  layerPrefix: string;
  /** canonical global name -> the family's name */
  tensors: Readonly<Record<string, string>>;
  /** canonical per-layer suffix -> the family's suffix */
  layerTensors: Readonly<Record<string, string>>;
  /** Tokenizer names of the mask token, checked against config.json's mask_token_id. */
  maskNames: readonly string[];
  extraStopNames: readonly string[];
  /** tokenizer_config.json values replaced before the token rules run (CoDA's bos_token). */
  tokenizerOverrides: Readonly<Record<string, string>>;
  /** The family's config.json -> the canonical config (validated). */
  read(raw: Record<string, unknown>, where: string): CanonicalConfig;
}

/** canonical tensor name -> the family's tensor name, for every tensor a checkpoint with this config must hold. */
export function renameMap(fam: Family, cfg: CanonicalConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of ['model.embed_tokens.weight', 'model.norm.weight']) out.set(c, fam.tensors[c] ?? c);
  if (!cfg.tie_word_embeddings) out.set('lm_head.weight', fam.tensors['lm_head.weight'] ?? 'lm_head.weight');
  const suffixes = [...LAYER, ...(cfg.qkv_bias ?? true ? BIAS : []), ...(cfg.qk_norm ? QK_NORM : [])];
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    for (const s of suffixes) out.set(`model.layers.${i}.${s}`, fam.layerPrefix.replace('{i}', String(i)) + (fam.layerTensors[s] ?? s));
  }
  return out;
}

export function headDim(cfg: CanonicalConfig): number {
  return cfg.head_dim || Math.floor(cfg.hidden_size / cfg.num_attention_heads);
}

/** The family's tensor names with the shapes the canonical config implies. */
export function expectedShapes(fam: Family, cfg: CanonicalConfig): Map<string, number[]> {
  const h = cfg.hidden_size, inter = cfg.intermediate_size, vocab = cfg.vocab_size;
  const d = headDim(cfg);
  const q = cfg.num_attention_heads * d, kv = cfg.num_key_value_heads * d;
  const shape: Record<string, number[]> = {
    'model.embed_tokens.weight': [vocab, h], 'model.norm.weight': [h], 'lm_head.weight': [vocab, h],
    'input_layernorm.weight': [h], 'post_attention_layernorm.weight': [h],
    'self_attn.q_proj.weight': [q, h], 'self_attn.k_proj.weight': [kv, h], 'self_attn.v_proj.weight': [kv, h],
    'self_attn.o_proj.weight': [h, q], 'self_attn.q_proj.bias': [q], 'self_attn.k_proj.bias': [kv],
    'self_attn.v_proj.bias': [kv], 'self_attn.q_norm.weight': [d], 'self_attn.k_norm.weight': [d],
    'mlp.gate_proj.weight': [inter, h], 'mlp.up_proj.weight': [inter, h], 'mlp.down_proj.weight': [h, inter],
  };
  const out = new Map<string, number[]>();
  for (const [canon, native] of renameMap(fam, cfg)) {
    out.set(native, shape[canon.startsWith('model.layers.') ? canon.split('.').slice(3).join('.') : canon]);
  }
  return out;
}

// --- Dream (and Qwen2 with assumeDream) ---------------------------------------------------------------------------

export const DREAM: Family = {
  name: 'dream', label: 'Dream', shiftedLogits: true, layerPrefix: 'model.layers.{i}.', tensors: {}, layerTensors: {},
  // apple/ml-diffucoder README: entropy order, temperature 0.3-0.4, top-p 0.95
  sampler: { algorithm: 'entropy', temperature: 0.3, topP: 0.95, stepsPerToken: 1 },
  maskNames: ['<|mask|>'], extraStopNames: [], tokenizerOverrides: {},
  read: (raw) => ({ ...raw }) as CanonicalConfig, // validateDreamConfig has run on it (readFamily)
};

// --- LLaDA -------------------------------------------------------------------------------------------------------

export const LLADA_ARCHITECTURES = ['LLaDAModelLM'];
export const LLADA_MODEL_TYPES = ['llada'];
/** canonical key -> LLaDA's (OLMo-style) key */
export const LLADA_CONFIG_KEYS: Readonly<Record<string, string>> = {
  hidden_size: 'd_model', intermediate_size: 'mlp_hidden_size', num_hidden_layers: 'n_layers',
  num_attention_heads: 'n_heads', num_key_value_heads: 'n_kv_heads', rope_theta: 'rope_theta',
  rms_norm_eps: 'rms_norm_eps', max_position_embeddings: 'max_sequence_length', tie_word_embeddings: 'weight_tying',
  mask_token_id: 'mask_token_id', eos_token_id: 'eos_token_id', pad_token_id: 'pad_token_id', bos_token_id: 'bos_token_id',
};
/** LLaDA config values the builder computes exactly: key -> accepted values (an absent key takes the first). */
export const LLADA_REQUIRED: Readonly<Record<string, readonly unknown[]>> = {
  block_type: ['llama'], layer_norm_type: ['rms'], activation_type: ['silu'], rope: [true], alibi: [false],
  include_bias: [false], include_qkv_bias: [false], attention_layer_norm: [false], input_emb_norm: [false],
  scale_logits: [false], multi_query_attention: [null, false], layer_norm_with_affine: [true],
  bias_for_layer_norm: [null, false], rope_full_precision: [true], block_group_size: [1],
};
const LLADA_LAYER_TENSORS = {
  'input_layernorm.weight': 'attn_norm.weight', 'post_attention_layernorm.weight': 'ff_norm.weight',
  'self_attn.q_proj.weight': 'q_proj.weight', 'self_attn.k_proj.weight': 'k_proj.weight',
  'self_attn.v_proj.weight': 'v_proj.weight', 'self_attn.o_proj.weight': 'attn_out.weight',
  // LLaDALlamaBlock: act(ff_proj(x)) * up_proj(x), then ff_out: ff_proj is the gate
  'mlp.gate_proj.weight': 'ff_proj.weight', 'mlp.up_proj.weight': 'up_proj.weight', 'mlp.down_proj.weight': 'ff_out.weight',
};
const LLADA_TENSORS = {
  'model.embed_tokens.weight': 'model.transformer.wte.weight', 'model.norm.weight': 'model.transformer.ln_f.weight',
  'lm_head.weight': 'model.transformer.ff_out.weight',
};

/** Config values converted one way only: anything else is refused by name, not converted wrong. */
function requireValues(raw: Record<string, unknown>, required: Readonly<Record<string, readonly unknown[]>>,
  label: string, where: string): void {
  for (const [key, accepted] of Object.entries(required)) {
    const value = Object.hasOwn(raw, key) ? raw[key] : accepted[0];
    // Python compares with ==: 1 == True and 0 == False, which JSON configs never rely on; strict equality here.
    if (!accepted.includes(value)) {
      throw new InputError(`${where}: ${label} ${key}=${pyRepr(value)} is not supported (the exporter computes ` +
        `${key}=${pyRepr(accepted[0])} exactly)`);
    }
  }
}

function readLLaDA(raw: Record<string, unknown>, where: string): CanonicalConfig {
  requireValues(raw, LLADA_REQUIRED, 'LLaDA', where);
  const cfg: Record<string, unknown> = {};
  for (const [canon, key] of Object.entries(LLADA_CONFIG_KEYS)) if (raw[key] !== undefined && raw[key] !== null) cfg[canon] = raw[key];
  if ((raw.n_kv_heads ?? null) === null && Object.hasOwn(raw, 'n_heads')) cfg.num_key_value_heads = raw.n_heads; // OLMo: MHA
  if ((raw.mlp_hidden_size ?? null) === null && Object.hasOwn(raw, 'd_model') && Object.hasOwn(raw, 'mlp_ratio')) {
    cfg.intermediate_size = (raw.mlp_ratio as number) * (raw.d_model as number);
  }
  // OLMo pads the embedding to embedding_size rows (a multiple of 128) past vocab_size; the tensors have those rows.
  cfg.vocab_size = raw.embedding_size || raw.vocab_size;
  Object.assign(cfg, { hidden_act: 'silu', qkv_bias: false, qk_norm: false, tie_word_embeddings: truthy(raw.weight_tying ?? false),
    _name_or_path: raw._name_or_path ?? null });
  validateShapeKeys(cfg, where);
  return cfg as CanonicalConfig;
}

export const LLADA: Family = {
  name: 'llada', label: 'LLaDA', shiftedLogits: false, layerPrefix: 'model.transformer.blocks.{i}.',
  tensors: LLADA_TENSORS, layerTensors: LLADA_LAYER_TENSORS, maskNames: ['<|mdm_mask|>'], extraStopNames: ['<|eot_id|>'],
  tokenizerOverrides: {},
  // ML-GSAI/LLaDA generate.py: low-confidence remasking, temperature 0, one token per step, block_length 32.
  sampler: { algorithm: 'maskgit_plus', temperature: 0, stepsPerToken: 1, blockSize: 32 },
  read: readLLaDA,
};

// --- CoDA (Qwen3 blocks) -----------------------------------------------------------------------------------------

export const CODA_ARCHITECTURES = ['CoDALanguageModel'];
export const CODA_MODEL_TYPES = ['CoDA'];
/** CoDA's config.json already uses the canonical (Qwen) key names; these values must hold. */
export const CODA_REQUIRED: Readonly<Record<string, readonly unknown[]>> = {
  attention_bias: [false], hidden_act: ['silu'], rope_scaling: [null], use_sliding_window: [false],
};

function readCoDA(raw: Record<string, unknown>, where: string): CanonicalConfig {
  requireValues(raw, CODA_REQUIRED, 'CoDA', where);
  // CoDALanguageModel defines its own lm_head and no get_output_embeddings(), so transformers never ties it to the
  // embedding whatever tie_word_embeddings says: the head is always lm_head.weight.
  const cfg: Record<string, unknown> = { ...raw, qkv_bias: false, qk_norm: true, tie_word_embeddings: false };
  if ((cfg.head_dim ?? null) === null) {
    cfg.head_dim = Math.floor(((cfg.hidden_size as number) || 0) / Math.max(1, (cfg.num_attention_heads as number) || 1));
  }
  validateShapeKeys(cfg, where, true);
  if ((cfg.head_dim as number) * (cfg.num_attention_heads as number) !== cfg.hidden_size) {
    // The engine derives its cache shape from hidden_size / heads (src/engine/model/load.ts): refuse rather than
    // write a folder the engine would misread.
    throw new InputError(`${where}: head_dim ${cfg.head_dim} != hidden_size / num_attention_heads; not supported by the ` +
      'engine yet (CoDA-1.7B has 2048 / 16 = 128)');
  }
  return cfg as CanonicalConfig;
}

export const CODA: Family = {
  name: 'coda', label: 'CoDA', shiftedLogits: true, layerPrefix: 'model.layers.{i}.', tensors: {}, layerTensors: {},
  // SalesforceAIResearch/CoDA README serving defaults: entropy, temperature 0, 128 steps for 256 tokens, block 32.
  sampler: { algorithm: 'entropy', temperature: 0, stepsPerToken: 0.5, blockSize: 32 },
  maskNames: ['<|mask|>'], extraStopNames: [],
  // CoDA's tokenizer_config names <|im_end|> (a chat turn end) as bos_token; the canvas starts at a document
  // boundary instead, Qwen's <|endoftext|>.
  tokenizerOverrides: { bos_token: '<|endoftext|>' },
  read: readCoDA,
};

export const FAMILIES: readonly Family[] = [DREAM, LLADA, CODA];

/** The non-Dream family a config.json declares, or undefined (Dream-family configs are validated separately). */
export function familyOf(raw: Record<string, unknown>): Family | undefined {
  const archs = Array.isArray(raw.architectures) ? raw.architectures : [];
  const mt = raw.model_type as string;
  if (archs.some((a) => LLADA_ARCHITECTURES.includes(a)) || LLADA_MODEL_TYPES.includes(mt)) return LLADA;
  if (archs.some((a) => CODA_ARCHITECTURES.includes(a)) || CODA_MODEL_TYPES.includes(mt)) return CODA;
  return undefined;
}

/** The manifest-facing part of a family (no functions, the sampler copied). */
export function familyInfo(fam: Family): FamilyInfo {
  return { name: fam.name, label: fam.label, shiftedLogits: fam.shiftedLogits, sampler: { ...fam.sampler } };
}
