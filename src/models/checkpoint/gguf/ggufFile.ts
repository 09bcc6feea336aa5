// A GGUF file (llama.cpp's format, versions 2 and 3): magic "GGUF", version, tensor count and metadata count
// (uint64), the metadata key/values, the tensor infos (name, dims innermost first, type, offset), then the tensor
// data from the next multiple of `general.alignment` (32 by default). Everything is checked against the file size
// with exact integer arithmetic before a byte of tensor data is read: a count, a length or a dimension product that
// overflows, an offset past the end, a misaligned tensor or an unknown type is one error line.

import { closeSync, fstatSync, openSync } from 'node:fs';
import { InputError } from '../inputError';
import { readAt } from '../readAt';
import { ByteCursor, CursorError } from './byteCursor';
import { GGML_TYPES, type GgmlType } from './ggmlTypes';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensor {
  name: string;
  /** ne: dims innermost first (a Hugging Face [out, in] matrix is [in, out]). */
  dims: number[];
  type: GgmlType;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  nbytes: number;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4; // GGML_MAX_DIMS
const MAX_NESTING = 4;
// Smallest encodings, to bound counts by the bytes left: a key/value is a key length (8), a type (4) and at least a
// byte; a tensor info is a name length (8), n_dims (4), a type (4) and an offset (8).
const MIN_KV_BYTES = 13;
const MIN_TENSOR_INFO_BYTES = 24;
const VALUE_BYTES = [1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8]; // per GGUF value type (string: its length; array: type + count)

const TYPE_NAMES = ['UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'FLOAT32', 'BOOL', 'STRING', 'ARRAY', 'UINT64', 'INT64', 'FLOAT64'];

function safeNumber(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

export class GgufFile {
  readonly version: number;
  readonly metadata = new Map<string, GgufValue>();
  readonly tensors: GgufTensor[] = [];
  readonly alignment: number;
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      const c = new ByteCursor(this.fd, this.size);
      try {
        const magic = c.u32('the magic');
        if (magic !== MAGIC) throw new CursorError('it does not start with the GGUF magic');
        this.version = c.u32('the version');
        if (this.version !== 2 && this.version !== 3) {
          const swapped = ((this.version & 0xff) << 24) >>> 0 === 0 && (this.version >>> 24) !== 0;
          throw new CursorError(swapped ? 'a big-endian GGUF file (only little-endian is read)'
            : `GGUF version ${this.version} (versions 2 and 3 are read)`);
        }
        const tensorCount = c.u64('the tensor count');
        const kvCount = c.u64('the metadata count');
        if (kvCount * BigInt(MIN_KV_BYTES) > BigInt(c.remaining())) {
          throw new CursorError(`the metadata count ${kvCount} cannot fit in the file's ${this.size} bytes`);
        }
        for (let i = 0n; i < kvCount; i++) {
          const key = c.string('a metadata key');
          if (this.metadata.has(key)) throw new CursorError(`the metadata key ${key} appears twice`);
          const type = c.u32(`the type of ${key}`);
          this.metadata.set(key, this.value(c, type, key, 0));
        }
        if (tensorCount * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.remaining())) {
          throw new CursorError(`the tensor count ${tensorCount} cannot fit in the file's ${this.size} bytes`);
        }
        const infos: { name: string; dims: bigint[]; typeId: number; offset: bigint }[] = [];
        for (let i = 0n; i < tensorCount; i++) {
          const name = c.string('a tensor name');
          const nDims = c.u32(`the dimension count of ${name}`);
          if (nDims < 1 || nDims > MAX_DIMS) throw new CursorError(`tensor ${name} has ${nDims} dimensions (1 to ${MAX_DIMS} are valid)`);
          const dims: bigint[] = [];
          for (let d = 0; d < nDims; d++) dims.push(c.u64(`a dimension of ${name}`));
          infos.push({ name, dims, typeId: c.u32(`the type of ${name}`), offset: c.u64(`the offset of ${name}`) });
        }
        const align = this.metadata.get('general.alignment') ?? DEFAULT_ALIGNMENT;
        if (typeof align !== 'number' || !Number.isInteger(align) || align <= 0 || align > 1 << 20 || (align & (align - 1))) {
          throw new CursorError(`general.alignment ${String(align)} is not a power of two up to 1 MiB`);
        }
        this.alignment = align;
        const dataStart = BigInt(Math.ceil(c.pos / align) * align);
        this.checkTensors(infos, dataStart);
      } catch (e) {
        if (e instanceof CursorError) throw new InputError(`${path} is not a readable GGUF file (truncated or corrupt: ${e.message})`);
        throw e;
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private value(c: ByteCursor, type: number, key: string, depth: number): GgufValue {
    switch (type) {
      case 0: return c.u8(key);
      case 1: return c.i8(key);
      case 2: return c.u16(key);
      case 3: return c.i16(key);
      case 4: return c.u32(key);
      case 5: return c.i32(key);
      case 6: return c.f32(key);
      case 7: return c.u8(key) !== 0;
      case 8: return c.string(key);
      case 10: return safeNumber(c.u64(key));
      case 11: return safeNumber(c.i64(key));
      case 12: return c.f64(key);
      case 9: {
        if (depth >= MAX_NESTING) throw new CursorError(`${key} nests arrays more than ${MAX_NESTING} deep`);
        const itemType = c.u32(`the item type of ${key}`);
        if (itemType >= VALUE_BYTES.length) throw new CursorError(`${key} holds items of unknown type ${itemType}`);
        const count = c.u64(`the length of ${key}`);
        if (count * BigInt(VALUE_BYTES[itemType]) > BigInt(c.remaining())) {
          throw new CursorError(`${key} claims ${count} ${TYPE_NAMES[itemType]} items, more than the file holds`);
        }
        const out: GgufValue[] = new Array(Number(count));
        for (let i = 0; i < out.length; i++) out[i] = this.value(c, itemType, key, depth + 1);
        return out;
      }
      default: throw new CursorError(`${key} has unknown value type ${type}`);
    }
  }

  private checkTensors(infos: { name: string; dims: bigint[]; typeId: number; offset: bigint }[], dataStart: bigint): void {
    const size = BigInt(this.size);
    const seen = new Set<string>();
    for (const t of infos) {
      if (seen.has(t.name)) throw new CursorError(`the tensor ${t.name} appears twice`);
      seen.add(t.name);
      const type = GGML_TYPES.get(t.typeId);
      if (!type) throw new CursorError(`tensor ${t.name} has unknown type ${t.typeId}`);
      const elements = t.dims.reduce((p, d) => p * d, 1n);
      if (elements >= 1n << 53n) throw new CursorError(`tensor ${t.name} claims ${elements} values`);
      if (t.dims[0] % BigInt(type.blockValues)) {
        throw new CursorError(`tensor ${t.name} has rows of ${t.dims[0]} values, not a multiple of ${type.name}'s block of ${type.blockValues}`);
      }
      if (t.offset % BigInt(this.alignment)) throw new CursorError(`tensor ${t.name} is not aligned to ${this.alignment} bytes`);
      const nbytes = (elements / BigInt(type.blockValues)) * BigInt(type.blockBytes);
      const end = dataStart + t.offset + nbytes;
      if (end > size) {
        throw new CursorError(`tensor ${t.name} ends at byte ${end.toLocaleString('en-US')} but the file has ` +
          `${size.toLocaleString('en-US')}`);
      }
      this.tensors.push({ name: t.name, dims: t.dims.map(Number), type, offset: Number(dataStart + t.offset), nbytes: Number(nbytes) });
    }
    const spans = [...this.tensors].filter((t) => t.nbytes > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i].offset < spans[i - 1].offset + spans[i - 1].nbytes) {
        throw new CursorError(`tensors ${spans[i - 1].name} and ${spans[i].name} overlap`);
      }
    }
  }

  /** A metadata value, or undefined (gguf_metadata.py field). */
  field(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  read(offset: number, length: number, what: string): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return readAt(this.fd, offset, length, `${this.path}: ${what}`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
