// Bad and hostile GGUF files: each refused with one clear line (an InputError), with no allocation sized by a
// hostile count. Hand-made headers test the layout checks; files from the gguf package's writer test the model
// checks, with the Python importer's message word for word where it refuses the same file.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../inputError';
import { openInput } from '../openInput';
import { ggufReferences, makeTiny, writeGgufs } from '../testing/python';

let tmp: string;
let ckpt: string;
let n = 0;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'diffucode-gguf-refused-'));
  ckpt = makeTiny(join(tmp, 'dream'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function refused(path: string): string {
  try {
    openInput(path).close();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
    return e.message;
  }
  assert.fail(`${path} was accepted`);
}

function pythonRefusal(path: string): string {
  return ggufReferences([path])[path].error;
}

function writeGguf(ckpt: string, path: string, qtype: string, opts: Record<string, unknown> = {}): string {
  writeGgufs([[ckpt, path, qtype, opts]]);
  return path;
}

// --- hand-made headers ----------------------------------------------------------------------------------------

const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
const str = (s: string, len?: bigint) => Buffer.concat([u64(len ?? BigInt(Buffer.byteLength(s))), Buffer.from(s)]);
const kvString = (k: string, v: string) => Buffer.concat([str(k), u32(8), str(v)]);
const tensorInfo = (name: string, dims: bigint[], type: number, offset: bigint) =>
  Buffer.concat([str(name), u32(dims.length), ...dims.map(u64), u32(type), u64(offset)]);

function gguf(parts: { version?: number; tensors?: bigint; kvs?: bigint; body: Buffer[]; magic?: Buffer }): string {
  const path = join(tmp, `crafted-${n++}.gguf`);
  writeFileSync(path, Buffer.concat([parts.magic ?? Buffer.from('GGUF'), u32(parts.version ?? 3), u64(parts.tensors ?? 0n), u64(parts.kvs ?? 0n), ...parts.body]));
  return path;
}

const corrupt = /is not a readable GGUF file \(truncated or corrupt: /;

test('counts that overflow or cannot fit in the file', () => {
  assert.match(refused(gguf({ tensors: 2n ** 64n - 1n, body: [] })), /the tensor count 18446744073709551615 cannot fit/);
  assert.match(refused(gguf({ kvs: 2n ** 63n, body: [] })), /the metadata count 9223372036854775808 cannot fit/);
  const array = Buffer.concat([str('tokenizer.ggml.tokens'), u32(9), u32(10), u64(2n ** 62n), Buffer.alloc(64)]);
  assert.match(refused(gguf({ kvs: 1n, body: [array] })), /tokenizer.ggml.tokens claims 4611686018427387904 UINT64 items, more than the file holds/);
});

test('a string whose length runs past the end of the file', () => {
  const msg = refused(gguf({ kvs: 1n, body: [str('general.name', 2n ** 63n + 5n)] }));
  assert.match(msg, corrupt);
  assert.match(msg, /a metadata key at byte 24 claims 9223372036854775813 bytes, past the end of the file/);
});

test('dimensions whose product overflows, and tensors past the end of the file', () => {
  const huge = tensorInfo('w', [2n ** 32n, 2n ** 32n, 2n ** 32n, 2n ** 32n], 0, 0n);
  assert.match(refused(gguf({ tensors: 1n, body: [huge, Buffer.alloc(32)] })), /tensor w claims 340282366920938463463374607431768211456 values/);
  const past = tensorInfo('w', [8n], 0, 2n ** 60n);
  assert.match(refused(gguf({ tensors: 1n, body: [past, Buffer.alloc(64)] })), /tensor w ends at byte 1,152,921,504,606,847,\d+ but the file has \d+/);
  const wrapping = tensorInfo('w', [2n ** 61n], 0, 0n); // 2^61 F32 values = 2^63 bytes
  assert.match(refused(gguf({ tensors: 1n, body: [wrapping, Buffer.alloc(64)] })), /tensor w claims 2305843009213693952 values/);
});

test('malformed layouts: magic, version, byte order, ranks, types, alignment, duplicates', () => {
  assert.match(refused(gguf({ magic: Buffer.from('GGML'), body: [] })), /does not start with the GGUF magic/);
  assert.match(refused(gguf({ version: 1, body: [] })), /GGUF version 1 \(versions 2 and 3 are read\)/);
  assert.match(refused(gguf({ version: 0x03000000, body: [] })), /a big-endian GGUF file/);
  assert.match(refused(gguf({ tensors: 1n, body: [tensorInfo('w', [1n, 1n, 1n, 1n, 1n], 0, 0n), Buffer.alloc(64)] })), /tensor w has 5 dimensions/);
  assert.match(refused(gguf({ tensors: 1n, body: [tensorInfo('w', [32n], 99, 0n), Buffer.alloc(64)] })), /tensor w has unknown type 99/);
  assert.match(refused(gguf({ tensors: 1n, body: [tensorInfo('w', [30n], 2, 0n), Buffer.alloc(64)] })), /rows of 30 values, not a multiple of Q4_0's block of 32/);
  assert.match(refused(gguf({ tensors: 1n, body: [tensorInfo('w', [4n], 0, 4n), Buffer.alloc(64)] })), /tensor w is not aligned to 32 bytes/);
  const two = [tensorInfo('a', [8n], 0, 0n), tensorInfo('b', [8n], 0, 0n), Buffer.alloc(128)];
  assert.match(refused(gguf({ tensors: 2n, body: two })), /tensors a and b overlap/);
  assert.match(refused(gguf({ kvs: 2n, body: [kvString('general.name', 'a'), kvString('general.name', 'b')] })), /the metadata key general.name appears twice/);
  const align = Buffer.concat([str('general.alignment'), u32(4), u32(48)]);
  assert.match(refused(gguf({ kvs: 1n, body: [align] })), /general.alignment 48 is not a power of two/);
  assert.match(refused(gguf({ kvs: 1n, body: [Buffer.concat([str('x'), u32(77), u32(0)])] })), /x has unknown value type 77/);
  const name = Buffer.concat([str('general.name'), u32(8), u64(2n), Buffer.from([0xff, 0xfe])]);
  assert.match(refused(gguf({ kvs: 1n, body: [name] })), /general.name at byte \d+ is not valid UTF-8/);
});

// --- files from the gguf package's writer ----------------------------------------------------------------------

test('truncated files: the header, and the tensor data', () => {
  const good = writeGguf(ckpt, join(tmp, 'good.gguf'), 'Q8_0');
  const data = readFileSync(good);
  const cut = join(tmp, 'cut.gguf');
  writeFileSync(cut, data.subarray(0, data.length - 5000));
  assert.match(refused(cut), /not a readable GGUF file \(truncated or corrupt: tensor .* ends at byte [\d,]+ but the file has [\d,]+\)/);
  assert.match(pythonRefusal(cut) ?? '', /not a readable GGUF file \(truncated or corrupt/);
  writeFileSync(cut, data.subarray(0, 200));
  assert.match(refused(cut), /not a readable GGUF file \(truncated or corrupt: the metadata count \d+ cannot fit in the file's 200 bytes\)/);
  writeFileSync(cut, data.subarray(0, 3000)); // inside the token list
  assert.match(refused(cut), /not a readable GGUF file \(truncated or corrupt: .*tokenizer.ggml.tokens.* (runs past the end of the file|more than the file holds)/);
  assert.equal(refused(join(tmp, 'absent.gguf')), `GGUF file ${join(tmp, 'absent.gguf')} does not exist`);
});

test('models it must refuse, with the Python importer\'s message', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ arch: 'llama' }, /unsupported GGUF architecture 'llama'/],
    [{ arch: 'qwen2', causal: true }, /a causal \(autoregressive\) qwen2 model \(qwen2.attention.causal is true\); DiffuCode needs a bidirectional diffusion model/],
    [{ arch: 'qwen2', causal: null }, /causal \(autoregressive\) qwen2 model \(qwen2.attention.causal is missing\)/],
    [{ mask: false }, /no tokenizer.ggml.mask_token_id in the metadata \(not a diffusion model's GGUF\)/],
    [{ meta: { block_count: 3 } }, /the metadata implies tensor\(s\) the file lacks, e.g. blk.2/],
    [{ meta: { embedding_length: 128 } }, /metadata contradicts the tensors: token_embd.weight is \[\d+, 64\] but the metadata implies \[\d+, 128\]/],
  ];
  const paths = cases.map(() => join(tmp, `case-${n++}.gguf`));
  writeGgufs(cases.map(([opts], i) => [ckpt, paths[i], 'Q8_0', opts]));
  const python = ggufReferences(paths);
  cases.forEach(([, pattern], i) => {
    const msg = refused(paths[i]);
    assert.match(msg, pattern);
    assert.equal(msg, python[paths[i]].error);
  });
  const mx = writeGguf(ckpt, join(tmp, 'mxfp4.gguf'), 'MXFP4');
  assert.match(refused(mx), /tensor token_embd.weight is MXFP4, which this importer does not read \(supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K\)/);
});

test('a qwen2 GGUF that declares bidirectional attention opens (Open-dCoder style)', () => {
  const input = openInput(writeGguf(ckpt, join(tmp, 'qwen2-bidir.gguf'), 'F16', { arch: 'qwen2', causal: false }));
  assert.equal(input.family.name, 'dream');
  assert.equal(input.license, undefined);
  input.close();
});
