import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from './prng';
import { RowSampler, type RowSample, type RowSamplerConfig } from './rowSampler';

const base: RowSamplerConfig = { temperature: 0, topP: 1, topK: 0, confidence: 'probability', sampleable: 1 << 30 };

function run(logits: number[], cfg: Partial<RowSamplerConfig>, seed = 1): RowSample {
  const row = Float32Array.from(logits);
  const s = new RowSampler({ ...base, ...cfg }, row.length);
  const out: RowSample = { token: -1, prob: 0, confidence: 0 };
  s.sample(row, new Prng(seed), out);
  return out;
}

/** Reference: Dream's sample_tokens written the slow, obvious way (full sort, explicit softmax). */
function reference(logits: number[], T: number, topP: number, topK: number) {
  let l = logits.map((x) => (T > 0 ? x / T : x));
  const order = l.map((_, i) => i).sort((a, b) => l[b] - l[a]);
  const keep = new Set<number>(order);
  if (topP < 1) {
    const mx = Math.max(...l);
    const ex = l.map((x) => Math.exp(x - mx));
    const z = ex.reduce((a, b) => a + b, 0);
    let cum = 0;
    order.forEach((i, r) => {
      if (r > 0 && cum > topP) keep.delete(i);
      cum += ex[i] / z;
    });
  }
  if (topK > 0) order.slice(topK).forEach((i) => keep.delete(i));
  l = l.map((x, i) => (keep.has(i) ? x : -Infinity));
  const mx = Math.max(...l);
  const ex = l.map((x) => Math.exp(x - mx));
  const z = ex.reduce((a, b) => a + b, 0);
  const q = ex.map((x) => x / z);
  const sortedQ = [...q].sort((a, b) => b - a);
  return {
    q,
    top: order[0],
    margin: sortedQ[0] - sortedQ[1],
    negEntropy: q.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0),
  };
}

const L = [2.0, 0.5, 3.0, -1.0, 2.9, 0.0];

test('maskgit_plus: greedy confidence is the top-1 probability', () => {
  const r = reference(L, 0, 1, 0);
  const s = run(L, { confidence: 'probability' });
  assert.equal(s.token, 2);
  assert.ok(Math.abs(s.confidence - r.q[2]) < 1e-6);
  assert.ok(Math.abs(s.prob - r.q[2]) < 1e-6);
});

test('topk_margin: confidence is p1 - p2', () => {
  const r = reference(L, 0, 1, 0);
  const s = run(L, { confidence: 'margin' });
  assert.ok(Math.abs(s.confidence - r.margin) < 1e-6, `${s.confidence} vs ${r.margin}`);
});

test('entropy: confidence is sum q log q (<= 0)', () => {
  const r = reference(L, 0, 1, 0);
  const s = run(L, { confidence: 'entropy' });
  assert.ok(Math.abs(s.confidence - r.negEntropy) < 1e-5, `${s.confidence} vs ${r.negEntropy}`);
  assert.ok(s.confidence <= 0);
});

test('temperature divides the logits before the softmax', () => {
  const r = reference(L, 0.5, 1, 0);
  const s = run(L, { temperature: 0.5, confidence: 'entropy' });
  assert.ok(Math.abs(s.confidence - r.negEntropy) < 1e-5);
  assert.ok(Math.abs(s.prob - r.q[s.token]) < 1e-6);
});

test('top-p keeps the first token crossing p and renormalises (formulas on the filtered distribution)', () => {
  for (const p of [0.3, 0.5, 0.7, 0.9, 0.95]) {
    const r = reference(L, 1, p, 0);
    for (const conf of ['probability', 'margin', 'entropy'] as const) {
      const s = run(L, { temperature: 1, topP: p, confidence: conf }, 7);
      assert.ok(r.q[s.token] > 0, `sampled a filtered token at p=${p}`);
      const want = conf === 'probability' ? r.q[s.token] : conf === 'margin' ? r.margin : r.negEntropy;
      assert.ok(Math.abs(s.confidence - want) < 1e-5, `p=${p} ${conf}: ${s.confidence} vs ${want}`);
    }
  }
});

test('top-k keeps only the k best', () => {
  const r = reference(L, 1, 1, 2);
  for (let seed = 0; seed < 50; seed++) {
    const s = run(L, { temperature: 1, topK: 2 }, seed);
    assert.ok(s.token === 2 || s.token === 4);
    assert.ok(Math.abs(s.prob - r.q[s.token]) < 1e-6);
  }
});

test('sampling at T=1 follows the softmax frequencies', () => {
  const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
  const counts = [0, 0, 0];
  const row = new Float32Array(3);
  const s = new RowSampler({ ...base, temperature: 1 }, 3);
  const rng = new Prng(42);
  const out: RowSample = { token: -1, prob: 0, confidence: 0 };
  for (let i = 0; i < 20000; i++) {
    row.set(logits);
    s.sample(row, rng, out);
    counts[out.token]++;
  }
  assert.ok(Math.abs(counts[0] / 20000 - 0.5) < 0.02);
  assert.ok(Math.abs(counts[1] / 20000 - 0.3) < 0.02);
});

