import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHalfBits } from './half';

test('float32 -> float16 bits round to nearest even, with overflow, subnormals and NaN', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00],
    [1e6, 0x7c00], [Infinity, 0x7c00], [-Infinity, 0xfc00], [2 ** -24, 0x0001], [2 ** -14, 0x0400], [1e-9, 0x0000],
    [1 + 2 ** -11, 0x3c00], // a tie: to the even mantissa
    [1 + 3 * 2 ** -11, 0x3c02], // a tie: up to the even mantissa
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // past the tie
    [2 ** -25 * 1.5, 0x0001], [2 ** -25, 0x0000], // subnormal rounding
  ];
  for (const [v, bits] of cases) assert.equal(toHalfBits(v), bits, `${v}`);
  assert.equal(toHalfBits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toHalfBits(NaN) & 0x3ff, 0);
});
