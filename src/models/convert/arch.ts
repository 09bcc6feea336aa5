// The block shape the builder reads from a canonical config (Hugging Face Qwen2 keys plus the block options).

import type { CanonicalConfig } from './input';

export interface Arch {
  hidden: number;
  inter: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  ropeTheta: number;
  eps: number;
  tied: boolean;
  /** Qwen2/Dream project q/k/v with a bias; LLaDA and Qwen3 (CoDA) do not. */
  qkvBias: boolean;
  /** Qwen3 (CoDA): RMSNorm over each head of q and k before the rotary embedding. */
  qkNorm: boolean;
}

export function archOf(cfg: CanonicalConfig): Arch {
  return {
    hidden: cfg.hidden_size,
    inter: cfg.intermediate_size,
    layers: cfg.num_hidden_layers,
    heads: cfg.num_attention_heads,
    kvHeads: cfg.num_key_value_heads,
    // Qwen3 configs state head_dim, which need not be hidden_size / heads; older families imply it.
    headDim: cfg.head_dim || Math.floor(cfg.hidden_size / cfg.num_attention_heads),
    vocab: cfg.vocab_size,
    ropeTheta: Number(cfg.rope_theta),
    eps: Number(cfg.rms_norm_eps),
    tied: Boolean(cfg.tie_word_embeddings),
    qkvBias: cfg.qkv_bias ?? true,
    qkNorm: Boolean(cfg.qk_norm),
  };
}

/** Parameters of the block model (embedding, layers, final norm, untied head), for the card and the log. */
export function paramCount(cfg: CanonicalConfig): number {
  const a = archOf(cfg);
  const q = a.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  const attn = a.hidden * (q + 2 * kv) + q * a.hidden + (a.qkvBias ? q + 2 * kv : 0) + (a.qkNorm ? 2 * a.headDim : 0);
  const mlp = 3 * a.hidden * a.inter;
  const layer = attn + mlp + 2 * a.hidden;
  return a.vocab * a.hidden * (a.tied ? 1 : 2) + a.layers * layer + a.hidden;
}
