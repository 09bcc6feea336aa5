// GGML block formats widened to float32, written from the block layouts (ggml-common.h's block_* structs, GGUF
// spec). Every product below is exact in float64 (fp16 scales times small integers), so the one rounding to float32
// on store gives bit for bit what the gguf package's numpy dequantization gives (dequantize.test.ts checks it).
// K-quants are super-blocks of 256 values in 8 or 16 sub-blocks with their own scales.

import { f16ToF32Table, widenBF16, widenF16, widenF32 } from '../floatBits';

type Dequantizer = (src: Uint8Array, out: Float32Array) => void;

const half = (t: Float32Array, b: Uint8Array, at: number) => t[b[at] | (b[at + 1] << 8)];
const int8 = (v: number) => (v << 24) >> 24;

/** Q8_0: fp16 scale d, 32 int8 codes; x = d * q. */
function q8_0(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 34, o += 32) {
    const d = half(t, src, b);
    for (let j = 0; j < 32; j++) out[o + j] = d * int8(src[b + 2 + j]);
  }
}

/** Q4_0: fp16 scale d, 16 bytes; value j is the low nibble of byte j, value j + 16 its high nibble; x = d * (q - 8). */
function q4_0(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 18, o += 32) {
    const d = half(t, src, b);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 2 + j];
      out[o + j] = d * ((q & 15) - 8);
      out[o + j + 16] = d * ((q >> 4) - 8);
    }
  }
}

/** Q2_K (84 bytes): 16 scale bytes (low nibble: scale, high nibble: min, per 16 values), 64 bytes of 2-bit codes,
 *  fp16 d, fp16 dmin. Value p: code (qs[32 * (p >> 7) + (p & 31)] >> 2 * ((p >> 5) & 3)) & 3. */
function q2_K(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 84, o += 256) {
    const d = half(t, src, b + 80), dmin = half(t, src, b + 82);
    for (let p = 0; p < 256; p++) {
      const sc = src[b + (p >> 4)];
      const q = (src[b + 16 + 32 * (p >> 7) + (p & 31)] >> (2 * ((p >> 5) & 3))) & 3;
      out[o + p] = d * (sc & 15) * q - dmin * (sc >> 4);
    }
  }
}

/** Q3_K (110 bytes): 32 bytes of high bits (hmask), 64 bytes of low 2-bit codes, 12 bytes packing 16 6-bit
 *  scales (minus 32), fp16 d. The code is low - 4 when its hmask bit is clear. */
function q3_K(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  const scales = new Int32Array(16);
  for (let b = 0, o = 0; b < src.length; b += 110, o += 256) {
    const d = half(t, src, b + 108);
    const s = b + 96;
    for (let i = 0; i < 16; i++) {
      const low = i < 8 ? src[s + i] & 15 : src[s + i - 8] >> 4;
      scales[i] = (low | (((src[s + 8 + (i & 3)] >> (2 * (i >> 2))) & 3) << 4)) - 32;
    }
    for (let p = 0; p < 256; p++) {
      const l = p & 31;
      const low = (src[b + 32 + 32 * (p >> 7) + l] >> (2 * ((p >> 5) & 3))) & 3;
      const high = (src[b + l] >> (p >> 5)) & 1;
      out[o + p] = d * scales[p >> 4] * (low - (high ? 0 : 4));
    }
  }
}

/** The 8 6-bit (scale, min) pairs of a Q4_K / Q5_K super-block, packed in 12 bytes at s. */
function scaleMin(src: Uint8Array, s: number, sc: Int32Array, mn: Int32Array): void {
  for (let j = 0; j < 4; j++) {
    sc[j] = src[s + j] & 63;
    mn[j] = src[s + 4 + j] & 63;
    sc[j + 4] = (src[s + 8 + j] & 15) | ((src[s + j] >> 6) << 4);
    mn[j + 4] = (src[s + 8 + j] >> 4) | ((src[s + 4 + j] >> 6) << 4);
  }
}

/** Q4_K (144 bytes): fp16 d, fp16 dmin, 12 scale bytes, 128 bytes of nibbles; sub-block j (32 values) uses
 *  d * sc[j] and dmin * min[j]; chunk c of 64 values takes the low then the high nibbles of bytes 32c .. 32c + 31. */
function q4_K(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  const sc = new Int32Array(8), mn = new Int32Array(8);
  for (let b = 0, o = 0; b < src.length; b += 144, o += 256) {
    const d = half(t, src, b), dmin = half(t, src, b + 2);
    scaleMin(src, b + 4, sc, mn);
    for (let p = 0; p < 256; p++) {
      const j = p >> 5;
      const q = (src[b + 16 + 32 * (p >> 6) + (p & 31)] >> (4 * (j & 1))) & 15;
      out[o + p] = d * sc[j] * q - dmin * mn[j];
    }
  }
}

/** Q5_K (176 bytes): Q4_K plus 32 bytes of fifth bits (qh, bit j of byte l for value 32j + l) before the nibbles. */
function q5_K(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  const sc = new Int32Array(8), mn = new Int32Array(8);
  for (let b = 0, o = 0; b < src.length; b += 176, o += 256) {
    const d = half(t, src, b), dmin = half(t, src, b + 2);
    scaleMin(src, b + 4, sc, mn);
    for (let p = 0; p < 256; p++) {
      const j = p >> 5, l = p & 31;
      const q = ((src[b + 48 + 32 * (p >> 6) + l] >> (4 * (j & 1))) & 15) | (((src[b + 16 + l] >> j) & 1) << 4);
      out[o + p] = d * sc[j] * q - dmin * mn[j];
    }
  }
}

/** Q6_K (210 bytes): 128 bytes of low nibbles (ql), 64 bytes of 2-bit highs (qh), 16 int8 scales, fp16 d.
 *  Value p in half h = p >> 7: low nibble of ql[64h + (p & 63)] shifted by 4 * ((p >> 6) & 1), high bits
 *  (qh[32h + (p & 31)] >> 2 * ((p >> 5) & 3)) & 3; x = d * scale[p >> 4] * (q - 32). */
function q6_K(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 210, o += 256) {
    const d = half(t, src, b + 208);
    for (let p = 0; p < 256; p++) {
      const h = p >> 7;
      const low = (src[b + 64 * h + (p & 63)] >> (4 * ((p >> 6) & 1))) & 15;
      const high = (src[b + 128 + 32 * h + (p & 31)] >> (2 * ((p >> 5) & 3))) & 3;
      out[o + p] = d * int8(src[b + 192 + (p >> 4)]) * ((low | (high << 4)) - 32);
    }
  }
}

const plain = (widen: typeof widenF32): Dequantizer => (src, out) => widen(src, 0, out, 0, out.length);

/** The tensor types this reader widens to float32 (training/hf/gguf_source.py's SUPPORTED_TYPES plus Q2_K, Q3_K). */
export const DEQUANTIZERS: Readonly<Record<string, Dequantizer>> = {
  F32: plain(widenF32), F16: plain(widenF16), BF16: plain(widenBF16), Q8_0: q8_0, Q4_0: q4_0,
  Q2_K: q2_K, Q3_K: q3_K, Q4_K: q4_K, Q5_K: q5_K, Q6_K: q6_K,
};
