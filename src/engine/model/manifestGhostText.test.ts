// The manifest's ghost-text gate (ghostText.minConfidence): read into ModelInfo's defaults, refused when out of range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from './manifest';
import { EngineError } from '../types';

function folderWith(ghostText: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dc-gate-'));
  for (const f of ['model.onnx', 'tokenizer.json']) writeFileSync(join(dir, f), 'x');
  const manifest = {
    contract: 'diffucode-model/1', name: 't', graph: 'model.onnx', tokenizer: 'tokenizer.json', vocabSize: 300, contextLength: 64,
    shiftedLogits: true, tokens: { bos: 2, eos: 0, pad: 0, mask: 1, expand: null, stop: [0] }, io: { inputIds: 'input_ids', positions: 'positions', logits: 'logits' },
    ...(ghostText === undefined ? {} : { ghostText }),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

test('a gate in [0, 1] is read; none is fine', () => {
  for (const [g, want] of [[{ minConfidence: 0.7 }, 0.7], [undefined, undefined], [{}, undefined]] as const) {
    const dir = folderWith(g);
    try {
      assert.equal(readManifest(dir).manifest.ghostText?.minConfidence, want);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test('a gate outside [0, 1] or not a number is a clear manifest error', () => {
  for (const g of [{ minConfidence: 1.5 }, { minConfidence: '0.7' }, 'high']) {
    const dir = folderWith(g);
    try {
      assert.throws(() => readManifest(dir), (e: unknown) => e instanceof EngineError && /ghostText/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test('the bundled model carries its calibrated gate', () => {
  const m = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'models', 'diffucode-tiny', 'manifest.json'), 'utf8'));
  assert.equal(typeof m.ghostText.minConfidence, 'number');
});
