// A checkpoint's tensors against what its config implies (training/hf/checkpoint.py validate_tensors): every
// expected tensor present with the right shape, nothing unexpected (a sign of another architecture).

import type { CanonicalConfig } from '../convert/input';
import { InputError } from './inputError';
import { few } from './pyRepr';

/** Buffers some exporters write that carry no learned state (recomputed from rope_theta). */
const IGNORED_SUFFIXES = ['.rotary_emb.inv_freq'];

export interface TensorShapes {
  names(): string[];
  shape(name: string): number[];
}

export function validateTensors(tensors: TensorShapes, cfg: CanonicalConfig, expected: Map<string, number[]>,
  label: string): void {
  const names = new Set(tensors.names());
  const missing = [...expected.keys()].filter((n) => !names.has(n)).sort();
  if (missing.length) {
    throw new InputError(`checkpoint lacks ${missing.length} tensor(s) required by config.json, e.g. ${few(missing)}`);
  }
  const unexpected = [...names].filter((n) => !expected.has(n) && !IGNORED_SUFFIXES.some((s) => n.endsWith(s)) &&
    !(n === 'lm_head.weight' && cfg.tie_word_embeddings)).sort();
  if (unexpected.length) {
    throw new InputError(`checkpoint has ${unexpected.length} tensor(s) a ${label} model does not use, e.g. ` +
      `${few(unexpected)} (different architecture, or config.json does not match the weights)`);
  }
  const tuple = (s: number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);
  const wrong = [...expected].filter(([n, shape]) => tuple(tensors.shape(n)) !== tuple(shape))
    .map(([n, shape]) => `${n}: ${tuple(tensors.shape(n))} (config.json implies ${tuple(shape)})`);
  if (wrong.length) throw new InputError(`${wrong.length} tensor shape(s) do not match config.json: ${few(wrong)}`);
}
