import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConvertError } from './errors';
import { DataType } from './onnxProto';
import { ALIGN, WeightsFile } from './weightsFile';

test('tensors are appended page-aligned, chunk by chunk, and described by offset and length', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffucode-wf-'));
  try {
    const w = new WeightsFile(dir);
    const a = w.add('a', [3], DataType.FLOAT, [Float32Array.of(1, 2), Float32Array.of(3)]);
    const b = w.add('b', [2, 2], DataType.UINT8, [Uint8Array.of(9, 8, 7, 6)]);
    w.close();
    assert.deepEqual(a.external, { location: 'model.onnx.data', offset: 0, length: 12 });
    assert.deepEqual(b.external, { location: 'model.onnx.data', offset: ALIGN, length: 4 });
    const bytes = readFileSync(join(dir, 'model.onnx.data'));
    assert.equal(bytes.length, ALIGN + 4);
    assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, 3)], [1, 2, 3]);
    assert.deepEqual([...bytes.subarray(ALIGN)], [9, 8, 7, 6]);
    const bad = new WeightsFile(dir, 'bad.data');
    assert.throws(() => bad.add('c', [4], DataType.FLOAT, [Float32Array.of(1)]), /wrote 4 bytes for shape \[4\] \(16 expected\)/);
    bad.close(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk is one ConvertError line', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, () => {
  const w = new WeightsFile('/dev', 'full'); // writes to /dev/full fail with ENOSPC
  assert.throws(() => w.add('a', [1024], DataType.FLOAT, [new Float32Array(1024)]),
    (e: Error) => e instanceof ConvertError && /the disk is full while writing \/dev\/full/.test(e.message) && !e.message.includes('\n'));
  w.close(false);
});
