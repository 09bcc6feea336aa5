import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from './prng';
import { RowKernel } from './rowKernel';
import { RowSampler, type RowSample, type RowSamplerConfig } from './rowSampler';

// The SIMD kernel must make exactly the sampler's decisions: same token, and probability / confidence equal to
// the JavaScript loops' within float rounding, for every configuration and for awkward rows.

const kernel = RowKernel.shared();

test('the WebAssembly SIMD kernel loads on this Node', () => {
  assert.ok(kernel, 'RowKernel.shared() returned null: WebAssembly SIMD is unavailable');
});

function rows(): { name: string; row: Float32Array }[] {
  const rng = new Prng(7);
  const mk = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  return [
    { name: 'peaked 152k', row: mk(152_064, (i) => rng.next() * 10 - 20 + (i === 99_001 ? 25 : 0)) },
    { name: 'flat 152k', row: mk(152_064, () => rng.next() * 8) },
    { name: 'odd length 8195 with a tail max', row: mk(8195, (i) => (i === 8194 ? 9 : rng.next() * 4)) },
    { name: 'tie between lanes', row: mk(4099, (i) => (i === 6 || i === 4001 ? 5 : i % 7 === 0 ? -Infinity : rng.next())) },
    { name: 'NaN and -inf entries', row: mk(5003, (i) => (i % 11 === 0 ? NaN : i % 13 === 0 ? -Infinity : rng.next() * 6 - 3)) },
    { name: 'tiny', row: Float32Array.from([0.5, 3, 2.999, -1, 0]) },
    { name: 'all -inf', row: mk(64, () => -Infinity) },
  ];
}

const CONFIGS: Partial<RowSamplerConfig>[] = [
  { confidence: 'probability' },
  { confidence: 'margin' },
  { confidence: 'entropy' },
  { temperature: 0.7, confidence: 'probability' },
  { temperature: 0.2, topP: 0.95, confidence: 'entropy' },
  { temperature: 0, topP: 0.9, confidence: 'margin' },
  { temperature: 1, topK: 20, confidence: 'probability' },
  { temperature: 0.5, topP: 0.8, topK: 50, confidence: 'entropy' },
];

// Relative 2e-5, or 1e-5 absolute: the JavaScript fast exp is accurate to 1e-5 relative, and a margin or an entropy
// near 0 is a difference of nearly equal sums, where that error shows up relatively large (still far below anything
// a threshold or a ranking can see).
const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 2e-5 * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) <= 1e-5;

for (const { name, row } of rows()) {
  test(`kernel = JavaScript loops: ${name}`, () => {
    for (const c of CONFIGS) {
      const cfg: RowSamplerConfig = { temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: row.length, ...c };
      const js = new RowSampler(cfg, row.length, { kernel: null });
      const wasm = new RowSampler(cfg, row.length, { kernel });
      assert.ok(wasm.usesKernel && !js.usesKernel);
      for (let seed = 1; seed <= 3; seed++) {
        const a: RowSample = { token: -1, prob: 0, confidence: 0 };
        const b: RowSample = { token: -1, prob: 0, confidence: 0 };
        js.sample(row.slice(), new Prng(seed), a);
        wasm.sample(row.slice(), new Prng(seed), b);
        const what = `${name} ${JSON.stringify(c)} seed ${seed}: js ${JSON.stringify(a)} wasm ${JSON.stringify(b)}`;
        assert.equal(b.token, a.token, what);
        assert.ok(close(a.prob, b.prob), what);
        assert.ok(close(a.confidence, b.confidence), what);
      }
    }
  });
}

test('kernel bounded greedy: stops with 0 below the bound, exact probability above it', () => {
  const cfg: RowSamplerConfig = { temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: 1 << 30 };
  const peaked = Float32Array.from({ length: 50_000 }, (_, i) => (i === 123 ? 20 : 0));
  const flat = Float32Array.from({ length: 50_000 }, () => 0);
  for (const [row, expectCut] of [[peaked, false], [flat, true]] as const) {
    const js = new RowSampler(cfg, row.length, { kernel: null });
    const wasm = new RowSampler(cfg, row.length, { kernel });
    const a: RowSample = { token: -1, prob: 0, confidence: 0 };
    const b: RowSample = { token: -1, prob: 0, confidence: 0 };
    js.sample(row.slice(), new Prng(1), a, 1 / 0.5);
    wasm.sample(row.slice(), new Prng(1), b, 1 / 0.5);
    assert.equal(b.token, a.token);
    assert.equal(b.prob === 0, expectCut);
    assert.ok(close(a.prob, b.prob), `${a.prob} vs ${b.prob}`);
  }
});

test('kernel grows its memory for longer rows and keeps answering', () => {
  const cfg: RowSamplerConfig = { temperature: 0, topP: 1, topK: 0, confidence: 'entropy', sampleable: 1 << 30 };
  for (const n of [100, 300_000, 1000]) {
    const row = Float32Array.from({ length: n }, (_, i) => (i === n - 2 ? 3 : 0));
    const a: RowSample = { token: -1, prob: 0, confidence: 0 };
    const b: RowSample = { token: -1, prob: 0, confidence: 0 };
    new RowSampler(cfg, n, { kernel: null }).sample(row.slice(), new Prng(1), a);
    new RowSampler(cfg, n, { kernel }).sample(row.slice(), new Prng(1), b);
    assert.equal(b.token, n - 2);
    assert.ok(close(a.confidence, b.confidence), `${n}: ${a.confidence} vs ${b.confidence}`);
  }
});

test('greedy with top-p/top-k picks the argmax even when a near-tie rounds above it', () => {
  const row = new Float32Array(64).fill(-3);
  row[9] = 0.25;
  row[0] = Math.fround(0.25 - 2 ** -25); // one float step below the max
  for (const k of [kernel, null]) {
    for (const filt of [{ topP: 0.9 }, { topK: 5 }]) {
      const s = new RowSampler({ temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: 64, ...filt }, 64, { kernel: k });
      const out: RowSample = { token: -1, prob: 0, confidence: 0 };
      s.sample(row.slice(), new Prng(1), out);
      assert.equal(out.token, 9, `${k ? 'kernel' : 'js'} ${JSON.stringify(filt)}`);
    }
  }
});

test('sampling never lands on a -inf id when the draw is at the very top of the range', () => {
  const n = 4099;
  const row = Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? -Infinity : (i % 13) / 13));
  const top = { next: () => 1 - 2 ** -40 } as unknown as Prng;
  for (const k of [kernel, null]) {
    const s = new RowSampler({ temperature: 1, topP: 1, topK: 0, confidence: 'probability', sampleable: n }, n, { kernel: k });
    for (let r = 0; r < 20; r++) {
      const out: RowSample = { token: -1, prob: 0, confidence: 0 };
      s.sample(row.slice(), top, out);
      assert.notEqual(out.token, n - 1, k ? 'kernel' : 'js');
      assert.ok(out.prob > 0);
    }
  }
});

test('the argmax-only scan finds the same max and first index as the full scan', () => {
  for (const { name, row } of rows()) {
    const full = { max: 0, second: 0, argmax: 0 };
    const only = { max: 0, second: 0, argmax: 0 };
    kernel!.load(row, row.length);
    kernel!.max(row.length, full);
    kernel!.max(row.length, only, false);
    assert.equal(only.argmax, full.argmax, name);
    assert.ok(only.max === full.max || (Number.isNaN(only.max) && Number.isNaN(full.max)), name);
    assert.equal(only.second, -Infinity, name);
  }
});
