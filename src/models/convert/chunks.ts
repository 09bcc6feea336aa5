// Weight chunks as the builder streams them into the weights file: float rows converted to the stored type, or
// MatMulNBits blocks (read packed from the source when it holds them so, else quantized here), about CHUNK_BYTES of
// float32 at a time, which bounds the converter's memory.

import type { PackedRows, WeightSource } from './input';
import { quantizeRows } from './quantize';

export const CHUNK_BYTES = 64 * 1024 * 1024;

function perRow(shape: number[]): number {
  return shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
}

/** Rows of the tensors `names`, one after the other (a concatenation along the output axis), converted. */
export function* rowChunks(src: WeightSource, names: string[], convert: (rows: Float32Array) => ArrayBufferView): Generator<ArrayBufferView> {
  for (const name of names) {
    const shape = src.shape(name);
    const step = Math.max(1, Math.floor(CHUNK_BYTES / (4 * perRow(shape))));
    for (let lo = 0; lo < shape[0]; lo += step) yield convert(src.rows(name, lo, Math.min(shape[0], lo + step)));
  }
}

/** MatMulNBits blocks of the tensors `names`: straight from a source that holds them so (a GGUF's Q4_0 / Q8_0
 *  blocks: no second rounding), else quantized here from float rows. */
export function* packedChunks(src: WeightSource, names: string[], bits: 4 | 8, block: number): Generator<PackedRows> {
  for (const name of names) {
    const shape = src.shape(name);
    const k = perRow(shape);
    const step = Math.max(1, Math.floor(CHUNK_BYTES / (4 * k)));
    const direct = src.packed?.(name, 0, 1, bits, block) !== undefined;
    for (let lo = 0; lo < shape[0]; lo += step) {
      const hi = Math.min(shape[0], lo + step);
      if (direct) {
        const p = src.packed!(name, lo, hi, bits, block);
        if (!p) throw new Error(`internal error: ${name} rows ${lo}..${hi} are not packed like row 0`);
        yield p;
      } else {
        yield quantizeRows(src.rows(name, lo, hi), hi - lo, k, bits, block);
      }
    }
  }
}
