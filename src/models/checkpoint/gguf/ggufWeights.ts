// A GGUF file's tensors under the builder's canonical names, widened to float32 a row range at a time; Q4_0 and
// Q8_0 blocks are also handed over as they are, in MatMulNBits' layout (training/hf/gguf_source.py GGUFSource).

import type { PackedRows, WeightSource } from '../../convert/input';
import { f16ToF32Table } from '../floatBits';
import { InputError } from '../inputError';
import { DEQUANTIZERS } from './dequantize';
import type { GgufFile, GgufTensor } from './ggufFile';

export class GgufWeights implements WeightSource {
  private readonly byName: Map<string, GgufTensor>;

  constructor(private readonly file: GgufFile, private readonly rename: Map<string, string>) {
    this.byName = new Map(file.tensors.map((t) => [t.name, t]));
  }

  private tensor(name: string): GgufTensor {
    const t = this.byName.get(this.rename.get(name) ?? name);
    if (!t) throw new InputError(`${this.file.path}: no tensor ${name}`);
    return t;
  }

  /** GGUF dims are innermost first: a Hugging Face [out, in] matrix is stored as ne = [in, out]. */
  shape(name: string): number[] {
    return [...this.tensor(name).dims].reverse();
  }

  /** Bytes of rows [lo, hi) of a 1-D or 2-D tensor (the only ranks these models hold; openGguf checks every shape):
   *  a row is the innermost dimension, whole blocks. */
  private rowBytes(t: GgufTensor, lo: number, hi: number, name: string): Uint8Array {
    const rows = t.dims.length === 1 ? 1 : t.dims[1];
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && 0 <= lo && lo <= hi && hi <= rows)) {
      throw new RangeError(`${this.file.path}: rows [${lo}, ${hi}) of ${name} are outside its ${rows} rows`);
    }
    const perRow = (t.dims[0] / t.type.blockValues) * t.type.blockBytes;
    return this.file.read(t.offset + lo * perRow, (hi - lo) * perRow, `tensor ${t.name}`);
  }

  rows(name: string, lo: number, hi: number): Float32Array {
    const t = this.tensor(name);
    const dequantize = DEQUANTIZERS[t.type.name];
    if (!dequantize) throw new InputError(`${this.file.path}: tensor ${t.name} is ${t.type.name}, which this reader does not read`);
    if (t.dims.length === 1) {
      // A 1-D tensor's rows are its values: read the whole (small) vector and slice it.
      const all = new Float32Array(t.dims[0]);
      dequantize(this.rowBytes(t, 0, 1, name), all);
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && 0 <= lo && lo <= hi && hi <= all.length)) {
        throw new RangeError(`${this.file.path}: values [${lo}, ${hi}) of ${name} are outside its ${all.length}`);
      }
      return all.slice(lo, hi);
    }
    const out = new Float32Array((hi - lo) * t.dims[0]);
    dequantize(this.rowBytes(t, lo, hi, name), out);
    return out;
  }

  /** Rows [lo, hi) in MatMulNBits' layout without rounding them again: Q4_0 and Q8_0 are symmetric blocks of 32
   *  with one fp16 scale and the zero point 8 / 128 as unsigned codes, so only the nibble order (Q4_0: the block's
   *  first 16 values in the low nibbles, the last 16 in the high ones; MatMulNBits: consecutive pairs, low nibble
   *  first) and the code offset change. Undefined when the tensor is stored otherwise. */
  packed(name: string, lo: number, hi: number, bits: 4 | 8, block: number): PackedRows | undefined {
    const t = this.tensor(name);
    const kind = t.type.name;
    if (block !== 32 || t.dims.length !== 2 || !((kind === 'Q4_0' && bits === 4) || (kind === 'Q8_0' && bits === 8))) return undefined;
    const src = this.rowBytes(t, lo, hi, name);
    const inBytes = kind === 'Q4_0' ? 18 : 34;
    const outBytes = kind === 'Q4_0' ? 16 : 32;
    const nBlocks = src.length / inBytes;
    const data = new Uint8Array(nBlocks * outBytes);
    const scales = new Float32Array(nBlocks);
    const half = f16ToF32Table();
    for (let k = 0; k < nBlocks; k++) {
      const b = k * inBytes, o = k * outBytes;
      scales[k] = half[src[b] | (src[b + 1] << 8)];
      if (kind === 'Q4_0') {
        // codes c[j] = low nibble of byte j (j < 16), high nibble of byte j - 16 (j >= 16); out byte i = c[2i] | c[2i+1] << 4
        for (let i = 0; i < 16; i++) {
          const j0 = 2 * i, j1 = 2 * i + 1;
          const c0 = j0 < 16 ? src[b + 2 + j0] & 15 : src[b + 2 + j0 - 16] >> 4;
          const c1 = j1 < 16 ? src[b + 2 + j1] & 15 : src[b + 2 + j1 - 16] >> 4;
          data[o + i] = c0 | (c1 << 4);
        }
      } else {
        for (let i = 0; i < 32; i++) data[o + i] = (src[b + 2 + i] + 128) & 255; // int8 + 128 as uint8
      }
    }
    return { data, scales };
  }
}
