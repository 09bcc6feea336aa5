// y = x W^T + b for a stack of Hugging Face [out, in] matrices concatenated along `out` (q/k/v and gate/up are
// fused into one product each): Gemm with transB for fp32/fp16 (the matrices are copied as stored), MatMulNBits
// for int8/int4.

import { packedChunks, rowChunks } from './chunks';
import type { Graph } from './graph';
import type { WeightSource } from './input';
import { DataType } from './onnxProto';
import { checkShape } from './quantize';
import type { BuildOptions } from './buildOptions';

export class Linear {
  constructor(
    private g: Graph,
    private src: WeightSource,
    private opts: BuildOptions,
    private floatType: number,
    private convert: (rows: Float32Array) => ArrayBufferView,
  ) {}

  /** Bits of a quantized product (undefined: a float one); the head and embedding may use headBits. */
  bitsFor(head: boolean): 4 | 8 | undefined {
    const d = this.opts.dtype;
    if (d !== 'int8' && d !== 'int4') return undefined;
    const own = d === 'int8' ? 8 : 4;
    return head ? (this.opts.headBits ?? own) : own;
  }

  apply(x: string, weights: string[], bias: string[] = [], head = false, label = ''): string {
    const shapes = weights.map((w) => this.src.shape(w));
    const k = shapes[0][1];
    const n = shapes.reduce((a, s) => a + s[0], 0);
    label = label || weights[0];
    let b: string | undefined;
    if (bias.length) b = this.g.external(`${label}.bias`, [n], this.floatType, rowChunks(this.src, bias, this.convert));
    const bits = this.bitsFor(head);
    if (bits === undefined) {
      const w = this.g.external(`${label}.weight`, [n, k], this.floatType, rowChunks(this.src, weights, this.convert));
      return this.g.one('Gemm', [x, w, ...(b ? [b] : [])], '', { transB: 1 });
    }
    const bs = this.opts.blockSize;
    checkShape(k, bs, label);
    const blocks = k / bs;
    const scales: Float32Array[] = [];
    const src = this.src;
    function* codes() {
      for (const p of packedChunks(src, weights, bits!, bs)) {
        scales.push(p.scales);
        yield p.data;
      }
    }
    const q = this.g.external(`${label}.q${bits}`, [n, blocks, (bs * bits) / 8], DataType.UINT8, codes());
    const s = this.g.external(`${label}.scales`, [n * blocks], this.floatType, scales.map((x) => this.convert(x)));
    return this.g.one('MatMulNBits', [x, q, s, ...(b ? ['', '', b] : [])], 'com.microsoft',
      { K: k, N: n, accuracy_level: this.opts.accuracyLevel, bits, block_size: bs });
  }
}
