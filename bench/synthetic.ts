// Sampler overhead with DiffuCoder's 152,064-token vocabulary, without a 7B model: time the per-row sampler work
// on random logits of that width (greedy, and DiffuCoder's recommended T=0.2/top-p 0.95), then project it onto the
// rows the real runs scored. Share = projected sampler time / (projected sampler time + the real ONNX time).

import { Prng } from '../src/engine/sampling/prng';
import { RowSampler, type RowSample } from '../src/engine/sampling/row-sampler';

export interface RowCost {
  vocab: number;
  greedyUsPerRow: number;
  nucleusUsPerRow: number;
}

export function measureRowCost(vocab: number, rows = 200): RowCost {
  const rng = new Prng(1);
  const logits = new Float32Array(vocab * 8);
  for (let i = 0; i < logits.length; i++) logits[i] = rng.next() * 12 - 6 + (i % vocab === 17 ? 8 : 0);
  const time = (cfg: ConstructorParameters<typeof RowSampler>[0]) => {
    const s = new RowSampler(cfg, vocab);
    const out: RowSample = { token: 0, prob: 0, confidence: 0 };
    for (let i = 0; i < 20; i++) s.sample(logits.subarray((i % 8) * vocab, (i % 8 + 1) * vocab), rng, out); // warm-up (JIT)
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) s.sample(logits.subarray((i % 8) * vocab, (i % 8 + 1) * vocab), rng, out);
    return ((performance.now() - t0) * 1000) / rows;
  };
  return {
    vocab,
    greedyUsPerRow: time({ temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: vocab }),
    nucleusUsPerRow: time({ temperature: 0.2, topP: 0.95, topK: 0, confidence: 'entropy', sampleable: vocab }),
  };
}

/** Sampler share if every scored row had been `wide` instead of `narrow` wide (greedy rows, as in the bench configs). */
export function projectShare(samplerMs: number, modelMs: number, rowsScored: number, narrow: RowCost, wide: RowCost): number {
  const projected = samplerMs + (rowsScored * (wide.greedyUsPerRow - narrow.greedyUsPerRow)) / 1000;
  return projected / (projected + modelMs);
}
