// One .safetensors file (huggingface/safetensors format): an 8-byte little-endian header length N, N bytes of JSON
// (tensor name -> {dtype, shape, data_offsets [begin, end) relative to the byte after the header}, plus an optional
// "__metadata__"), then the raw little-endian tensor bytes. The header is validated against the file size before
// anything is read, so a hostile header (a terabyte, offsets outside the file, overlapping tensors) is one error
// line; rows are read with positioned reads, a row range at a time, never the whole tensor (training/hf/
// safetensors_io.py is the Python twin).

import { closeSync, fstatSync, openSync } from 'node:fs';
import { narrowF64, widenBF16, widenF16, widenF32 } from './floatBits';
import { InputError } from './inputError';
import { asObject } from './jsonFile';
import { pyRepr } from './pyRepr';
import { readAt } from './readAt';

/** The header is JSON describing at most a few thousand tensors; anything bigger is a corrupt or foreign file. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** safetensors dtype -> bytes per value (the dtypes training/hf/safetensors_io.py accepts). */
export const ITEM_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};
const WIDEN: Readonly<Record<string, typeof widenF32>> = { F32: widenF32, F16: widenF16, BF16: widenBF16, F64: narrowF64 };
/** The dtypes rows() reads (widened or narrowed to float32). */
export const FLOAT_DTYPES = Object.keys(WIDEN);

interface Entry { dtype: string; shape: number[]; begin: number; end: number }

export class SafetensorsFile {
  readonly metadata: Record<string, unknown>;
  private readonly entries = new Map<string, Entry>();
  private readonly dataStart: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      if (size < 8) throw new InputError(`${path}: ${size} bytes is too short for a safetensors file`);
      const headerLen = new DataView(readAt(this.fd, 0, 8, path).buffer).getBigUint64(0, true);
      if (headerLen > BigInt(MAX_HEADER_BYTES) || 8n + headerLen > BigInt(size)) {
        throw new InputError(`${path}: header length ${headerLen} does not fit in a ${size}-byte file ` +
          '(not a safetensors file, or truncated)');
      }
      const n = Number(headerLen);
      let header: unknown;
      try {
        header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readAt(this.fd, 8, n, path)));
      } catch (e) {
        throw new InputError(`${path}: header is not valid JSON (${(e as Error).message})`);
      }
      const obj = asObject(header);
      if (!obj) throw new InputError(`${path}: header must be a JSON object`);
      this.metadata = asObject(obj.__metadata__) ?? {};
      this.dataStart = 8 + n;
      const dataLen = size - this.dataStart;
      for (const [name, entry] of Object.entries(obj)) {
        if (name === '__metadata__') continue;
        this.entries.set(name, this.checkEntry(name, entry, dataLen));
      }
      this.checkOverlaps();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private checkEntry(name: string, raw: unknown, dataLen: number): Entry {
    const entry = asObject(raw) ?? {};
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(ITEM_BYTES, dtype)) {
      throw new InputError(`${this.path}: tensor '${name}' has unsupported dtype ${pyRepr(dtype ?? null)}`);
    }
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (!Array.isArray(shape) || !shape.every(isCount) || !Array.isArray(offsets) || offsets.length !== 2 ||
        !offsets.every(isCount)) {
      throw new InputError(`${this.path}: tensor '${name}' has a malformed header entry ${JSON.stringify(raw)}`);
    }
    const [begin, end] = offsets as number[];
    // The product may exceed 2^53 in a hostile header: BigInt keeps the comparison exact.
    const expected = (shape as number[]).reduce((p, d) => p * BigInt(d), 1n) * BigInt(ITEM_BYTES[dtype]);
    if (!(begin <= end && end <= dataLen) || BigInt(end - begin) !== expected) {
      throw new InputError(`${this.path}: tensor '${name}' (${dtype} [${shape.join(', ')}]) claims bytes [${begin}, ` +
        `${end}) but needs ${expected} bytes inside a ${dataLen}-byte data section (truncated or corrupt file)`);
    }
    return { dtype, shape: shape as number[], begin, end };
  }

  /** Two tensors sharing bytes is never written by a safetensors writer: a crafted file, refused. */
  private checkOverlaps(): void {
    const spans = [...this.entries].filter(([, e]) => e.end > e.begin).sort((a, b) => a[1].begin - b[1].begin);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i][1].begin < spans[i - 1][1].end) {
        throw new InputError(`${this.path}: tensors '${spans[i - 1][0]}' and '${spans[i][0]}' overlap in the data ` +
          'section (corrupt or crafted file)');
      }
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  dtype(name: string): string {
    return this.entry(name).dtype;
  }

  shape(name: string): number[] {
    return [...this.entry(name).shape];
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new InputError(`${this.path}: no tensor named '${name}'`);
    return e;
  }

  /** Rows [lo, hi) along the first axis widened to float32 (a 1-D tensor's rows are its values). */
  rows(name: string, lo: number, hi: number): Float32Array {
    const e = this.entry(name);
    const widen = WIDEN[e.dtype];
    if (!widen) throw new InputError(`${this.path}: tensor '${name}' is ${e.dtype}, not a float tensor`);
    const nRows = e.shape.length ? e.shape[0] : 1;
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && 0 <= lo && lo <= hi && hi <= nRows)) {
      throw new RangeError(`${this.path}: rows [${lo}, ${hi}) of '${name}' are outside its ${nRows} rows`);
    }
    const rowItems = e.shape.slice(1).reduce((p, d) => p * d, 1);
    const item = ITEM_BYTES[e.dtype];
    const count = (hi - lo) * rowItems;
    const out = new Float32Array(count);
    if (count === 0) return out;
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const bytes = readAt(this.fd, this.dataStart + e.begin + lo * rowItems * item, count * item, `${this.path}: tensor '${name}'`);
    widen(bytes, 0, out, 0, count);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
