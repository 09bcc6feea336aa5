// What a conversion reads, in one shape for every source (a Hugging Face checkpoint folder or a GGUF file). The
// readers (src/models/checkpoint/) produce it; the one graph builder (src/models/convert/) consumes it. This file is
// the contract between the two: the TypeScript port of training/hf/export_input.py and the former Python graph builder's WeightSource.

import type { ModelTokens } from '../../engine/modelTokens';

/** Weight types a converted folder can hold (manifest `weights.dtype`). int4 is the default. */
export type WeightDtype = 'int4' | 'int8' | 'fp16' | 'fp32';

/** MatMulNBits-ready blocks read straight from a GGUF Q4_0 / Q8_0 tensor (no second rounding). */
export interface PackedRows {
  /** [rows, blocksPerRow, blockBytes] unsigned codes in MatMulNBits' layout (int4: two codes a byte, low nibble first). */
  data: Uint8Array;
  /** [rows, blocksPerRow] scales. */
  scales: Float32Array;
}

/** Named tensors under the builder's canonical (Hugging Face Qwen2/Dream) names, read a row range at a time so a
 *  7.6B model never has to be in memory. Every tensor is [rows, ...]; a 1-D tensor is [n] and read as rows 0..n. */
export interface WeightSource {
  shape(name: string): number[];
  /** Rows [lo, hi) widened to float32, row-major. */
  rows(name: string, lo: number, hi: number): Float32Array;
  /** Rows [lo, hi) already in MatMulNBits' layout, or undefined when the tensor is not stored as exactly that
   *  (only GGUF Q4_0 with bits 4 / Q8_0 with bits 8, block 32). */
  packed?(name: string, lo: number, hi: number, bits: 4 | 8, block: number): PackedRows | undefined;
}

/** A checkpoint family (training/hf/families.py's Family, the fields the builder and the manifest need). */
export interface FamilyInfo {
  /** The manifest's "family": 'dream' | 'llada' | 'coda' | ... */
  name: string;
  /** What error messages and the model card call it. */
  label: string;
  /** Dream convention: output row i predicts token i+1. */
  shiftedLogits: boolean;
  /** Sampler settings its authors recommend (manifest `sampler`). */
  sampler: Record<string, unknown>;
}

/** The canonical config the builder reads: Hugging Face Qwen2 keys (hidden_size, intermediate_size,
 *  num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim?, vocab_size, rms_norm_eps, rope_theta,
 *  max_position_embeddings, tie_word_embeddings) plus the block options qkv_bias (default true) and qk_norm. */
export type CanonicalConfig = Record<string, unknown> & {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
  rms_norm_eps: number;
  rope_theta: number;
  head_dim?: number;
  max_position_embeddings?: number;
  tie_word_embeddings?: boolean;
  qkv_bias?: boolean;
  qk_norm?: boolean;
};

/** Special token ids resolved for the manifest (training/hf/manifest.py resolve_tokens + the family's rules). */
export interface ResolvedTokens extends ModelTokens {
  [key: string]: unknown;
}

export interface ConvertInput {
  family: FamilyInfo;
  cfg: CanonicalConfig;
  /** The tokenizer.json object the model folder will carry (built from vocab.json + merges.txt when needed). */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json as the runtime reads it. */
  tokenizerConfig: Record<string, unknown>;
  tokens: ResolvedTokens;
  weights: WeightSource;
  /** Tensor count per stored type, for provenance (e.g. { BF16: 339 } or { Q4_K: 200, F32: 141 }). */
  dtypes: Record<string, number>;
  /** Bytes of weights read from the source. */
  nbytes: number;
  /** Licence text or SPDX id when the source states one (README front matter, LICENSE file, GGUF metadata). */
  license?: string;
  /** Provenance: which hash `sha256` is ('checkpointSha256' of the index or single file, or 'ggufSha256'). */
  shaKey: string;
  sha256: string;
  /** A folder holding the upstream README.md / LICENSE files, if any (copied into the model card). */
  cardDir?: string;
  /** The model's name when the source names it (config _name_or_path, GGUF general.name). */
  sourceName?: string;
  close(): void;
}
