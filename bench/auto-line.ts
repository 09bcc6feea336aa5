// Where executionProvider "auto" draws its CPU/GPU line (providers.ts AUTO_CPU_BELOW_PARAMS): the CPU time of one
// full pass over the editor's ghost-text canvas (224 + 96 + 24 + 2 tokens, 8 rows gathered) for models between the
// bundled one and 0.5B, in fp32 and int4, through the engine's own OnnxModel. No GPU here: the GPU side of the line
// is argued in docs/platforms.md. Models: bench/auto_line_models.py.
//   .venv/bin/python bench/auto_line_models.py /tmp/line && node --import tsx bench/auto-line.ts /tmp/line

import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../src/engine/model/onnxModel';
import { transformerParams } from '../src/engine/model/providers';
import { SPEED_CANVAS } from '../src/engine/model/speed';

async function main(dir: string): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir).sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b))) {
    const shape = JSON.parse(readFileSync(join(dir, name, 'shape.json'), 'utf8'));
    const io = { inputIds: 'input_ids', positions: 'positions', logits: 'logits' };
    const started = performance.now();
    const model = await OnnxModel.create(join(dir, name, 'model.onnx'), shape.vocab, io, { executionProvider: 'cpu' }, shape);
    const loadMs = performance.now() - started;
    const ids = new Int32Array(SPEED_CANVAS).map((_, i) => 3 + (i % 200));
    const wanted = new Int32Array(8).map((_, i) => 224 + i);
    await model.forward(ids, wanted); // warm-up: first-pass allocations
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await model.forward(ids, wanted);
      times.push(performance.now() - t);
    }
    await model.dispose();
    times.sort((a, b) => a - b);
    const params = transformerParams(shape.config)!;
    const row = { model: name, params, canvasTokens: SPEED_CANVAS, medianPassMs: +times[3].toFixed(1), bestPassMs: +times[0].toFixed(1), loadMs: Math.round(loadMs), load: execSync('cat /proc/loadavg').toString().split(' ')[0] };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const out = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model }, command: 'node --import tsx bench/auto-line.ts /tmp/line', rows };
  writeFileSync(join(__dirname, 'results', 'auto-line.json'), JSON.stringify(out, null, 1) + '\n');
}

void main(process.argv[2] ?? '/tmp/line');
