// Loads a Hugging Face tokenizer.json with @huggingface/tokenizers (pure JS) and adapts it to the engine:
// encoding never turns user text into special tokens (a file containing "<|mask|>" must not add a gap), and every
// id maps to its raw bytes so generated text can be tracked per token (the library gives no offsets).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { EngineTokenizer } from '../engineParts';
import { EngineError } from '../types';

export function loadTokenizer(path: string): EngineTokenizer {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EngineError(`tokenizer ${path} is not valid JSON: ${(e as Error).message}`, 'BAD_TOKENIZER');
  }
  const cfgPath = join(dirname(path), 'tokenizer_config.json');
  let config: Record<string, unknown> = {};
  if (existsSync(cfgPath)) {
    try {
      config = JSON.parse(readFileSync(cfgPath, 'utf8'));
    } catch {
      config = {};
    }
  }
  // Decoding must give back text exactly: never "clean up" spaces before punctuation.
  config = { ...config, clean_up_tokenization_spaces: false };
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (e) {
    throw new EngineError(`tokenizer ${path} could not be loaded: ${(e as Error).message}`, 'BAD_TOKENIZER');
  }
  return new HfTokenizer(tok, json);
}

class HfTokenizer implements EngineTokenizer {
  readonly size: number;
  private readonly specials: { id: number; content: string }[];
  private readonly specialIds: Set<number>;
  private readonly byteLevel: boolean;
  private readonly cache: (Uint8Array | undefined)[] = [];
  private readonly utf8 = new TextEncoder();

  constructor(
    private readonly tok: Tokenizer,
    json: Record<string, unknown>,
  ) {
    let max = -1;
    for (const id of tok.get_vocab(true).values()) if (id > max) max = id;
    this.size = max + 1;
    this.specials = [];
    for (const [id, t] of tok.get_added_tokens_decoder()) if (t.content) this.specials.push({ id, content: t.content });
    this.specialIds = new Set(this.specials.map((s) => s.id));
    this.byteLevel = JSON.stringify(json.decoder ?? '').includes('"ByteLevel"');
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    // Split around special-token strings and encode each occurrence as two ordinary halves.
    let hit: { at: number; s: { id: number; content: string } } | undefined;
    for (const s of this.specials) {
      const at = text.indexOf(s.content);
      if (at >= 0 && (!hit || at < hit.at)) hit = { at, s };
    }
    if (!hit) return this.tok.encode(text, { add_special_tokens: false }).ids;
    const c = hit.s.content;
    return [
      ...this.encode(text.slice(0, hit.at)),
      ...this.tok.encode(c.slice(0, 1), { add_special_tokens: false }).ids,
      ...this.encode(c.slice(1)),
      ...this.encode(text.slice(hit.at + c.length)),
    ];
  }

  bytesOf(id: number): Uint8Array {
    let b = this.cache[id];
    if (b === undefined) {
      b = this.computeBytes(id);
      this.cache[id] = b;
    }
    return b;
  }

  private computeBytes(id: number): Uint8Array {
    if (this.specialIds.has(id)) return new Uint8Array(0);
    const piece = this.tok.id_to_token(id);
    if (piece === undefined) return new Uint8Array(0);
    if (this.byteLevel) {
      const out = new Uint8Array(piece.length);
      let n = 0;
      for (const ch of piece) {
        const b = BYTE_DECODER.get(ch);
        if (b === undefined) return this.utf8.encode(this.tok.decode([id], { skip_special_tokens: true }));
        out[n++] = b;
      }
      return out.subarray(0, n);
    }
    // Other decoders (Metaspace, WordPiece...): decode the token alone; pieces of a split character are lost.
    return this.utf8.encode(this.tok.decode([id], { skip_special_tokens: true }));
  }
}

/** GPT-2 byte-level alphabet: printable bytes map to themselves, the rest to U+0100 onwards. */
const BYTE_DECODER: Map<string, number> = (() => {
  const m = new Map<string, number>();
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let extra = 0;
  for (let b = 0; b < 256; b++) m.set(String.fromCharCode(printable(b) ? b : 256 + extra++), b);
  return m;
})();
