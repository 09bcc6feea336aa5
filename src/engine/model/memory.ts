// The memory a model needs once loaded, estimated before loading it, so a too-large model is refused with a clear
// message instead of swapping the machine to death or being OOM-killed mid-load. Calibrated on measured resident
// memory after load and passes (bench/results/real-models.json; the unit test checks the estimate against those
// rows, within 25 %):
// - ONNX Runtime reads external weights into its own buffers and prepacks the products' matrices: about 1.25x the
//   file for fp32 Gemm weights, 1.1x for MatMulNBits (int4/int8) ones; an fp16 file on the CPU is widened to fp32
//   at load, so about 1.95x;
// - the head's rows: logits and their reductions for up to 64 gathered rows of the vocabulary;
// - the canvas's activations (a 512-token canvas: hidden and MLP widths, when the manifest gives them);
// - the runtime itself (Node, ONNX Runtime's libraries, the tokenizer).

import { freemem } from 'node:os';
import { EngineError } from '../types';

export interface MemoryEstimate {
  bytes: number;
  availableBytes: number;
}

export interface ModelShape {
  /** manifest weights.dtype; graph v1 folders are fp32 */
  dtype?: string;
  provider?: string;
  hiddenSize?: number;
  intermediateSize?: number;
}

const MB = 1024 * 1024;

export function weightFactor(dtype = 'fp32', provider = 'cpu'): number {
  if (dtype === 'int4' || dtype === 'int8') return 1.1;
  if (dtype === 'fp16' && provider === 'cpu') return 1.95;
  return 1.25;
}

export function estimateMemory(weightsBytes: number, vocabSize: number, contextLength: number, shape: ModelShape = {}): number {
  const head = 64 * vocabSize * 4 * 4;
  const canvas = Math.min(contextLength, 512);
  const activations = shape.hiddenSize ? canvas * (shape.hiddenSize * 16 + (shape.intermediateSize ?? 0) * 4) * 4 : 0;
  const runtime = 150 * MB;
  return weightsBytes * weightFactor(shape.dtype, shape.provider) + head + activations + runtime;
}

export function availableMemory(): number {
  // os.freemem() reads MemAvailable on Linux; a cgroup limit (containers) can be tighter.
  let avail = freemem();
  const constrained = (process as unknown as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained && constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) avail = Math.min(avail, constrained - process.memoryUsage().rss);
  return avail;
}

export function checkMemory(need: number, available = availableMemory()): MemoryEstimate {
  if (need > available) {
    const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
    throw new EngineError(
      `the model needs about ${mb(need)} of memory but only ${mb(available)} is available; close other programs or choose a smaller model`,
      'OUT_OF_MEMORY',
    );
  }
  return { bytes: need, availableBytes: available };
}
