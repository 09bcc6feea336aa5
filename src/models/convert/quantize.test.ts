// The quantizer's rules on hand-made blocks (training/tests/test_graph_builder.py checks its bytes against ONNX
// Runtime's own quantizer on random matrices).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkShape, dequantizeRows, quantizeRows } from './quantize';

test('the extreme value maps onto the lowest code; ties round away from zero; int4 packs low nibble first', () => {
  const w = new Float32Array(32);
  w[0] = -8; // the block's extreme (negative): scale 1, code 0
  w[1] = 2.5; // 2.5 -> 3 (away from zero), code 11
  w[2] = -2.5; // -> -3, code 5
  w[3] = 7.4; // -> 7, code 15
  const p = quantizeRows(w, 1, 32, 4, 32);
  assert.deepEqual([...p.scales], [1]);
  assert.equal(p.data.length, 16);
  assert.equal(p.data[0], 0 | (11 << 4));
  assert.equal(p.data[1], 5 | (15 << 4));
  assert.equal(p.data[2], 8 | (8 << 4)); // zeros sit at the offset 8
  const back = dequantizeRows(p, 1, 32, 4, 32);
  assert.deepEqual([...back.slice(0, 4)], [-8, 3, -3, 7]);
});

test('int8: a positive extreme gives a negative scale; an all-zero block gives scale 0 and the zero code', () => {
  const w = new Float32Array(64);
  w[5] = 2.54;
  const p = quantizeRows(w, 1, 64, 8, 32);
  assert.equal(p.scales[0], Math.fround(2.54 / -128));
  assert.equal(p.data[5], 0); // -128 + 128
  assert.equal(p.scales[1], -0);
  assert.ok(p.data.subarray(32).every((c) => c === 128));
  const back = dequantizeRows(p, 1, 64, 8, 32);
  assert.ok(Math.abs(back[5] - 2.54) < 1e-6);
});

test('block sizes are checked with an actionable line', () => {
  assert.throws(() => checkShape(64, 48), /block size 48 must be a power of two >= 16/);
  assert.throws(() => checkShape(200, 32, 'intermediate_size'), /no MatMulNBits block size divides it: convert with --dtype fp16 or fp32/);
  assert.throws(() => checkShape(208, 32), /choose a --block-size that divides it \(e\.g\. 16\)/);
  checkShape(4864, 32);
});
