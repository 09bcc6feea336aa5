import type { WeightDtype } from './input';

export const DTYPES: readonly WeightDtype[] = ['fp32', 'fp16', 'int8', 'int4'];

export interface BuildOptions {
  dtype: WeightDtype;
  /** MatMulNBits values per block (32). */
  blockSize: number;
  /** MatMulNBits accuracy_level: 4 = int8 activations and integer dot products (measured faster here). */
  accuracyLevel: number;
  /** int4 graphs: bits of the vocabulary head and embedding (8: the head decides every token's confidence). */
  headBits?: 4 | 8;
  /** Rotary cache rows: the canvas limit. */
  maxPositions: number;
}

export function defaultBuildOptions(dtype: WeightDtype, maxPositions: number): BuildOptions {
  return { dtype, blockSize: 32, accuracyLevel: 4, headBits: dtype === 'int4' ? 8 : undefined, maxPositions };
}
