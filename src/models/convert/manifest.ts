// The manifest.json of a converted model (docs/model-contract.md), built only from what the checkpoint states:
// the family's logit convention and sampler, the resolved special tokens, the canonical config's shape, the licence,
// and where it came from (provenance).

import type { BuildOptions } from './buildOptions';
import type { CanonicalConfig, ConvertInput } from './input';

export const CONTRACT = 'diffucode-model/1';
/** Dream README: "context length (input+output) of Dream currently is 2048". */
export const DREAM_CONTEXT = 2048;

export function defaultContextLength(cfg: CanonicalConfig): number {
  return Math.min(Number(cfg.max_position_embeddings) || DREAM_CONTEXT, DREAM_CONTEXT);
}

const ARCH_KEYS = ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads',
  'rope_theta', 'rms_norm_eps', 'tie_word_embeddings'] as const;

export interface ManifestArgs {
  input: ConvertInput;
  name: string;
  contextLength: number;
  license: string;
  build: BuildOptions;
  convertedFrom: string;
  now?: Date;
}

export function buildManifest({ input, name, contextLength, license, build, convertedFrom, now }: ManifestArgs): Record<string, unknown> {
  const cfg = input.cfg;
  const architecture: Record<string, unknown> = {};
  for (const k of ARCH_KEYS) architecture[k] = cfg[k] ?? (k === 'tie_word_embeddings' ? false : null);
  if (cfg.head_dim && cfg.head_dim !== Math.floor(cfg.hidden_size / cfg.num_attention_heads)) {
    architecture.head_dim = cfg.head_dim; // Qwen3-style blocks may set it apart
  }
  const stamp = (now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const quantized = build.dtype === 'int4' || build.dtype === 'int8';
  return {
    contract: CONTRACT,
    name,
    family: input.family.name,
    graph: 'model.onnx',
    tokenizer: 'tokenizer.json',
    vocabSize: cfg.vocab_size,
    contextLength,
    shiftedLogits: input.family.shiftedLogits,
    tokens: input.tokens,
    io: { inputIds: 'input_ids', positions: 'positions', logits: 'logits' },
    sampler: { ...input.family.sampler },
    license,
    provenance: {
      trainedBy: `upstream authors of ${(cfg._name_or_path as string | undefined) || input.sourceName || name} (see MODEL_CARD.md)`,
      data: 'see the upstream model card in MODEL_CARD.md',
      tokens: 0, // not stated by a checkpoint; the upstream card has the training details
      hardware: 'see the upstream model card in MODEL_CARD.md',
      convertedFrom,
      [input.shaKey]: input.sha256,
      weightsDtypes: input.dtypes,
      exportedBy: 'diffucode convert (src/models/convert)',
      exportedAt: stamp,
      quantization: build.dtype,
    },
    card: 'MODEL_CARD.md',
    // Lets the runtime estimate memory before loading.
    architecture,
    weights: quantized
      ? { dtype: build.dtype, blockSize: build.blockSize, accuracyLevel: build.accuracyLevel, headBits: build.headBits ?? null }
      : { dtype: build.dtype },
  };
}
