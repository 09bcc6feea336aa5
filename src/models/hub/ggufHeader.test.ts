import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readGgufHeader } from './ggufHeader';

/** GGUF v3 bytes: the header and these key/values (string, bool, or a string array), no tensors. */
function gguf(kvs: [string, string | boolean | string[]][]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
  parts.push(Buffer.from('GGUF'), u32(3), u64(0), u64(kvs.length));
  for (const [k, v] of kvs) {
    parts.push(str(k));
    if (typeof v === 'string') parts.push(u32(8), str(v));
    else if (typeof v === 'boolean') parts.push(u32(7), Buffer.from([v ? 1 : 0]));
    else parts.push(u32(9), u32(8), u64(v.length), ...v.map(str));
  }
  return Buffer.concat(parts);
}

test('architecture and attention.causal are read from the first metadata, stopping at the tokenizer arrays', () => {
  const causal = gguf([['general.architecture', 'qwen2'], ['general.name', 'Qwen2.5-Coder'], ['qwen2.attention.causal', true], ['tokenizer.ggml.tokens', ['a', 'b']], ['late.key', 'x']]);
  assert.deepEqual(readGgufHeader(causal), { architecture: 'qwen2', causal: true });
  assert.deepEqual(readGgufHeader(gguf([['general.architecture', 'dream'], ['dream.attention.causal', false]])), { architecture: 'dream', causal: false });
  assert.deepEqual(readGgufHeader(gguf([['general.architecture', 'llama']])), { architecture: 'llama' });
});

test('a short prefix, another format or garbage gives what was read, never a throw', () => {
  const full = gguf([['general.architecture', 'qwen2'], ['qwen2.attention.causal', false]]);
  assert.deepEqual(readGgufHeader(full.subarray(0, full.length - 1)), { architecture: 'qwen2' });
  assert.deepEqual(readGgufHeader(full.subarray(0, 10)), {});
  assert.deepEqual(readGgufHeader(Buffer.from('PK\x03\x04 not a gguf at all, a zip')), {});
  const huge = Buffer.from(full);
  huge.writeBigUInt64LE(2n ** 62n, 24); // a key length no prefix holds
  assert.deepEqual(readGgufHeader(huge), {});
});
