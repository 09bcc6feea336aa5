// Sampler cost at DiffuCoder's 152,064-token vocabulary without a 152k model, two reference estimates printed next
// to the target's own measurement (synthetic-model.ts, a real ONNX model with a 152k vocabulary):
// 1. samplerPerForward152k: the engine on a fake model returning random logits that wide; share = sampler ms per
//    pass / (that + the embedded model's ONNX ms per pass, which has no 152k projection: an upper bound).
// 2. projectShare (more pessimistic still): the full-row greedy cost at 152k (no early stop) projected onto every row
//    the real runs scored. Random logits are flat, which lets threshold decoding stop rows early in (1); (2) does not.

import { InfillEngine } from '../src/engine/engine';
import { Prng } from '../src/engine/sampling/prng';
import { RowKernel } from '../src/engine/sampling/rowKernel';
import { RowSampler, type RowSample } from '../src/engine/sampling/rowSampler';
import { CharTokenizer, RandomLogitsModel } from '../src/engine/testing/fakeModel';
import type { SamplerOptions } from '../src/engine/types';
import type { BenchConfig } from './configs';
import type { BenchTask } from './tasks';

export interface RowCost {
  vocab: number;
  /** With the WebAssembly SIMD kernel (what the engine uses where it loads). */
  greedyUsPerRow: number;
  nucleusUsPerRow: number;
  /** The same rows through the JavaScript loops, timed in the same run, for the kernel's speed-up. */
  jsGreedyUsPerRow: number;
  kernel: boolean;
}

export function measureRowCost(vocab: number, rows = 200): RowCost {
  const rng = new Prng(1);
  const logits = new Float32Array(vocab * 8);
  for (let i = 0; i < logits.length; i++) logits[i] = rng.next() * 12 - 6 + (i % vocab === 17 ? 8 : 0);
  const time = (cfg: ConstructorParameters<typeof RowSampler>[0], js = false) => {
    const s = new RowSampler(cfg, vocab, js ? { kernel: null } : {});
    const out: RowSample = { token: 0, prob: 0, confidence: 0 };
    for (let i = 0; i < 20; i++) s.sample(logits.subarray((i % 8) * vocab, (i % 8 + 1) * vocab), rng, out); // warm-up (JIT)
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) s.sample(logits.subarray((i % 8) * vocab, (i % 8 + 1) * vocab), rng, out);
    return ((performance.now() - t0) * 1000) / rows;
  };
  const greedy = { temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: vocab } as const;
  return {
    vocab,
    greedyUsPerRow: time(greedy),
    nucleusUsPerRow: time({ temperature: 0.2, topP: 0.95, topK: 0, confidence: 'entropy', sampleable: vocab }),
    jsGreedyUsPerRow: time(greedy, true),
    kernel: RowKernel.shared() !== null,
  };
}

/** Sampler share if every scored row had been `wide` instead of `narrow` wide (greedy rows, as in the bench configs). */
export function projectShare(samplerMs: number, modelMs: number, rowsScored: number, narrow: RowCost, wide: RowCost): number {
  const projected = samplerMs + (rowsScored * (wide.greedyUsPerRow - narrow.greedyUsPerRow)) / 1000;
  return projected / (projected + modelMs);
}

/**
 * The engine runs the single-line tasks against a fake model that
 * returns random logits 152,064 wide (DiffuCoder's vocabulary), and only the sampler's time is kept. Result per
 * config: sampler milliseconds per forward pass, to set against the real model's milliseconds per pass.
 */
export async function samplerPerForward152k(
  tasks: BenchTask[],
  configs: BenchConfig[],
  budget: { prefixTokens: number; suffixTokens: number },
): Promise<{ name: string; samplerMsPerForward: number; rowsPerForward: number }[]> {
  const V = 152_064;
  const engine = InfillEngine.fromParts({
    model: new RandomLogitsModel(V),
    tokenizer: new CharTokenizer(151_665),
    tokens: { bos: 2, eos: 0, pad: 0, mask: 1, expand: null, stop: [0] },
    info: { name: 'synthetic-152k', vocabSize: V, contextLength: 1024, shiftedLogits: true, provider: 'fake', modelDir: '(memory)', sampler: {} },
  });
  const out = [];
  for (const cfg of configs) {
    // the fake has no cache; the sampler's work is the same
    const t = await runSingleLineTasks(engine, tasks, cfg, budget, { cache: 'none' });
    out.push({ name: cfg.name, samplerMsPerForward: t.samplerMs / Math.max(1, t.passes), rowsPerForward: t.rows / Math.max(1, t.passes) });
  }
  return out;
}

/** Every task as a single-line gap under one config, in this process; the engine's summed time and work. */
export async function runSingleLineTasks(
  engine: InfillEngine,
  tasks: BenchTask[],
  cfg: BenchConfig,
  budget: { prefixTokens: number; suffixTokens: number },
  override: Partial<SamplerOptions> = {},
): Promise<{ samplerMs: number; modelMs: number; passes: number; rows: number }> {
  const sum = { samplerMs: 0, modelMs: 0, passes: 0, rows: 0 };
  for (const t of tasks) {
    const r = await engine.infill({ pieces: [t.prefix, t.suffix], gaps: [{ maxTokens: t.maxTokens, singleLine: true }], sampler: { ...cfg.sampler(t.maxTokens), ...override }, budget });
    sum.samplerMs += r.stats.samplerMs;
    sum.modelMs += r.stats.modelMs;
    sum.passes += r.stats.forwardPasses;
    sum.rows += r.stats.rowsScored ?? 0;
  }
  return sum;
}
