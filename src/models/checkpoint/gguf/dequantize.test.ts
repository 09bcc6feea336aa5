// The dequantizers against the gguf package's (gguf.quants.dequantize) on random blocks: every byte random,
// including the fp16 scales, which range over all finite values (subnormal to 65504) so that sums of scaled codes
// far apart in magnitude are exercised. Equality is bit for bit.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { py } from '../testing/python';
import { DEQUANTIZERS } from './dequantize';

const tmp = mkdtempSync(join(tmpdir(), 'diffucode-dequant-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const BLOCKS = 512;

test('every dequantizer equals gguf.quants.dequantize on random blocks, bit for bit', () => {
  const types = Object.keys(DEQUANTIZERS);
  py(['-c', `
import sys, numpy as np
from gguf import quants, GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES
out, n = sys.argv[1], int(sys.argv[2])
# where each type keeps its fp16 scales: random finite values there (exponent field not all ones)
F16_AT = {"Q8_0": (0,), "Q4_0": (0,), "Q2_K": (80, 82), "Q3_K": (108,), "Q4_K": (0, 2), "Q5_K": (0, 2), "Q6_K": (208,)}
rng = np.random.default_rng(7)
for name in sys.argv[3:]:
    values, size = GGML_QUANT_SIZES[T[name]]
    blocks = rng.integers(0, 256, (n, size), dtype=np.uint8)
    for off in F16_AT.get(name, ()):
        bits = rng.integers(0, 0x7C00, n, dtype=np.uint16) | (rng.integers(0, 2, n, dtype=np.uint16) << 15)
        blocks[:, off:off + 2] = bits.view(np.uint8).reshape(n, 2)
    if name in ("F32", "F16", "BF16"):
        raw = blocks.reshape(-1).view({"F32": np.float32, "F16": np.float16, "BF16": np.uint16}[name])
        deq = quants.dequantize(blocks.reshape(1, -1), T[name]) if name == "BF16" else raw.astype(np.float32)
    else:
        deq = quants.dequantize(blocks, T[name])
    blocks.tofile(f"{out}/{name}.blocks")
    np.asarray(deq, dtype=np.float32).reshape(-1).tofile(f"{out}/{name}.f32")
`, tmp, String(BLOCKS), ...types]);
  for (const name of types) {
    const blocks = new Uint8Array(readFileSync(join(tmp, `${name}.blocks`)));
    const want = readFileSync(join(tmp, `${name}.f32`));
    const got = new Float32Array(want.length / 4);
    DEQUANTIZERS[name](blocks, got);
    const gotBytes = Buffer.from(got.buffer);
    if (!gotBytes.equals(want)) {
      const w = new Float32Array(new Uint8Array(want).buffer);
      const i = got.findIndex((v, k) => !Object.is(v, w[k]));
      assert.fail(`${name}: value ${i} is ${got[i]}, the gguf package gives ${w[i]}`);
    }
  }
  assert.deepEqual(types.sort(), ['BF16', 'F16', 'F32', 'Q2_K', 'Q3_K', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_0']);
});
