// The 152k-vocabulary overhead target measured on a real ONNX model: the embedded model's shape (hidden 256, 4
// layers, 4/2 heads) with DiffuCoder's 152,064-row vocabulary and random weights, exported by the project's own
// DiffuCoder path (training/hf, graph v2 in fp32, with its in-graph confidence head), run by ONNX Runtime in this
// process through the real engine. Request time then includes the 152k-wide vocabulary projection that such a
// model really pays, so the sampler's share is measured, not projected. The model is built once (about 20 s,
// 324 MB) into bench/.cache/, which git ignores.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InfillEngine } from '../src/engine/engine';
import { loadEngineParts } from '../src/engine/model/load';
import { CharTokenizer } from '../src/engine/testing/fakeModel';
import type { BenchConfig } from './configs';
import { runSingleLineTasks } from './synthetic';
import type { BenchTask } from './tasks';

const SHAPE = {
  vocab_size: 152_064,
  hidden_size: 256,
  intermediate_size: 704,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 1024,
};

export interface SyntheticShare {
  name: string;
  /** sampler ms / (sampler + ONNX ms), the same ratio as the 10 % target's. */
  share: number;
  samplerMsPerForward: number;
  modelMsPerForward: number;
  rowsPerForward: number;
}

/** The model folder, built on first use; or a reason why it cannot be built here (no Python with torch). */
export function syntheticModel(root: string): { dir: string } | { error: string } {
  const base = join(root, 'bench', '.cache', `synthetic-152k-h${SHAPE.hidden_size}-l${SHAPE.num_hidden_layers}`);
  const dir = join(base, 'model');
  // graph v2 (one graph for the dual cache, the in-graph confidence head); an older cache had window.onnx
  if (existsSync(join(dir, 'manifest.json')) && !existsSync(join(dir, 'window.onnx'))) return { dir };
  const python = process.env.DIFFUCODE_PYTHON ?? join(root, '.venv', 'bin', 'python');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const sets = Object.entries(SHAPE).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  // The checkpoint from the project's Python environment, the graph from the product's own converter.
  for (const [cmd, args] of [
    [python, ['-m', 'training.hf.make_tiny_checkpoint', join(base, 'checkpoint'), '--dtype', 'F32', ...sets]],
    [process.execPath, [join(root, 'dist', 'cli.js'), 'convert', join(base, 'checkpoint'), dir, '--dtype', 'fp32', '--quiet']],
  ] as const) {
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) {
      rmSync(base, { recursive: true, force: true });
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-2).join(' ');
      return { error: `could not build the synthetic 152k model with ${cmd === python ? python : 'dist/cli.js convert'} (${why}); needs the project's Python environment (.venv, training/requirements.txt) and npm run build` };
    }
  }
  rmSync(join(base, 'checkpoint'), { recursive: true, force: true }); // the safetensors copy is not needed again
  return { dir };
}

/**
 * Every config over the given single-line tasks on the synthetic model. The tokenizer is a character tokenizer as
 * wide as DiffuCoder's (151,665 ids), so the sampler scans every row as far as it would for DiffuCoder.
 */
export async function samplerShareOnSyntheticModel(
  dir: string,
  tasks: BenchTask[],
  configs: BenchConfig[],
  budget: { prefixTokens: number; suffixTokens: number },
): Promise<SyntheticShare[]> {
  const parts = await loadEngineParts(dir);
  const engine = InfillEngine.fromParts({
    ...parts,
    tokenizer: new CharTokenizer(151_665),
    tokens: { bos: 2, eos: 0, pad: 0, mask: 1, expand: null, stop: [0] },
    info: { ...parts.info, sampler: {} },
  });
  try {
    const out: SyntheticShare[] = [];
    // Warm-up: ONNX Runtime's first runs allocate; the first window pass opens the window session.
    for (const sampler of [{}, { cache: 'dual' as const }]) await engine.infill({ pieces: [tasks[0].prefix, tasks[0].suffix], gaps: [{ maxTokens: 8 }], sampler, budget });
    for (const cfg of configs) {
      const t = await runSingleLineTasks(engine, tasks, cfg, budget);
      out.push({
        name: cfg.name,
        share: t.samplerMs / Math.max(1e-9, t.samplerMs + t.modelMs),
        samplerMsPerForward: t.samplerMs / Math.max(1, t.passes),
        modelMsPerForward: t.modelMs / Math.max(1, t.passes),
        rowsPerForward: t.rows / Math.max(1, t.passes),
      });
    }
    return out;
  } finally {
    await engine.dispose();
  }
}
