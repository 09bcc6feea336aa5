// What one ghost-text window pass costs by its width and rows (issue 23): the dual cache is filled by a full pass over
// a 346-token canvas (the editor's default budget), then windows of W positions asking R rows through the confidence
// head are timed (median of 7, alternating positions). Ghost text's passes after a keystroke are 8-12 positions wide.
//
//   node --import tsx bench/window-cost.ts MODEL_DIR [--out FILE]

import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { loadEngineParts } from '../src/engine/model/load';

const SHAPES: [number, number][] = [[1, 1], [4, 4], [8, 4], [8, 8], [12, 8], [28, 24]];

async function main(argv: string[]): Promise<void> {
  const dir = argv[0];
  if (!dir) throw new Error('usage: bench/window-cost.ts MODEL_DIR [--out FILE]');
  const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
  const load0 = loadavg();
  const p = await loadEngineParts(dir, {});
  if (!p.model.openWindow) throw new Error('this model has no dual cache');
  const n = 346;
  const ids = new Int32Array(n).map((_, i) => 100 + i);
  ids[0] = p.tokens.bos;
  const gapStart = n - 96 - 24;
  ids.fill(p.tokens.mask, gapStart, gapStart + 24);
  const win = await p.model.openWindow();
  // The request's head: greedy top 2 with ~300 banned ids past a real tokenizer's end.
  const head = (rows: number) => ({ k: 2, scale: 1, biasIds: Int32Array.from({ length: 300 }, (_, i) => p.model.vocabSize - 300 + i), bias: new Float32Array(rows * 300) });
  await win.prefill(ids, Int32Array.from({ length: 8 }, (_, i) => gapStart - 1 + i), head(8));
  const ms: Record<string, number> = {};
  for (const [w, r] of SHAPES) {
    const times: number[] = [];
    for (let k = 0; k < 7; k++) {
      const lo = gapStart - 1 + (k % 2);
      const rows = Int32Array.from({ length: r }, (_, i) => lo + i);
      const t = performance.now();
      await win.step(ids, lo, lo + w, rows, head(r));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    ms[`${w} positions, ${r} rows`] = +times[3].toFixed(1);
  }
  const json = { model: dir, canvasTokens: n, medianMs: ms, load: [...load0.map((x) => +x.toFixed(2)), +loadavg()[0].toFixed(2)], cores: cpus().length, date: new Date().toISOString() };
  process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  if (out) writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
  await p.model.dispose?.();
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  },
);