test('ids at or above the sampleable size are never chosen', () => {
  const s = run([0, 1, 9, 9], { sampleable: 2 });
  assert.equal(s.token, 1);
});

test('a wide vocabulary with top-p finds the nucleus by partial selection', () => {
  const rng = new Prng(3);
  const logits = Array.from({ length: 5000 }, () => rng.next() * 4);
  const r = reference(logits, 1, 0.9, 0);
  const s = run(logits, { temperature: 1, topP: 0.9, confidence: 'entropy' }, 5);
  assert.ok(Math.abs(s.confidence - r.negEntropy) < 1e-3, `${s.confidence} vs ${r.negEntropy}`);
  assert.ok(r.q[s.token] > 0);
});

test('a z bound stops unpromising greedy rows early and leaves confident rows exact', () => {
  const s = new RowSampler(base, L.length);
  assert.ok(s.supportsBound);
  const out: RowSample = { token: -1, prob: 0, confidence: 0 };
  const rng = new Prng(1);
  const exact = reference(L, 0, 1, 0).q[2];
  s.sample(Float32Array.from(L), rng, out, 1 / 0.2); // p = 0.39 >= 0.2: computed in full
  assert.ok(Math.abs(out.prob - exact) < 1e-6);
  const wide = Float32Array.from({ length: 4096 }, (_, i) => (i === 5 ? 3 : 0)); // p(top) ≈ 0.005
  const w = new RowSampler(base, wide.length);
  w.sample(wide, rng, out, 1 / 0.9);
  assert.equal(out.token, 5);
  assert.equal(out.prob, 0); // below 0.9 for sure; the exact value was not needed
  assert.equal(new RowSampler({ ...base, temperature: 0.5 }, 4).supportsBound, false);
});

/** What graph v2's confidence head returns for one row (computed here in float64 from the same logits). */
function headOf(logits: number[], T: number, k: number) {
  const l = logits.map((x) => (T > 0 ? x / T : x));
  const order = l.map((_, i) => i).sort((a, b) => l[b] - l[a] || a - b).slice(0, k);
  const m = Math.max(...l);
  const z = l.reduce((a, x) => a + Math.exp(x - m), 0);
  const lse = m + Math.log(z);
  const entropy = -l.reduce((a, x) => a + Math.exp(x - lse) * (x - lse), 0);
  return { k, ids: Int32Array.from(order), logits: Float32Array.from(order.map((i) => l[i])), logsumexp: Float32Array.of(lse), entropy: Float32Array.of(entropy) };
}

test('sampleTop (in-graph head) makes the same choice with the same confidence as the full row', () => {
  const rng = new Prng(9);
  const configs: Partial<RowSamplerConfig>[] = [
    {},
    { confidence: 'margin' },
    { confidence: 'entropy' },
    { temperature: 0.7, topK: 8, topP: 0.9 },
    { temperature: 1, topK: 4, confidence: 'margin' },
    { temperature: 0.3, topK: 16, topP: 0.95, confidence: 'entropy' },
    { temperature: 0, topK: 5, topP: 0.8 },
  ];
  for (const cfg of configs) {
    assert.ok(RowSampler.headServes(cfg.temperature ?? 0, cfg.topP ?? 1, cfg.topK ?? 0), JSON.stringify(cfg));
    for (let trial = 0; trial < 40; trial++) {
      const logits = Array.from({ length: 300 }, () => 4 * (rng.next() - 0.5) + (rng.next() < 0.02 ? 6 : 0));
      const full = run(logits, cfg, trial);
      const s = new RowSampler({ ...base, ...cfg }, 300);
      const out: RowSample = { token: -1, prob: 0, confidence: 0 };
      s.sampleTop(headOf(logits, cfg.temperature ?? 0, RowSampler.headK(cfg.topK ?? 0)), 0, new Prng(trial), out);
      assert.equal(out.token, full.token, `${JSON.stringify(cfg)} trial ${trial}`);
      assert.ok(Math.abs(out.prob - full.prob) < 1e-5, `prob ${out.prob} vs ${full.prob}`);
      assert.ok(Math.abs(out.confidence - full.confidence) < 1e-4, `confidence ${out.confidence} vs ${full.confidence}`);
    }
  }
  // temperature sampling over the whole vocabulary (no top-k) or a nucleus without top-k needs full rows
  assert.equal(RowSampler.headServes(0.3, 1, 0), false);
  assert.equal(RowSampler.headServes(0, 0.95, 0), false);
  assert.equal(RowSampler.headServes(1, 1, RowSampler.MAX_HEAD_K + 1), false);
});
