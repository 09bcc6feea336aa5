// A WeightSource over named in-memory float32 arrays: tests, and small checkpoints built in memory.

import type { WeightSource } from './input';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export class ArraySource implements WeightSource {
  constructor(readonly arrays: Record<string, NamedArray>) {}

  private get(name: string): NamedArray {
    const a = this.arrays[name];
    if (!a) throw new Error(`no tensor ${name}`);
    return a;
  }

  shape(name: string): number[] {
    return [...this.get(name).shape];
  }

  rows(name: string, lo: number, hi: number): Float32Array {
    const a = this.get(name);
    const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
    return a.data.slice(lo * per, hi * per);
  }
}
