// A checkpoint's tokenizer files as one tokenizer.json that @huggingface/tokenizers loads
// (training/hf/tokenizer_files.py; the output must equal the Python's for the same folder).
// Dream-family repos ship the slow Qwen2 tokenizer: vocab.json + merges.txt + added_tokens.json +
// tokenizer_config.json, sometimes no tokenizer.json. The slow Qwen2 tokenizer is byte-level BPE with NFC
// normalisation and a fixed pre-tokenisation regex, expressed here in the fast format. Every added token (mask,
// begin-of-text, dlm_pad/expand, end-of-text, ChatML markers) becomes an atomic added_tokens entry with the
// checkpoint's id, so the engine never splits <|mask|> and no id is guessed.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from './inputError';
import { asObject, readJson, truthy } from './jsonFile';
import { pyRepr } from './pyRepr';

/** Qwen2's pre-tokenisation pattern (tokenization_qwen2.py PRETOKENIZE_REGEX; Dream's tokenizer copies it). */
export const QWEN2_PRETOKENIZE_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" +
  '|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';

const byteLevel = () => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false });

export interface AddedToken {
  id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean;
}
export type TokenizerJson = Record<string, unknown>;

/** Added tokens from added_tokens.json (content -> id) and tokenizer_config.json's added_tokens_decoder
 *  (id -> attributes), merged and checked for contradictions; sorted by id. */
export function readAddedTokens(dir: string): AddedToken[] {
  const byId = new Map<number, AddedToken>();
  const cfgPath = join(dir, 'tokenizer_config.json');
  if (existsSync(cfgPath)) {
    const decoder = asObject(asObject(readJson(cfgPath))?.added_tokens_decoder) ?? {};
    for (const [key, value] of Object.entries(decoder)) {
      const attrs = asObject(value) ?? {};
      const tid = /^\s*[+-]?\d+\s*$/.test(key) ? Number(key) : NaN; // Python's int(key)
      if (!Number.isSafeInteger(tid) || typeof attrs.content !== 'string') {
        throw new InputError(`${cfgPath}: added_tokens_decoder entry ${pyRepr(key)} is malformed`);
      }
      byId.set(tid, {
        id: tid, content: attrs.content, single_word: truthy(attrs.single_word ?? false), lstrip: truthy(attrs.lstrip ?? false),
        rstrip: truthy(attrs.rstrip ?? false), normalized: truthy(attrs.normalized ?? false), special: truthy(attrs.special ?? true),
      });
    }
  }
  const addedPath = join(dir, 'added_tokens.json');
  if (existsSync(addedPath)) {
    for (const [content, tid] of Object.entries(asObject(readJson(addedPath)) ?? {})) {
      if (!Number.isInteger(tid)) throw new InputError(`${addedPath}: ${pyRepr(content)} has no integer id`);
      const known = byId.get(tid as number);
      if (known && known.content !== content) {
        throw new InputError(`added_tokens.json gives id ${tid} to ${pyRepr(content)} but tokenizer_config.json gives it ` +
          `to ${pyRepr(known.content)}; the checkpoint's tokenizer files disagree`);
      }
      // added_tokens.json carries no attributes; the slow Qwen2 tokenizer treats them as special.
      if (!known) byId.set(tid as number, { id: tid as number, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    }
  }
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const t of byId.values()) (seen.has(t.content) ? dupes : seen).add(t.content);
  if (dupes.size) throw new InputError(`tokenizer files give several ids to the added token(s) ${pyRepr([...dupes].sort())}`);
  return [...byId.keys()].sort((a, b) => a - b).map((k) => byId.get(k)!);
}

/** merges.txt as Python reads it in text mode: universal newlines, "#version" header skipped, blank lines skipped. */
export function readMerges(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').split(/\r\n|\r|\n/);
  const merges: string[][] = [];
  lines.forEach((line, i) => {
    if (!line || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2) throw new InputError(`${path}:${i + 1}: expected two space-separated symbols, got ${pyRepr(line)}`);
    merges.push(parts);
  });
  return merges;
}

function fromSlowFiles(dir: string, added: AddedToken[]): TokenizerJson {
  const vocabPath = join(dir, 'vocab.json');
  const mergesPath = join(dir, 'merges.txt');
  for (const p of [vocabPath, mergesPath]) {
    if (!existsSync(p)) {
      throw new InputError(`${dir} has no tokenizer.json and no ${basename(p)}; need either tokenizer.json or the ` +
        'Qwen2-style vocab.json + merges.txt (+ added_tokens.json, tokenizer_config.json)');
    }
  }
  const vocab = asObject(readJson(vocabPath));
  if (!vocab) throw new InputError(`${vocabPath}: expected a JSON object of token -> id`);
  const merges = readMerges(mergesPath);
  for (const t of added) {
    if (Object.hasOwn(vocab, t.content) && vocab[t.content] !== t.id) {
      throw new InputError(`added token ${pyRepr(t.content)} has id ${t.id} but vocab.json gives it ${vocab[t.content]}`);
    }
  }
  return bpeTokenizerJson(vocab, merges, added, QWEN2_PRETOKENIZE_REGEX);
}

/** The fast-format byte-level BPE tokenizer (also what a GGUF's tokenizer metadata becomes). */
export function bpeTokenizerJson(vocab: Record<string, unknown>, merges: string[][], added: AddedToken[],
  pretokenizeRegex: string): TokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: pretokenizeRegex }, behavior: 'Isolated', invert: false },
      byteLevel(),
    ] },
    post_processor: byteLevel(),
    decoder: byteLevel(),
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
}

