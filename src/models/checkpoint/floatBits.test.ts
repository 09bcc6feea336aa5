// Every f16 and bf16 bit pattern widens to the float32 numpy gives (NaN payloads included: bytes are compared).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { widenBF16, widenF16 } from './floatBits';
import { py } from './testing/python';

function allPatterns(widen: typeof widenF16): string {
  const bytes = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) { bytes[2 * h] = h & 0xff; bytes[2 * h + 1] = h >> 8; }
  const out = new Float32Array(65536);
  widen(bytes, 0, out, 0, 65536);
  return createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex');
}

test('f16 and bf16 widening equals numpy for all 65,536 bit patterns', () => {
  const [f16, bf16] = py(['-c', `
import hashlib, numpy as np
from training.hf.safetensors_io import bf16_bits_to_f32
bits = np.arange(65536, dtype=np.uint16)
print(hashlib.sha256(bits.view(np.float16).astype(np.float32).tobytes()).hexdigest())
print(hashlib.sha256(bf16_bits_to_f32(bits).tobytes()).hexdigest())`]).trim().split('\n');
  assert.equal(allPatterns(widenF16), f16);
  assert.equal(allPatterns(widenBF16), bf16);
});
