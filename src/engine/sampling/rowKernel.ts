// The sampler's full-vocabulary loops (max / second max / argmax, the softmax normaliser, the entropy sum, the
// exp buffer and the candidate scan) run in a small WebAssembly SIMD module (native/row_kernel.c): four floats per
// instruction, about 4-6x faster than the same loops in JavaScript, which matters at DiffuCoder's 152k vocabulary.
// The row is copied into the module's memory once (a memcpy) and every pass reads it there.
// Where WebAssembly SIMD is missing, `RowKernel.shared()` returns null and the sampler keeps its JavaScript loops.

import { ROW_KERNEL_WASM_BASE64 } from './rowKernelWasm';

// The project's lib settings have no DOM types, where TypeScript declares WebAssembly: the few members used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  out_ptr(): number;
  row_max(x: number, n: number): void;
  row_argmax(x: number, n: number): void;
  row_sum_exp(x: number, n: number, m: number, invT: number, store: number, wantS: number): void;
  row_sum_exp_bounded(x: number, n: number, m: number, zBound: number): void;
  collect_ge(e: number, n: number, floor: number, idx: number, cap: number): number;
}

export interface RowMax {
  max: number;
  second: number;
  argmax: number;
}

const PAGE = 65536;

export class RowKernel {
  private static instance: RowKernel | null | undefined;
  private readonly x: KernelExports;
  private readonly base: number;
  private cap = 0;
  private rowPtr = 0;
  private ePtr = 0;
  private idxPtr = 0;
  private f32: Float32Array = new Float32Array(0);
  private i32: Int32Array = new Int32Array(0);
  private out = new Float64Array(0);

  private constructor(x: KernelExports) {
    this.x = x;
    this.base = (Number(x.__heap_base.value) + 15) & ~15;
  }

  /** The process-wide kernel, or null where this runtime has no WebAssembly SIMD (the caller falls back to JS). */
  static shared(): RowKernel | null {
    if (RowKernel.instance === undefined) {
      try {
        if (!wasm) throw new Error('no WebAssembly');
        const bytes = Buffer.from(ROW_KERNEL_WASM_BASE64, 'base64');
        const inst = new wasm.Instance(new wasm.Module(bytes), {});
        RowKernel.instance = new RowKernel(inst.exports as unknown as KernelExports);
      } catch {
        RowKernel.instance = null;
      }
    }
    return RowKernel.instance;
  }

  /** Room for a row of n floats, its exp buffer and n candidate indices (so a scan never runs out of room and
   *  never grows the memory while a view of the exp buffer is in use); grows the module memory if needed. */
  private ensure(n: number): void {
    if (n <= this.cap && this.f32.buffer === this.x.memory.buffer) return;
    const cap = Math.max(n, this.cap);
    const need = this.base + 4 * 3 * cap + 64;
    const have = this.x.memory.buffer.byteLength;
    if (need > have) this.x.memory.grow(Math.ceil((need - have) / PAGE));
    this.cap = cap;
    this.rowPtr = this.base;
    this.ePtr = this.rowPtr + 4 * cap;
    this.idxPtr = this.ePtr + 4 * cap;
    // Views die when the memory grows: take fresh ones.
    this.f32 = new Float32Array(this.x.memory.buffer);
    this.i32 = new Int32Array(this.x.memory.buffer);
    this.out = new Float64Array(this.x.memory.buffer, this.x.out_ptr(), 4);
  }

  /** Copies the first n logits of a row into the module; every call below reads that copy. */
  load(row: Float32Array, n: number): void {
    this.ensure(n);
    this.f32.set(row.subarray(0, n), this.rowPtr >> 2);
  }

  /** Max, argmax (first index) and, with `second`, the second max (else -Infinity: a cheaper scan). */
  max(n: number, out: RowMax, second = true): void {
    if (second) this.x.row_max(this.rowPtr, n);
    else this.x.row_argmax(this.rowPtr, n);
    out.max = this.out[0];
    out.second = this.out[1];
    out.argmax = this.out[2];
  }

  /** z = sum exp((x - m)·invT); with wantS also s = sum e·d; with store, e is kept (see `expView`). */
  sumExp(n: number, m: number, invT: number, store: boolean, wantS: boolean): { z: number; s: number } {
    this.x.row_sum_exp(this.rowPtr, n, m, invT, store ? this.ePtr : 0, wantS ? 1 : 0);
    return { z: this.out[0], s: this.out[1] };
  }

  /** The normaliser with T = 1, or any value above zBound once the running sum passes it (the scan stops there). */
  sumExpBounded(n: number, m: number, zBound: number): number {
    this.x.row_sum_exp_bounded(this.rowPtr, n, m, zBound);
    return this.out[0];
  }

  /** The e values the last `sumExp(..., store = true)` wrote (valid until the next call that may grow memory). */
  expView(n: number): Float32Array {
    return this.f32.subarray(this.ePtr >> 2, (this.ePtr >> 2) + n);
  }

  /** Indices i < n with e[i] >= floor, copied into `into` (or a bigger array); returns that array and the count. */
  collect(n: number, floor: number, into: Int32Array): { idx: Int32Array; count: number } {
    const c = this.x.collect_ge(this.ePtr, n, floor, this.idxPtr, n);
    const idx = into.length >= c ? into : new Int32Array(Math.max(c, into.length * 2));
    idx.set(this.i32.subarray(this.idxPtr >> 2, (this.idxPtr >> 2) + c));
    return { idx, count: c };
  }
}
