// Block-wise symmetric weight quantization in the layout of ONNX Runtime's MatMulNBits (com.microsoft), the same
// arithmetic as ONNX Runtime's own quantizer (matmul_nbits_quantizer, symmetric): each block of `block` values
// along K gets one scale, the value of largest magnitude (sign kept) divided by -2^(bits-1), so that value maps
// exactly onto the code -2^(bits-1); codes are stored offset by 2^(bits-1) (the operator's default zero point).
//
//   B      uint8 [N, K/block, block*bits/8]   (4 bits: two codes a byte, the first in the low nibble)
//   scales float [N, K/block]
//
// A Hugging Face [out, in] matrix is already MatMulNBits' row order. The same bytes serve GatherBlockQuantized for
// a quantized embedding. Every step is rounded to float32 as the reference does, so the codes are bit-identical.

import type { PackedRows } from './input';
import { ConvertError } from './errors';

export function checkShape(k: number, block: number, what = 'weight'): void {
  if (block < 16 || (block & (block - 1)) !== 0) throw new ConvertError(`block size ${block} must be a power of two >= 16 (MatMulNBits)`);
  if (k % block !== 0) {
    const fits = [256, 128, 64, 32, 16].filter((b) => k % b === 0);
    const hint = fits.length
      ? `choose a --block-size that divides it (e.g. ${fits.includes(32) ? 32 : fits[fits.length - 1]})`
      : 'no MatMulNBits block size divides it: convert with --dtype fp16 or fp32';
    throw new ConvertError(`${what}: its input size ${k} is not a multiple of the block size ${block}; ${hint}`);
  }
}

const f = Math.fround;

/** w float32 [n, k] row-major -> packed codes and float32 scales. */
export function quantizeRows(w: Float32Array, n: number, k: number, bits: 4 | 8, block: number): PackedRows {
  const blocks = k / block;
  const bytesPerBlock = (block * bits) / 8;
  const data = new Uint8Array(n * blocks * bytesPerBlock);
  const scales = new Float32Array(n * blocks);
  if (bits === 4) quantize4(w, n * blocks, block, data, scales);
  else quantize8(w, n * blocks, block, data, scales);
  return { data, scales };
}

/** The block's scale: its value of largest magnitude (ties: the positive one, as the reference) over -half. */
function blockScale(w: Float32Array, at: number, block: number, half: number): number {
  let hi = w[at];
  let lo = hi;
  for (let j = 1; j < block; j++) {
    const v = w[at + j];
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  return f((Math.abs(lo) > Math.abs(hi) ? lo : hi) / -half);
}

/** Round half away from zero (std::roundf), each step in float32 like the reference's x + copysign(0.5, x); |x|
 *  is at most half + 1 here, so `| 0` truncates exactly. Clamped to the signed range, offset by half. */
function code(v: number, inv: number, half: number): number {
  const x = f(v * inv);
  let q = x < 0 ? f(x - 0.5) | 0 : f(x + 0.5) | 0;
  if (q < -half) q = -half;
  else if (q > half - 1) q = half - 1;
  return q + half;
}

function quantize4(w: Float32Array, count: number, block: number, data: Uint8Array, scales: Float32Array): void {
  for (let b = 0; b < count; b++) {
    const at = b * block;
    const scale = blockScale(w, at, block, 8);
    scales[b] = scale;
    const inv = scale !== 0 ? f(1 / scale) : 0;
    const out = (b * block) >> 1;
    for (let j = 0; j < block; j += 2) data[out + (j >> 1)] = code(w[at + j], inv, 8) | (code(w[at + j + 1], inv, 8) << 4);
  }
}

function quantize8(w: Float32Array, count: number, block: number, data: Uint8Array, scales: Float32Array): void {
  for (let b = 0; b < count; b++) {
    const at = b * block;
    const scale = blockScale(w, at, block, 128);
    scales[b] = scale;
    const inv = scale !== 0 ? f(1 / scale) : 0;
    for (let j = 0; j < block; j++) data[at + j] = code(w[at + j], inv, 128);
  }
}

/** The float weights MatMulNBits computes with, [n, k] (tests). */
export function dequantizeRows(p: PackedRows, n: number, k: number, bits: 4 | 8, block: number): Float32Array {
  const half = 1 << (bits - 1);
  const out = new Float32Array(n * k);
  const bytesPerBlock = (block * bits) / 8;
  for (let b = 0; b < (n * k) / block; b++) {
    for (let j = 0; j < block; j++) {
      const byte = p.data[b * bytesPerBlock + (bits === 8 ? j : j >> 1)];
      const code = bits === 8 ? byte : j & 1 ? byte >> 4 : byte & 0x0f;
      out[b * block + j] = f((code - half) * p.scales[b]);
    }
  }
  return out;
}
