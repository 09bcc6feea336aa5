// A Hugging Face checkpoint folder (safetensors, sharded or not) as the converter's input: family and canonical
// config, tokenizer, special tokens, licence, and the weights under the builder's canonical names. Every check
// runs here, before anything is written (training/hf/export_checkpoint.py open_input).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalConfig, ConvertInput, WeightSource } from '../convert/input';
import { CheckpointTensors, INDEX_FILE, SINGLE_FILE } from './checkpointTensors';
import { expectedShapes, familyInfo, renameMap } from './families';
import { fileSha256 } from './fileSha256';
import { InputError } from './inputError';
import { readLicense } from './license';
import { readFamily } from './readFamily';
import { resolveFamilyTokens } from './resolveTokens';
import { buildTokenizerJson, readTokenizerConfig, tokenizerSize } from './tokenizerFiles';
import { few } from './pyRepr';
import { FLOAT_DTYPES } from './safetensorsFile';
import { validateTensors } from './validateTensors';

export interface OpenOptions {
  /** Accept a Qwen2 config for weights trained as a bidirectional diffusion model (Open-dCoder). */
  assumeDream?: boolean;
  /** DreamOn: the expand token (string or id); default: an <|expand|> token if the tokenizer has one. */
  expandToken?: string;
  /** Licence text when the source states none. */
  license?: string;
}

/** The canonical names read from a checkpoint that stores them under its family's names. */
function renamedSource(tensors: CheckpointTensors, rename: Map<string, string>): WeightSource {
  const native = (name: string) => rename.get(name) ?? name;
  return {
    shape: (name) => tensors.shape(native(name)),
    rows: (name, lo, hi) => tensors.rows(native(name), lo, hi),
  };
}

/** Checks shared by every source: the tokenizer fits the model's rows. */
export function checkTokenizerFits(tok: Record<string, unknown>, cfg: CanonicalConfig): void {
  const size = tokenizerSize(tok);
  if (size > cfg.vocab_size) throw new InputError(`the tokenizer has ${size} ids but the model only ${cfg.vocab_size} rows`);
}

export function openCheckpoint(dir: string, opts: OpenOptions = {}): ConvertInput {
  const { family, cfg } = readFamily(dir, opts.assumeDream);
  const tokenizer = buildTokenizerJson(dir);
  const tokenizerConfig = readTokenizerConfig(dir);
  const tensors = new CheckpointTensors(dir);
  try {
    const expected = expectedShapes(family, cfg);
    validateTensors(tensors, cfg, expected, family.label);
    // Weights are read as floats: an integer or boolean tensor where a weight belongs is refused now, not mid-build.
    const notFloat = [...expected.keys()].filter((n) => !FLOAT_DTYPES.includes(tensors.dtype(n)));
    if (notFloat.length) {
      throw new InputError(`${notFloat.length} tensor(s) are not stored as floats (F32, F16, BF16, F64), e.g. ` +
        few(notFloat.map((n) => `${n}: ${tensors.dtype(n)}`)));
    }
    const tokens = resolveFamilyTokens(family, cfg, tokenizer, tokenizerConfig, opts.expandToken);
    checkTokenizerFits(tokenizer, cfg);
    const hashed = existsSync(join(dir, INDEX_FILE)) ? INDEX_FILE : SINGLE_FILE;
    const name = cfg._name_or_path;
    return {
      family: familyInfo(family), cfg, tokenizer, tokenizerConfig, tokens,
      weights: renamedSource(tensors, renameMap(family, cfg)),
      dtypes: tensors.dtypes(), nbytes: tensors.shardBytes(),
      license: opts.license ?? readLicense(dir),
      shaKey: 'checkpointSha256', sha256: fileSha256(join(dir, hashed)),
      cardDir: dir,
      sourceName: typeof name === 'string' && name ? name : undefined,
      close: () => tensors.close(),
    };
  } catch (e) {
    tensors.close();
    throw e;
  }
}
