// The tokenizer.json of a GGUF file, rebuilt from llama.cpp's tokenizer.ggml.* metadata (training/hf/
// gguf_tokenizer.py). A byte-level BPE tokenizer ("gpt2") is stored as every id's token string (already in the
// byte->unicode alphabet), its type (1 normal, 3 control, 4 user defined, 5 unused padding rows, 6 byte), the merges
// ("a b", in rank order), the special ids and the pre-tokenizer's name (tokenizer.ggml.pre). Normal and byte tokens
// form the vocabulary; control and user-defined ones become atomic added tokens; unused rows ("[PAD151667]") are
// left out so the tokenizer never produces them.

import { InputError } from '../inputError';
import { setOwn } from '../jsonFile';
import { pyRepr } from '../pyRepr';
import { bpeTokenizerJson, QWEN2_PRETOKENIZE_REGEX, type AddedToken, type TokenizerJson } from '../tokenizerFiles';
import type { GgufFile } from './ggufFile';

const NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
/** tokenizer.ggml.pre -> the pre-tokenisation regex of that tokenizer family */
export const PRE_TOKENIZERS: Readonly<Record<string, string>> = { qwen2: QWEN2_PRETOKENIZE_REGEX };

export function ggufTokenizer(file: GgufFile): { tokenizer: TokenizerJson; tokenizerConfig: Record<string, unknown> } {
  const path = file.path;
  const model = file.field('tokenizer.ggml.model');
  if (model !== 'gpt2') throw new InputError(`${path}: tokenizer model ${pyRepr(model ?? null)} is not supported (byte-level BPE, 'gpt2', only)`);
  const pre = file.field('tokenizer.ggml.pre');
  if (typeof pre !== 'string' || !Object.hasOwn(PRE_TOKENIZERS, pre)) {
    throw new InputError(`${path}: pre-tokenizer ${pyRepr(pre ?? null)} is not supported (supported: ${Object.keys(PRE_TOKENIZERS).join(', ')})`);
  }
  const tokens = file.field('tokenizer.ggml.tokens');
  const types = file.field('tokenizer.ggml.token_type');
  const merges = file.field('tokenizer.ggml.merges');
  if (!Array.isArray(tokens) || !tokens.length || !Array.isArray(types) || !Array.isArray(merges) || types.length !== tokens.length ||
      !tokens.every((t) => typeof t === 'string') || !merges.every((m) => typeof m === 'string')) {
    throw new InputError(`${path}: the tokenizer metadata is incomplete (tokens, token_type and merges are required)`);
  }
  const vocab: Record<string, unknown> = {};
  const added: AddedToken[] = [];
  tokens.forEach((text, i) => {
    const kind = Number(types[i]);
    if (kind === NORMAL || kind === BYTE) setOwn(vocab, text as string, i);
    else if (kind === CONTROL || kind === USER_DEFINED) {
      added.push({ id: i, content: text as string, single_word: false, lstrip: false, rstrip: false, normalized: false, special: kind === CONTROL });
    } else if (kind !== UNUSED) {
      throw new InputError(`${path}: token ${i} has type ${kind}, which a byte-level BPE tokenizer does not use`);
    }
  });
  // Python's str.split(" ") on each merge: "a b" -> ["a", "b"] (kept as written, even when malformed).
  const tokenizer = bpeTokenizerJson(vocab, (merges as string[]).map((m) => m.split(' ')), added, PRE_TOKENIZERS[pre]);
  const tokenizerConfig: Record<string, unknown> = { clean_up_tokenization_spaces: false };
  for (const [key, meta] of [['bos_token', 'bos_token_id'], ['eos_token', 'eos_token_id'], ['pad_token', 'padding_token_id'],
    ['mask_token', 'mask_token_id']]) {
    const raw = file.field(`tokenizer.ggml.${meta}`);
    if (raw === undefined) continue;
    const tid = Number(raw);
    if (!(Number.isInteger(tid) && 0 <= tid && tid < tokens.length)) {
      throw new InputError(`${path}: tokenizer.ggml.${meta} ${String(raw)} is outside the ${tokens.length} tokens`);
    }
    tokenizerConfig[key] = tokens[tid];
  }
  return { tokenizer, tokenizerConfig };
}
