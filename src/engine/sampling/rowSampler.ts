// Turns one row of logits into (token, probability, confidence) following Dream's sample_tokens order:
// temperature, then top-p, then top-k, then softmax, then sample (T > 0) or argmax (T = 0); the confidence is the
// chosen token's probability, the top-1/top-2 margin or the negative entropy of the filtered distribution.
// Hot path: no allocation per row. Full-vocabulary work is a max pass and one exp pass into a scratch buffer that
// lives as long as the sampler; top-p/top-k only sort the few candidates near the maximum (partial selection).
// Those full-vocabulary passes run in the WebAssembly SIMD kernel (rowKernel.ts) when the runtime has it; the
// JavaScript loops below are the fallback and the reference the kernel is tested against.

import { expNonPos } from './fastExp';
import type { Prng } from './prng';
import { RowKernel, type RowMax } from './rowKernel';

export type ConfidenceKind = 'probability' | 'margin' | 'entropy';

export interface RowSamplerConfig {
  temperature: number;
  topP: number;
  topK: number; // 0 = off
  confidence: ConfidenceKind;
  /** Ids at or above this are never sampled (model rows beyond the tokenizer's vocabulary). */
  sampleable: number;
}

/**
 * The one confidence rule: the chosen token's probability, the margin between the two most likely tokens
 * ((first - second) / z, from weights sharing the normaliser z), or the negative entropy sum q log q. Each path of
 * the sampler passes what its representation has; `negEntropy` is read only for 'entropy'.
 */
export function confidenceOf(kind: ConfidenceKind, prob: number, first: number, second: number, z: number, negEntropy: number): number {
  switch (kind) {
    case 'probability':
      return prob;
    case 'margin':
      return (first - second) / z;
    case 'entropy':
      return negEntropy;
  }
}

/** sum q log q over the kept candidates, q = e[idx[i]] / zk (idx null: the first `keep` of e). */
function keptNegEntropy(e: ArrayLike<number>, idx: Int32Array | null, keep: number, zk: number): number {
  let s = 0;
  for (let i = 0; i < keep; i++) {
    const q = e[idx ? idx[i] : i] / zk;
    if (q > 0) s += q * Math.log(q);
  }
  return s;
}

/** A row with nothing sampleable (every logit -inf or NaN) has no confidence. */
const NO_CONFIDENCE = (kind: ConfidenceKind) => confidenceOf(kind, 0, 0, 0, 1, -Infinity);

export interface RowSample {
  token: number;
  prob: number;
  confidence: number;
}

export interface RowSamplerOptions {
  /** The SIMD kernel to run the full-vocabulary passes on; null forces the JavaScript loops. Default: the shared one. */
  kernel?: RowKernel | null;
}

export class RowSampler {
  private scratch: Float32Array;
  private candIdx: Int32Array = new Int32Array(256);
  private candCount = 0;
  private readonly kernel: RowKernel | null;
  private readonly rowMax: RowMax = { max: 0, second: 0, argmax: 0 };

  constructor(
    private readonly cfg: RowSamplerConfig,
    vocab: number,
    opts: RowSamplerOptions = {},
  ) {
    this.kernel = opts.kernel === undefined ? RowKernel.shared() : opts.kernel;
    this.scratch = this.kernel ? new Float32Array(0) : new Float32Array(vocab);
  }

  /** Largest top-k the in-graph confidence head is asked for. */
  static readonly MAX_HEAD_K = 64;

  /**
   * Whether the top k of each row (plus its log-normaliser and entropy) decide exactly what the full row would:
   * greedy without filters (token = top 1; probability, margin and entropy need nothing else), or any
   * temperature with a top-k filter the head covers (top-p then top-k only ever keep ids from the top k).
   */
  static headServes(temperature: number, topP: number, topK: number): boolean {
    if (topK > 0) return topK <= RowSampler.MAX_HEAD_K;
    return temperature === 0 && topP >= 1;
  }

  /** The k to ask the head for: the filter's k, or 2 (the margin needs the runner-up). */
  static headK(topK: number): number {
    return topK > 0 ? Math.max(2, topK) : 2;
  }

