// Rough memory need of a model before loading it, so a too-large model is refused with a clear message instead
// of swapping the machine to death or being OOM-killed mid-load. Deliberately generous: weights are counted twice
// (ONNX Runtime keeps its own initialised copy next to the file mapping), plus the gathered logits of a full canvas
// and attention scratch for the context length.

import { freemem } from 'node:os';
import { EngineError } from '../types';

export interface MemoryEstimate {
  bytes: number;
  availableBytes: number;
}

export function estimateMemory(weightsBytes: number, vocabSize: number, contextLength: number): number {
  const logits = contextLength * vocabSize * 4;
  const attention = contextLength * contextLength * 4 * 8;
  const runtime = 64 * 1024 * 1024;
  return weightsBytes * 2 + logits + attention + runtime;
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
