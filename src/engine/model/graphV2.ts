// Graph v2 (built by the converter, src/models/convert/graphBuilder.ts; docs/model-contract.md): ONE session serves the full pass, the
// dual cache's prefill and its window passes, and the in-graph confidence head. So the weights are in memory once,
// and 152k-wide rows of logits only leave ONNX Runtime when the sampler really needs them.
//
// Inputs: input_ids [1, W] (a window of the canvas; the whole canvas for a full pass), start [1], per layer
// past_key.{i} / past_value.{i} [1, kv, P, d] (the keys/values of every canvas position OUTSIDE the window; P = 0 for
// a full pass), positions [n], and the head's head_k, head_scale, bias_ids [c], bias [n, c].
// Outputs: logits [n, V]; top_ids / top_logits [n, k], logsumexp / entropy [n]; present_keys / present_values
// [layers, kv, W, d] (the window's own keys/values: after a full pass, the whole canvas's cache).
//
// Attention is bidirectional, so the window's fresh keys may follow the cached ones in any order: a window pass
// sends the prefill's cache with the window's slots cut out, built once per window span and reused by every pass
// of the block; only the rows asked for come back.

import * as ort from 'onnxruntime-node';
import { EngineError } from '../types';
import type { HeadRequest, PassOutput, TopRows, WindowForward } from '../forwardModel';
import { windowFeeds } from './windowFeeds';

export interface CacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

const HEAD_OUTPUTS = ['top_ids', 'top_logits', 'logsumexp', 'entropy'];

/** Whether a session has graph v2's signature; its layer count (past_key.0 ... past_key.{L-1}) when it does. */
export function graphV2Layers(session: ort.InferenceSession): number | undefined {
  const names = new Set(session.inputNames);
  if (!names.has('past_key.0') || !names.has('head_k') || !names.has('start')) return undefined;
  let layers = 0;
  while (names.has(`past_key.${layers}`) && names.has(`past_value.${layers}`)) layers++;
  return layers;
}

/** Feeds and fetches of graph v2; shared by the plain forward pass and the per-request window state. */
export class GraphV2Runner {
  private readonly empty: ort.Tensor;
  private readonly noBiasIds = new ort.Tensor('int64', new BigInt64Array(0), [0]);
  // A request's bias ids are fixed for all its passes: converted to an int64 tensor once, not on every pass.
  private readonly biasIdTensors = new WeakMap<Int32Array, ort.Tensor>();