function addedOf(tok: TokenizerJson): Record<string, unknown>[] {
  return Array.isArray(tok.added_tokens) ? tok.added_tokens as Record<string, unknown>[] : [];
}

/** A shipped tokenizer.json may predate tokens listed in added_tokens.json: add those, reject contradictions. */
function mergeAdded(tok: TokenizerJson, added: AddedToken[]): TokenizerJson {
  const present = new Map<number, Record<string, unknown>>();
  for (const t of addedOf(tok)) present.set(t.id as number, t);
  for (const t of added) {
    const have = present.get(t.id);
    if (!have) present.set(t.id, { ...t });
    else if (have.content !== t.content) {
      throw new InputError(`tokenizer.json gives id ${t.id} to ${pyRepr(have.content)} but the other tokenizer files ` +
        `give it to ${pyRepr(t.content)}`);
    }
  }
  tok.added_tokens = [...present.keys()].sort((a, b) => a - b).map((k) => present.get(k)!);
  return tok;
}

export function buildTokenizerJson(dir: string): TokenizerJson {
  const added = readAddedTokens(dir);
  const fast = join(dir, 'tokenizer.json');
  if (existsSync(fast)) {
    const tok = asObject(readJson(fast));
    if (!tok) throw new InputError(`${fast}: expected a JSON object`);
    return mergeAdded(tok, added);
  }
  return fromSlowFiles(dir, added);
}

function vocabOf(tok: TokenizerJson): Record<string, unknown> | undefined {
  return asObject(asObject(tok.model)?.vocab);
}

/** Id of a token string: added tokens first (they win at encode time), then the BPE vocabulary. */
export function tokenId(tok: TokenizerJson, content: string): number | undefined {
  for (const t of addedOf(tok)) if (t.content === content) return Number(t.id);
  const vocab = vocabOf(tok);
  if (vocab && Object.hasOwn(vocab, content)) return Number(vocab[content]);
  return undefined;
}

/** Number of ids the tokenizer can produce (max id + 1); logits rows at or above it are never sampled. */
export function tokenizerSize(tok: TokenizerJson): number {
  let max = -1;
  for (const t of addedOf(tok)) max = Math.max(max, Number(t.id));
  const vocab = vocabOf(tok);
  if (vocab) for (const v of Object.values(vocab)) max = Math.max(max, Number(v));
  return max + 1;
}

export function readTokenizerConfig(dir: string): Record<string, unknown> {
  const path = join(dir, 'tokenizer_config.json');
  if (!existsSync(path)) return {};
  const cfg = asObject(readJson(path));
  if (!cfg) throw new InputError(`${path}: expected a JSON object`);
  return cfg;
}

/** tokenizer_config.json stores e.g. eos_token as a string or as {"content": ...}; null means unset. */
export function configToken(cfg: Record<string, unknown>, key: string): string | undefined {
  let value = Object.hasOwn(cfg, key) ? cfg[key] : undefined;
  const obj = asObject(value);
  if (obj) value = obj.content;
  return typeof value === 'string' ? value : undefined;
}
