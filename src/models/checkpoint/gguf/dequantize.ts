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

/** Q4_1: fp16 scale d, fp16 min m, 16 bytes of nibbles laid out as Q4_0's; x = d * q + m. */
function q4_1(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 20, o += 32) {
    const d = half(t, src, b), m = half(t, src, b + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 4 + j];
      out[o + j] = d * (q & 15) + m;
      out[o + j + 16] = d * (q >> 4) + m;
    }
  }
}

/** Fifth bit of value j (0..31) of a Q5_0 / Q5_1 block: bit j of the little-endian uint32 at `at`, as 16. */
const fifth = (src: Uint8Array, at: number, j: number) => ((src[at + (j >> 3)] >> (j & 7)) & 1) << 4;

/** Q5_0: fp16 d, 4 bytes of fifth bits, 16 bytes of nibbles as Q4_0's; x = d * (q - 16). */
function q5_0(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 22, o += 32) {
    const d = half(t, src, b);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 6 + j];
      out[o + j] = d * (((q & 15) | fifth(src, b + 2, j)) - 16);
      out[o + j + 16] = d * (((q >> 4) | fifth(src, b + 2, j + 16)) - 16);
    }
  }
}

/** Q5_1: fp16 d, fp16 min m, 4 bytes of fifth bits, 16 bytes of nibbles; x = d * q + m. */
function q5_1(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 24, o += 32) {
    const d = half(t, src, b), m = half(t, src, b + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 8 + j];
      out[o + j] = d * ((q & 15) | fifth(src, b + 4, j)) + m;
      out[o + j + 16] = d * ((q >> 4) | fifth(src, b + 4, j + 16)) + m;
    }
  }
}

/** IQ4_NL's 16 non-linear levels (ggml's kvalues_iq4nl). */
const IQ4_LEVELS = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** IQ4_NL: fp16 d, 16 bytes of nibbles laid out as Q4_0's, each an index into IQ4_LEVELS; x = d * level. llama.cpp
 *  writes it for the rows of a Q2_K / Q3_K file that are not a multiple of 256 values. */
function iq4_nl(src: Uint8Array, out: Float32Array): void {
  const t = f16ToF32Table();
  for (let b = 0, o = 0; b < src.length; b += 18, o += 32) {
    const d = half(t, src, b);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 2 + j];
      out[o + j] = d * IQ4_LEVELS[q & 15];
      out[o + j + 16] = d * IQ4_LEVELS[q >> 4];
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
    for (let c = 0; c < 4; c++) {
      const d1 = d * sc[2 * c], m1 = dmin * mn[2 * c], d2 = d * sc[2 * c + 1], m2 = dmin * mn[2 * c + 1];
      const q = b + 16 + 32 * c, y = o + 64 * c;
      for (let l = 0; l < 32; l++) {
        const v = src[q + l];
        out[y + l] = d1 * (v & 15) - m1;
        out[y + 32 + l] = d2 * (v >> 4) - m2;
      }
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
    for (let c = 0; c < 4; c++) {
      const d1 = d * sc[2 * c], m1 = dmin * mn[2 * c], d2 = d * sc[2 * c + 1], m2 = dmin * mn[2 * c + 1];
      const q = b + 48 + 32 * c, y = o + 64 * c;
      for (let l = 0; l < 32; l++) {
        const v = src[q + l], hb = src[b + 16 + l] >> (2 * c);
        out[y + l] = d1 * ((v & 15) | ((hb & 1) << 4)) - m1;
        out[y + 32 + l] = d2 * ((v >> 4) | ((hb & 2) << 3)) - m2;
      }
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
    for (let h = 0; h < 2; h++) {
      const ql = b + 64 * h, qh = b + 128 + 32 * h, sc = b + 192 + 8 * h, y = o + 128 * h;
      for (let l = 0; l < 32; l++) {
        const a = src[ql + l], c = src[ql + 32 + l], hb = src[qh + l], s = sc + (l >> 4);
        out[y + l] = d * int8(src[s]) * (((a & 15) | ((hb & 3) << 4)) - 32);
        out[y + 32 + l] = d * int8(src[s + 2]) * (((c & 15) | (((hb >> 2) & 3) << 4)) - 32);
        out[y + 64 + l] = d * int8(src[s + 4]) * (((a >> 4) | (((hb >> 4) & 3) << 4)) - 32);
        out[y + 96 + l] = d * int8(src[s + 6]) * (((c >> 4) | (((hb >> 6) & 3) << 4)) - 32);
      }
    }
  }
}

const plain = (widen: typeof widenF32): Dequantizer => (src, out) => widen(src, 0, out, 0, out.length);

/** The tensor types this reader widens to float32: training/hf/gguf_source.py's SUPPORTED_TYPES, plus Q2_K and Q3_K,
 *  and the 32-value types llama.cpp falls back to in a K-quant file for rows that are not a multiple of 256 values
 *  (a 0.5B model's hidden size 896): Q4_1, Q5_0, Q5_1, IQ4_NL. */
export const DEQUANTIZERS: Readonly<Record<string, Dequantizer>> = {
  F32: plain(widenF32), F16: plain(widenF16), BF16: plain(widenBF16), Q8_0: q8_0, Q4_0: q4_0, Q4_1: q4_1, Q5_0: q5_0,
  Q5_1: q5_1, IQ4_NL: iq4_nl, Q2_K: q2_K, Q3_K: q3_K, Q4_K: q4_K, Q5_K: q5_K, Q6_K: q6_K,
};
