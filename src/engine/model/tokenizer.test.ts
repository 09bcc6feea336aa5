import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokensToText } from '../text/tokenText';
import { EngineError } from '../types';
import { loadEngineParts } from './load';
import { loadTokenizer } from './tokenizer';

// A tiny GPT-2 style byte-level BPE: specials 0..2, the 256 byte symbols, and a few merges.
function byteSymbols(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : 256 + extra++));
}
const SPECIALS = ['<|endoftext|>', '<|mask|>', '<|beginoftext|>'];
function tokenizerJson() {
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((s, i) => (vocab[s] = i));
  byteSymbols().forEach((s, b) => (vocab[s] = 3 + b));
  const merges = [['r', 'e'], ['re', 't'], ['Ã', '©']]; // 'ret', and 'é' as one token (UTF-8 C3 A9)
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const bl = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };
  return {
    version: '1.0', truncation: null, padding: null, normalizer: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    pre_tokenizer: bl, post_processor: bl, decoder: bl,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map((m) => m.join(' ')) },
  };
}

function withFolder(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-tok-'));
    try {
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true });
    }
  };
}

test('per-token text round-trips any text exactly (CRLF, tabs, NUL, multi-byte, emoji split over byte tokens)', withFolder((dir) => {
  const tok = loadTokenizer(join(dir, 'tokenizer.json'));
  assert.equal(tok.size, 3 + 256 + 3);
  for (const text of ['return x\r\n\tfoo', 'café é', 'a\0b', '😀 ok', '']) {
    const ids = tok.encode(text);
    assert.equal(tokensToText(tok, ids).map((p) => p.text).join(''), text);
  }
  // '😀' is 4 byte tokens: the first three carry no text, the fourth completes the character
  const pieces = tokensToText(tok, tok.encode('😀'));
  assert.deepEqual(pieces.map((p) => p.text), ['', '', '', '😀']);
}));

test('special-token strings in user text stay plain text', withFolder((dir) => {
  const tok = loadTokenizer(join(dir, 'tokenizer.json'));
  const ids = tok.encode('x<|mask|>y<|endoftext|>');
  assert.ok(!ids.some((id) => id < 3), `special ids in ${ids}`);
  assert.equal(tokensToText(tok, ids).map((p) => p.text).join(''), 'x<|mask|>y<|endoftext|>');
  assert.equal(tok.bytesOf(1).length, 0); // the mask itself renders as nothing
}));

test('lone surrogates do not crash the tokenizer', withFolder((dir) => {
  const tok = loadTokenizer(join(dir, 'tokenizer.json'));
  assert.ok(tok.encode('a\uD800b\uDC00').length >= 3);
}));

test('a tokenizer larger than the model vocabulary, or special ids it lacks, are refused before loading the graph', withFolder(async (dir) => {
  const manifest = (vocabSize: number, mask = 1) => ({
    contract: 'diffucode-model/1', name: 't', graph: 'model.onnx', tokenizer: 'tokenizer.json', vocabSize, contextLength: 64, shiftedLogits: true,
    tokens: { bos: 2, eos: 0, pad: 0, mask, expand: null, stop: [0] }, io: { inputIds: 'input_ids', positions: 'positions', logits: 'logits' },
  });
  writeFileSync(join(dir, 'model.onnx'), 'not a graph');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest(100)));
  await assert.rejects(loadEngineParts(dir), (e: EngineError) => e.code === 'VOCAB_MISMATCH' && /tokenizer has 262 tokens but the model's logits have 100 rows/.test(e.message));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest(400, 300)));
  await assert.rejects(loadEngineParts(dir), /tokens.mask = 300 is not in the tokenizer/);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest(400)));
  await assert.rejects(loadEngineParts(dir), /ONNX Runtime could not load/);
}));
