// A GGUF file of a Dream or bidirectional Qwen2 model as the converter's input (training/hf/gguf_source.py
// open_gguf): every check runs before the builder writes anything.

import { existsSync, statSync } from 'node:fs';
import type { ConvertInput } from '../../convert/input';
import { DREAM, familyInfo } from '../families';
import { fileSha256 } from '../fileSha256';
import { InputError } from '../inputError';
import { checkTokenizerFits, type OpenOptions } from '../openCheckpoint';
import { resolveFamilyTokens } from '../resolveTokens';
import { ggufConfig, ggufRename, validateGgufTensors } from './ggufConfig';
import { GgufFile } from './ggufFile';
import { ggufTokenizer } from './ggufTokenizer';
import { GgufWeights } from './ggufWeights';

export function openGguf(path: string, opts: OpenOptions = {}): ConvertInput {
  if (!existsSync(path) || !statSync(path).isFile()) throw new InputError(`GGUF file ${path} does not exist`);
  const file = new GgufFile(path);
  try {
    const { cfg } = ggufConfig(file);
    const rename = ggufRename(cfg);
    validateGgufTensors(file, cfg, rename);
    const { tokenizer, tokenizerConfig } = ggufTokenizer(file);
    const tokens = resolveFamilyTokens(DREAM, cfg, tokenizer, tokenizerConfig, opts.expandToken);
    checkTokenizerFits(tokenizer, cfg);
    const dtypes: Record<string, number> = {};
    for (const t of file.tensors) dtypes[t.type.name] = (dtypes[t.type.name] ?? 0) + 1;
    const license = file.field('general.license');
    const name = file.field('general.name');
    return {
      family: familyInfo(DREAM), cfg, tokenizer, tokenizerConfig, tokens, weights: new GgufWeights(file, rename),
      dtypes, nbytes: file.size,
      license: opts.license ?? (typeof license === 'string' && license ? license : undefined),
      shaKey: 'ggufSha256', sha256: fileSha256(path),
      sourceName: typeof name === 'string' && name ? name : undefined,
      close: () => file.close(),
    };
  } catch (e) {
    file.close();
    throw e;
  }
}
