// Widening the stored half-precision formats to float32. Both are exact: every f16 and bf16 value is a float32.

let f16Table: Float32Array | undefined;

function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 value of every f16 bit pattern (256 KB, built once: a table beats bit twiddling per value). A NaN keeps
 *  its sign and payload, bit for bit as numpy widens it. */
export function f16ToF32Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    const bits = new Uint32Array(f16Table.buffer);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) bits[h] = (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0;
      else f16Table[h] = f16Value(h);
    }
  }
  return f16Table;
}

/** f16 little-endian values at bytes[offset ...] into out[0 .. count). */
export function widenF16(bytes: Uint8Array, offset: number, out: Float32Array, outOffset: number, count: number): void {
  // Bits, not numbers: a NaN passing through a JS number may lose its payload once the loop is optimised.
  const t = new Uint32Array(f16ToF32Table().buffer);
  const u = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
  const h = halves(bytes, offset, count);
  for (let i = 0; i < count; i++) u[i] = t[h[i]];
}

/** The 16-bit values at bytes[offset ...]: a view when aligned (readAt's buffers are), else a copy. Little-endian
 *  hosts only, as every platform Node ships for. */
function halves(bytes: Uint8Array, offset: number, count: number): Uint16Array {
  const at = bytes.byteOffset + offset;
  if (at % 2 === 0) return new Uint16Array(bytes.buffer, at, count);
  return new Uint16Array(bytes.slice(offset, offset + 2 * count).buffer);
}

/** bf16 is the top half of a float32: shift the bits into place. */
export function widenBF16(bytes: Uint8Array, offset: number, out: Float32Array, outOffset: number, count: number): void {
  const u = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, count);
  const h = halves(bytes, offset, count);
  for (let i = 0; i < count; i++) u[i] = h[i] << 16;
}

/** Little-endian float32 values (copied, so the result is aligned whatever the source offset). */
export function widenF32(bytes: Uint8Array, offset: number, out: Float32Array, outOffset: number, count: number): void {
  new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, count * 4).set(bytes.subarray(offset, offset + count * 4));
}

/** Little-endian float64 narrowed to float32 (F64 checkpoints are rare; numpy's astype rounds the same way). */
export function narrowF64(bytes: Uint8Array, offset: number, out: Float32Array, outOffset: number, count: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat64(offset + i * 8, true);
}