  /**
   * `sample` from the head's reduction of row j (graph v2; only where headServes): the same decisions in the same
   * order as fromSoftmax / fromFiltered, with probabilities exp(logit - logsumexp).
   */
  sampleTop(top: { k: number; ids: Int32Array; logits: Float32Array; logsumexp: Float32Array; entropy: Float32Array }, j: number, rng: Prng, out: RowSample): void {
    const { topP, topK, confidence, temperature } = this.cfg;
    const k = top.k;
    const base = j * k;
    const lse = top.logsumexp[j];
    const e = this.topScratch.length >= k ? this.topScratch : (this.topScratch = new Float64Array(k));
    for (let i = 0; i < k; i++) e[i] = Math.exp(top.logits[base + i] - lse);
    if (!(topK > 0) && topP >= 1) {
      // greedy, unfiltered (headServes guarantees temperature 0)
      out.token = top.ids[base];
      out.prob = e[0];
      out.confidence = confidenceOf(confidence, e[0], e[0], k > 1 ? e[1] : 0, 1, -top.entropy[j]);
      return;
    }
    let nucleus = k;
    if (topP < 1) {
      let cum = 0;
      for (let i = 0; i < k; i++) {
        cum += e[i];
        if (cum > topP) {
          nucleus = i + 1;
          break;
        }
      }
    }
    const keep = Math.min(nucleus, topK > 0 ? topK : k, k);
    let zk = 0;
    for (let i = 0; i < keep; i++) zk += e[i];
    let p = 0;
    if (temperature > 0) {
      const target = rng.next() * zk;
      let acc = 0;
      p = keep - 1;
      for (let i = 0; i < keep; i++) {
        acc += e[i];
        if (acc > target) {
          p = i;
          break;
        }
      }
    }
    out.token = top.ids[base + p];
    out.prob = e[p] / zk;
    out.confidence = confidenceOf(confidence, out.prob, e[0], keep > 1 ? e[1] : 0, zk, confidence === 'entropy' ? keptNegEntropy(e, null, keep, zk) : 0);
  }

  private topScratch = new Float64Array(64);

  /** Whether the WebAssembly kernel does the full-vocabulary work. */
  get usesKernel(): boolean {
    return this.kernel !== null;
  }

  /** True when `sample` can stop early at a `zBound` (greedy, unfiltered, probability confidence). */
  get supportsBound(): boolean {
    const { temperature, topP, topK, confidence } = this.cfg;
    return temperature === 0 && topP >= 1 && !(topK > 0) && confidence === 'probability';
  }

