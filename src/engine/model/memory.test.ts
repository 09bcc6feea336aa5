import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateMemory } from './memory';

// The load-time estimate against resident memory measured after load and passes on real-size exports
// (bench/results/real-models.json, written by bench/real_models.py): within 25 % for every format measured.
test('the memory estimate is within 25 % of measured RSS at real sizes', () => {
  const results = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'bench', 'results', 'real-models.json'), 'utf8'));
  let rows = 0;
  for (const [shape, entry] of Object.entries<Record<string, any>>(results)) {
    if (!entry.config) continue;
    const cfg = entry.config;
    for (const [format, row] of Object.entries<any>(entry)) {
      const measured = row?.passes?.rssAfterPassesMb;
      if (!measured || !row.export?.folderMb) continue;
      const est = estimateMemory(row.export.folderMb * 1e6, cfg.vocab_size, 2048, {
        dtype: format.split('-')[0],
        provider: 'cpu',
        hiddenSize: cfg.hidden_size,
        intermediateSize: cfg.intermediate_size,
      }) / 1e6;
      const ratio = est / measured;
      assert.ok(ratio > 0.75 && ratio < 1.25, `${shape} ${format}: estimate ${Math.round(est)} MB, measured ${measured} MB (x${ratio.toFixed(2)})`);
      rows++;
    }
  }
  assert.ok(rows >= 4, `only ${rows} measured rows`);
});