  private biasIdsTensor(ids: Int32Array): ort.Tensor {
    let t = this.biasIdTensors.get(ids);
    if (!t) this.biasIdTensors.set(ids, (t = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [ids.length])));
    return t;
  }

  constructor(
    private readonly session: ort.InferenceSession,
    readonly vocabSize: number,
    readonly shape: CacheShape,
  ) {
    this.empty = new ort.Tensor('float32', new Float32Array(0), [1, shape.kvHeads, 0, shape.headDim]);
  }

  /**
   * One pass over canvas positions [lo, hi). `past`: per layer keys/values of the other positions (null = none:
   * a full pass, lo = 0 and hi = the canvas length). `rows` are canvas rows inside [lo, hi).
   */
  async run(ids: Int32Array, lo: number, hi: number, rows: Int32Array, past: Past | null, head: HeadRequest | undefined, wantPresent: boolean): Promise<{ out: PassOutput; presentK?: Float32Array; presentV?: Float32Array }> {
    const n = rows.length;
    const f = windowFeeds(ids, lo, hi, rows);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: f.inputIds,
      start: f.start,
      positions: f.positions,
      head_k: new ort.Tensor('int64', BigInt64Array.from([BigInt(head?.k ?? 1)]), [1]),
      head_scale: new ort.Tensor('float32', Float32Array.from([head?.scale ?? 1]), [1]),
    };
    if (head && head.biasIds.length > 0) {
      feeds.bias_ids = this.biasIdsTensor(head.biasIds);
      feeds.bias = new ort.Tensor('float32', head.bias.subarray(0, n * head.biasIds.length), [n, head.biasIds.length]);
    } else {
      feeds.bias_ids = this.noBiasIds;
      feeds.bias = new ort.Tensor('float32', new Float32Array(0), [n, 0]);
    }
    for (let l = 0; l < this.shape.layers; l++) {
      feeds[`past_key.${l}`] = past ? past.keys[l] : this.empty;
      feeds[`past_value.${l}`] = past ? past.values[l] : this.empty;
    }
    const fetch = head ? [...HEAD_OUTPUTS] : ['logits'];
    if (wantPresent) fetch.push('present_keys', 'present_values');
    const res = await this.session.run(feeds, fetch);
    let out: PassOutput;
    if (head) {
      const ids64 = res.top_ids.data as BigInt64Array;
      const k = res.top_ids.dims[1];
      const topIds = new Int32Array(ids64.length);
      for (let i = 0; i < ids64.length; i++) topIds[i] = Number(ids64[i]);
      const top: TopRows = { k, ids: topIds, logits: res.top_logits.data as Float32Array, logsumexp: res.logsumexp.data as Float32Array, entropy: res.entropy.data as Float32Array };
      if (top.ids.length !== n * k) throw new EngineError(`the confidence head returned ${top.ids.length} ids, expected ${n} x ${k}`, 'BAD_MODEL');
      out = top;
    } else {
      const data = res.logits.data as Float32Array;
      if (data.length !== n * this.vocabSize)
        throw new EngineError(`the graph returned logits of shape [${res.logits.dims.join(', ')}], expected [${n}, ${this.vocabSize}] (manifest vocabSize)`, 'BAD_MODEL');
      out = data;
    }
    return wantPresent ? { out, presentK: res.present_keys.data as Float32Array, presentV: res.present_values.data as Float32Array } : { out };
  }

  /** Per-request dual-cache state over this session (no second session, no second copy of the weights). */
  open(): WindowForward {
    const { layers, kvHeads, headDim } = this.shape;
    let cacheK: Float32Array | undefined; // the prefill's present: [layers, kv, S, d]
    let cacheV: Float32Array | undefined;
    let length = 0;
    let cut: { lo: number; hi: number; past: Past } | undefined; // the cache minus the window span, per layer
    const slice = (all: Float32Array, lo: number, hi: number): ort.Tensor[] => {
      // [layers, kv, S, d] -> per layer [1, kv, S - (hi - lo), d] without the window's slots
      const S = length;
      const keep = S - (hi - lo);
      const out: ort.Tensor[] = [];
      for (let l = 0; l < layers; l++) {
        const buf = new Float32Array(kvHeads * keep * headDim);
        for (let h = 0; h < kvHeads; h++) {
          const src = (l * kvHeads + h) * S * headDim;
          const dst = h * keep * headDim;
          buf.set(all.subarray(src, src + lo * headDim), dst);
          buf.set(all.subarray(src + hi * headDim, src + S * headDim), dst + lo * headDim);
        }
        out.push(new ort.Tensor('float32', buf, [1, kvHeads, keep, headDim]));
      }
      return out;
    };
    const merge = (all: Float32Array, window: Float32Array, lo: number, hi: number) => {
      // window: [layers, kv, W, d] -> all: [layers, kv, S, d] at [lo, hi)
      const W = hi - lo;
      for (let lh = 0; lh < layers * kvHeads; lh++) all.set(window.subarray(lh * W * headDim, (lh + 1) * W * headDim), (lh * length + lo) * headDim);
    };
    return {
      get length() {
        return length;
      },
      prefill: async (ids, rows, head) => {
        const r = await this.run(ids, 0, ids.length, rows, null, head, true);
        cacheK = r.presentK;
        cacheV = r.presentV;
        length = ids.length;
        cut = undefined;
        return r.out;
      },
      step: async (ids, lo, hi, rows, head) => {
        if (!cacheK || !cacheV || length !== ids.length) throw new EngineError('window step without a prefill of this canvas', 'INTERNAL');
        if (!cut || cut.lo !== lo || cut.hi !== hi) cut = { lo, hi, past: { keys: slice(cacheK, lo, hi), values: slice(cacheV, lo, hi) } };
        const r = await this.run(ids, lo, hi, rows, cut.past, head, true);
        // The window's fresh keys/values go back into the cache (the cut, which excludes the window, stays valid):
        // a later request on this canvas (ghost text's reuse across keystrokes) then needs to recompute only what
        // changed after this pass.
        merge(cacheK, r.presentK!, lo, hi);
        merge(cacheV, r.presentV!, lo, hi);
        return r.out;
      },
    };
  }
}

interface Past {
  keys: ort.Tensor[];
  values: ort.Tensor[];
}
