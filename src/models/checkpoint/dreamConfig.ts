// A Dream/DiffuCoder config.json, validated (training/hf/dream_config.py): the Qwen2 block with bidirectional
// attention. Anything this runtime would compute differently (RoPE scaling, sliding windows, another activation) is
// refused by name instead of converted wrong; a causal model is refused as one.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalConfig } from '../convert/input';
import { InputError } from './inputError';
import { asObject, readJson, truthy } from './jsonFile';
import { pyRepr } from './pyRepr';

export const DREAM_ARCHITECTURES = ['DreamModel'];
export const DREAM_MODEL_TYPES = ['Dream'];
export const REQUIRED_KEYS = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers',
  'num_attention_heads', 'num_key_value_heads', 'rope_theta', 'rms_norm_eps'] as const;

export function architectures(cfg: Record<string, unknown>): string[] {
  return Array.isArray(cfg.architectures) ? cfg.architectures.filter((a): a is string => typeof a === 'string') : [];
}

/** config.json of a Dream-family folder, validated. `assumeDream` accepts a Qwen2 config for weights trained as a
 *  bidirectional diffusion model that kept the Qwen2 class name (Open-dCoder). */
export function readDreamConfig(dir: string, assumeDream = false): CanonicalConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`checkpoint folder ${dir} does not exist`);
  if (!existsSync(path)) {
    throw new InputError(`${dir} has no config.json; expected a Hugging Face Dream/DiffuCoder checkpoint folder`);
  }
  const cfg = asObject(readJson(path));
  if (!cfg) throw new InputError(`${path}: expected a JSON object`);
  validateDreamConfig(cfg, path, assumeDream);
  return cfg as CanonicalConfig;
}

export function validateDreamConfig(cfg: Record<string, unknown>, where = 'config.json', assumeDream = false): void {
  const archs = architectures(cfg);
  const modelType = cfg.model_type;
  const isDream = archs.some((a) => DREAM_ARCHITECTURES.includes(a)) || DREAM_MODEL_TYPES.includes(modelType as string);
  const isQwen2 = archs.includes('Qwen2ForCausalLM') || modelType === 'qwen2';
  if (!isDream && !(assumeDream && isQwen2)) {
    const causal = archs.some((a) => a.endsWith('ForCausalLM')) || isQwen2;
    const hint = isQwen2
      ? ' (a Qwen2 config: pass --assume-dream only if these weights were trained as a bidirectional diffusion model)'
      : causal ? ' (a causal language model, not a diffusion model)' : '';
    throw new InputError(`${where}: unsupported architecture ${pyRepr(archs.length ? archs : modelType)}${hint}; ` +
      'supported: DreamModel (Dream, Dream-Coder, DiffuCoder, DreamOn), LLaDAModelLM (LLaDA), CoDALanguageModel ' +
      '(CoDA); see docs/models.md');
  }
  validateShapeKeys(cfg, where);
  if ((cfg.hidden_act ?? 'silu') !== 'silu') {
    throw new InputError(`${where}: hidden_act ${pyRepr(cfg.hidden_act)} is not supported (Dream uses silu)`);
  }
  if (truthy(cfg.rope_scaling)) {
    throw new InputError(`${where}: rope_scaling ${pyRepr(cfg.rope_scaling)} is not supported (export with plain RoPE only)`);
  }
  if (truthy(cfg.use_sliding_window)) {
    throw new InputError(`${where}: use_sliding_window=true is not supported (Dream attends over the whole canvas)`);
  }
  const headDim = cfg.head_dim;
  if (headDim !== undefined && headDim !== null &&
      headDim !== Math.floor((cfg.hidden_size as number) / (cfg.num_attention_heads as number))) {
    throw new InputError(`${where}: head_dim ${pyRepr(headDim)} != hidden_size / num_attention_heads; not supported`);
  }
}

/** The dimension keys every family maps onto: present, positive, consistent. `explicitHeadDim`: Qwen3-style
 *  configs state head_dim, which need not be hidden_size / heads. */
export function validateShapeKeys(cfg: Record<string, unknown>, where: string, explicitHeadDim = false): void {
  const missing = REQUIRED_KEYS.filter((k) => !Object.hasOwn(cfg, k));
  if (missing.length) throw new InputError(`${where}: missing required key(s) ${missing.join(', ')}`);
  for (const k of [...REQUIRED_KEYS, ...(explicitHeadDim ? ['head_dim'] : [])]) {
    const v = cfg[k];
    if (typeof v !== 'number' || !(v > 0)) throw new InputError(`${where}: ${k} must be a positive number, got ${pyRepr(v)}`);
  }
  const heads = cfg.num_attention_heads as number;
  const kv = cfg.num_key_value_heads as number;
  if (!explicitHeadDim && (cfg.hidden_size as number) % heads) {
    throw new InputError(`${where}: hidden_size ${cfg.hidden_size} is not divisible by num_attention_heads ${heads}`);
  }
  if (heads % kv) throw new InputError(`${where}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kv}`);
}