  /**
   * `row` may be modified in place (banned ids are set to -Infinity by the caller before this).
   * `zBound` (only with `supportsBound`): once the softmax normaliser exceeds it, the row's top probability is known
   * to be below 1/zBound; the scan stops and `out.prob` = `out.confidence` = 0 (the caller does not need it).
   */
  sample(row: Float32Array, rng: Prng, out: RowSample, zBound = Infinity): void {
    const { temperature, topP, topK, sampleable } = this.cfg;
    const n = Math.min(sampleable, row.length);
    const invT = temperature > 0 ? 1 / temperature : 1;
    if (this.kernel) {
      this.sampleWithKernel(this.kernel, row, n, invT, rng, out, zBound);
      return;
    }
    if (temperature === 0 && zBound === Infinity && !(topP < 1 || (topK > 0 && topK < n))) {
      this.onlineGreedy(row, n, out);
      return;
    }
    let m = -Infinity;
    let m2 = -Infinity; // second largest, for the margin
    let argmax = 0;
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v > m) {
        m2 = m;
        m = v;
        argmax = i;
      } else if (v > m2) m2 = v;
    }
    if (m === -Infinity) {
      // Every sampleable logit is -inf or NaN: nothing to choose from; report the argmax slot with no confidence.
      out.token = argmax;
      out.prob = 0;
      out.confidence = NO_CONFIDENCE(this.cfg.confidence);
      return;
    }
    if (zBound !== Infinity && this.supportsBound) {
      this.boundedGreedy(row, n, m, argmax, zBound, out);
      return;
    }
    const mScaled = m * invT;
    const filtering = topP < 1 || (topK > 0 && topK < n);
    // One fused pass: z = sum of e_i = exp(l_i/T - m/T) over the sampleable ids (the softmax normaliser); e_i is
    // kept in the scratch buffer only when sampling or filtering needs it; s = sum e_i (l_i/T - m/T) for the entropy.
    const e = this.scratch;
    const keepE = filtering || temperature > 0;
    const wantS = !filtering && this.cfg.confidence === 'entropy';
    let z = 0;
    let sAcc = 0;
    if (keepE && wantS) {
      for (let i = 0; i < n; i++) {
        const d = row[i] * invT - mScaled;
        const x = expNonPos(d);
        e[i] = x;
        z += x;
        if (x > 0) sAcc += x * d;
      }
    } else if (keepE) {
      for (let i = 0; i < n; i++) {
        const x = expNonPos(row[i] * invT - mScaled);
        e[i] = x;
        z += x;
      }
    } else if (wantS) {
      for (let i = 0; i < n; i++) {
        const d = row[i] * invT - mScaled;
        const x = expNonPos(d);
        z += x;
        if (x > 0) sAcc += x * d;
      }
    } else {
      for (let i = 0; i < n; i++) z += expNonPos(row[i] * invT - mScaled);
    }
    if (filtering) {
      this.fromFiltered(e, n, z, argmax, rng, out);
      return;
    }
    this.fromSoftmax(e, n, z, sAcc, m, m2, argmax, invT, rng, out);
  }

  /** Unfiltered softmax: p(token) = e_token / z; margin = (1 - e_second) / z; sum q log q = s/z - log z. */
  private fromSoftmax(e: Float32Array, n: number, z: number, sAcc: number, m: number, m2: number, argmax: number, invT: number, rng: Prng, out: RowSample): void {
    const { temperature } = this.cfg;
    let token = argmax;
    let eTok = 1;
    if (temperature > 0) {
      const target = rng.next() * z;
      let acc = 0;
      let last = argmax; // z and the running sum round differently: if the scan ends short, the last live id
      token = -1;
      for (let i = 0; i < n; i++) {
        if (e[i] > 0) last = i;
        acc += e[i];
        if (acc > target) {
          token = i;
          break;
        }
      }
      if (token < 0) token = last;
      eTok = e[token];
    }
    out.token = token;
    out.prob = eTok / z;
    out.confidence = confidenceOf(this.cfg.confidence, out.prob, 1, m2 === -Infinity ? 0 : Math.exp((m2 - m) * invT), z, sAcc / z - Math.log(z));
  }

  /** `sample` with the full-vocabulary passes in the SIMD kernel: same decisions, same order, same outputs. */
  private sampleWithKernel(k: RowKernel, row: Float32Array, n: number, invT: number, rng: Prng, out: RowSample, zBound: number): void {
    const { temperature, topP, topK, confidence } = this.cfg;
    k.load(row, n);
    const mx = this.rowMax;
    k.max(n, mx, confidence === 'margin'); // only the margin needs the second max
    const m = mx.max;
    if (m === -Infinity) {
      out.token = mx.argmax;
      out.prob = 0;
      out.confidence = NO_CONFIDENCE(confidence);
      return;
    }
    if (zBound !== Infinity && this.supportsBound) {
      out.token = mx.argmax;
      const z = k.sumExpBounded(n, m, zBound);
      out.prob = out.confidence = z > zBound ? 0 : 1 / z;
      return;
    }
    const filtering = topP < 1 || (topK > 0 && topK < n);
    const keepE = filtering || temperature > 0;
    const { z, s } = k.sumExp(n, m, invT, keepE, !filtering && confidence === 'entropy');
    const e = keepE ? k.expView(n) : this.scratch;
    if (filtering) {
      this.fromFiltered(e, n, z, mx.argmax, rng, out, k);
      return;
    }
    this.fromSoftmax(e, n, z, s, m, mx.second, mx.argmax, invT, rng, out);
  }

  /**
   * Greedy, unfiltered: one pass over the row computing the max, the second max, the normaliser z and the entropy
   * sum together (online softmax: when the max rises from m to v, earlier terms are rescaled by exp(m - v)).
   */
  private onlineGreedy(row: Float32Array, n: number, out: RowSample): void {
    const wantS = this.cfg.confidence === 'entropy';
    let m = -Infinity;
    let m2 = -Infinity;
    let argmax = 0;
    let z = 0;
    let sAcc = 0; // sum of e_i (l_i - m), for sum q log q = sAcc/z - log z
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v > m) {
        if (m === -Infinity) z = 1;
        else {
          const d = m - v;
          const c = Math.exp(d); // rare (the max rises O(log n) times): keep it exact
          sAcc = c * (sAcc + z * d);
          z = z * c + 1;
        }
        m2 = m;
        m = v;
        argmax = i;
      } else {
        if (v > m2) m2 = v;
        const d = v - m;
        const x = expNonPos(d);
        z += x;
        if (wantS && x > 0) sAcc += x * d;
      }
    }
    out.token = argmax;
    if (m === -Infinity) {
      out.prob = 0;
      out.confidence = NO_CONFIDENCE(this.cfg.confidence);
      return;
    }
    out.prob = 1 / z;
    out.confidence = confidenceOf(this.cfg.confidence, out.prob, 1, m2 === -Infinity ? 0 : Math.exp(m2 - m), z, sAcc / z - Math.log(z));
  }

  /** Greedy probability without the scratch buffer, stopping once the normaliser passes zBound. */
  private boundedGreedy(row: Float32Array, n: number, m: number, argmax: number, zBound: number, out: RowSample): void {
    out.token = argmax;
    let z = 0;
    for (let start = 0; start < n; start += 512) {
      const end = Math.min(n, start + 512);
      for (let i = start; i < end; i++) z += expNonPos(row[i] - m);
      if (z > zBound) {
        out.prob = 0;
        out.confidence = 0;
        return;
      }
    }
    out.prob = 1 / z;
    out.confidence = out.prob;
  }

  private fromFiltered(e: Float32Array, n: number, z: number, argmax: number, rng: Prng, out: RowSample, k: RowKernel | null = null): void {
    const { topP, topK } = this.cfg;
    const wantK = topK > 0 ? Math.min(topK, n) : n;
    // Collect the ids with e >= floor, lowering the floor until the set surely contains the nucleus and the top-k.
    let floor = Math.exp(-8);
    let keep = 0;
    for (;;) {
      if (k) {
        const got = k.collect(n, floor, this.candIdx);
        this.candIdx = got.idx;
        this.candCount = got.count;
      } else this.collect(e, n, floor);
      const c = this.candCount;
      const idx = this.candIdx;
      const sorted = idx.subarray(0, c).sort((a, b) => e[b] - e[a] || a - b);
      let nucleus = c;
      let exceeded = topP >= 1;
      if (topP < 1) {
        // Dream keeps token i while the cumulative probability *before* it is <= top_p (top-1 always kept).
        let cum = 0;
        for (let i = 0; i < c; i++) {
          cum += e[sorted[i]] / z;
          if (cum > topP) {
            nucleus = i + 1;
            exceeded = true;
            break;
          }
        }
      }
      const complete = c === n || floor === 0;
      if ((exceeded && c >= Math.min(wantK, nucleus)) || complete) {
        keep = Math.min(nucleus, wantK, c);
        break;
      }
      floor = floor > 1e-30 ? floor * floor : 0;
    }
    const idx = this.candIdx;
    let zk = 0;
    for (let i = 0; i < keep; i++) zk += e[idx[i]];
    let pos = 0;
    if (this.cfg.temperature === 0) {
      // Greedy: the row's argmax itself, not the largest e (two near-equal logits can swap under the fast exp).
      const at = idx.subarray(0, keep).indexOf(argmax);
      if (at >= 0) pos = at;
    } else {
      const target = rng.next() * zk;
      let acc = 0;
      pos = keep - 1;
      for (let i = 0; i < keep; i++) {
        acc += e[idx[i]];
        if (acc > target) {
          pos = i;
          break;
        }
      }
    }
    const token = keep > 0 ? idx[pos] : argmax;
    out.token = token;
    out.prob = keep > 0 ? e[token] / zk : 1;
    const kind = this.cfg.confidence;
    out.confidence = confidenceOf(kind, out.prob, e[idx[0]], keep > 1 ? e[idx[1]] : 0, zk, kind === 'entropy' ? keptNegEntropy(e, idx, keep, zk) : 0);
  }

  private collect(e: Float32Array, n: number, floor: number): void {
    let c = 0;
    let idx = this.candIdx;
    for (let i = 0; i < n; i++) {
      if (e[i] >= floor) {
        if (c === idx.length) {
          const bigger = new Int32Array(idx.length * 2);
          bigger.set(idx);
          idx = this.candIdx = bigger;
        }
        idx[c++] = i;
      }
    }
    this.candCount = c;
  }
}
