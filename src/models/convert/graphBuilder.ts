// The streaming graph builder: writes graph v2 (docs/model-contract.md) node by node and the weights tensor by
// tensor into one external file, straight from a WeightSource. Nothing is traced and no model is held in memory,
// so a 7.6B conversion needs about one weight chunk of memory.
//
// One graph serves every pass:
//   input_ids int64 [1, W]     the window of the canvas to compute (the whole canvas for a full pass)
//   start     int64 [1]        canvas position of input_ids[0]
//   past_key.{i} / past_value.{i}  float32 [1, kv_heads, P, head_dim]: post-RoPE keys/values of every canvas
//                              position OUTSIDE the window (P = 0 for a full pass)
//   positions int64 [n]        raw output rows wanted, relative to the window
//   head_k int64 [1], head_scale float32 [1], bias_ids int64 [c], bias float32 [n, c]   (confidence head)
// -> logits float32 [n, vocab]; top_ids int64 [n, k], top_logits float32 [n, k], logsumexp float32 [n],
//    entropy float32 [n]; present_keys / present_values float32 [layers, kv_heads, W, head_dim] (the window's own)
//
// Attention is bidirectional, so the window's fresh keys are appended after the cached ones and every query
// attends over all of them (GroupQueryAttention, causal=0, rotary fused with explicit position ids). A full pass is
// the window = canvas with P = 0, and its present is the cache for later windows: one graph, one copy of the weights.
// Weights: fp32/fp16 via Gemm (transB: Hugging Face's [out, in] matrices copied as stored); int8/int4 via
// MatMulNBits with q/k/v and gate/up fused; the embedding via GatherBlockQuantized and the vocabulary head via
// MatMulNBits on the gathered rows only. RMSNorm is (Skip)SimplifiedLayerNormalization (the residual add fused).

import { archOf } from './arch';
import { DTYPES, type BuildOptions } from './buildOptions';
import { packedChunks, rowChunks } from './chunks';
import { confidenceHead } from './confidenceHead';
import { ConvertError } from './errors';
import { Graph } from './graph';
import { toHalf } from './half';
import type { CanonicalConfig, WeightSource } from './input';
import { Linear } from './linear';
import { DataType, type ModelSpec, type ValueInfoSpec } from './onnxProto';
import { checkShape } from './quantize';
import type { WeightsFile } from './weightsFile';

export const OPSET = 21;
export const MS_OPSET = 1;
export const IR_VERSION = 10; // onnxruntime 1.30 reads up to IR 11; 10 is what its own tools write

/** Graph v2's input names, in order. */
export function graphInputs(layers: number): string[] {
  const past: string[] = [];
  for (let i = 0; i < layers; i++) past.push(`past_key.${i}`, `past_value.${i}`);
  return ['input_ids', 'start', ...past, 'positions', 'head_k', 'head_scale', 'bias_ids', 'bias'];
}

export const GRAPH_OUTPUTS = ['logits', 'top_ids', 'top_logits', 'logsumexp', 'entropy', 'present_keys', 'present_values'];

/** Qwen2's (non-interleaved) rotary tables [positions, head_dim/2], computed in float64 then rounded. */
export function rotaryCache(headDim: number, theta: number, positions: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const inv = Array.from({ length: half }, (_, j) => 1 / theta ** ((2 * j) / headDim));
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < half; j++) {
      const f = p * inv[j];
      cos[p * half + j] = Math.cos(f);
      sin[p * half + j] = Math.sin(f);
    }
  }
  return { cos, sin };
}

/** Called after the embedding and after each layer (`done` of `total` steps); the converter yields to the event
 *  loop there, so progress is reported and an abort is seen. */
export type BuildStep = (done: number, total: number, what: string) => Promise<void> | void;

export async function buildGraph(cfg: CanonicalConfig, src: WeightSource, weights: WeightsFile, opts: BuildOptions,
  step: BuildStep = () => {}): Promise<ModelSpec> {
  if (!DTYPES.includes(opts.dtype)) throw new ConvertError(`unsupported --dtype ${JSON.stringify(opts.dtype)}; one of ${DTYPES.join(', ')}`);
  const a = archOf(cfg);
  const fp16 = opts.dtype === 'fp16';
  const ft = fp16 ? DataType.FLOAT16 : DataType.FLOAT;
  const constFloat = fp16 ? 'float16' : 'float32';
  const convert = (r: Float32Array): ArrayBufferView => (fp16 ? toHalf(r) : r);
  const g = new Graph(weights);
  const lin = new Linear(g, src, opts, ft, convert);
  const total = a.layers + 2;
  const p = (i: number) => `model.layers.${i}.`;

  // --- shapes and positions ---
  const ids = g.one('Reshape', ['input_ids', g.const([-1])]); // [W]
  const wLen = g.one('Shape', ['input_ids'], '', { end: 2, start: 1 }); // [1]
  const pLen = g.one('Shape', ['past_key.0'], '', { end: 3, start: 2 }); // [1]
  const totalLen = g.one('Add', [wLen, pLen]);
  const total32 = g.one('Cast', [totalLen], '', { to: DataType.INT32 });
  const seqlens = g.one('Sub', [total32, g.const([1], 'int32')]); // [1]: GQA's "total length - 1" per batch row
  const totalScalar = g.one('Squeeze', [total32, g.const([0])]);
  const start = g.one('Squeeze', ['start', g.const([0])]);
  const end = g.one('Add', [start, g.one('Squeeze', [wLen, g.const([0])])]);
  const posIds = g.one('Unsqueeze', [g.one('Range', [start, end, g.const(1)]), g.const([0])]); // [1, W]
  const rot = rotaryCache(a.headDim, a.ropeTheta, opts.maxPositions);
  const cosC = g.const(rot.cos, constFloat, 'cos_cache', [opts.maxPositions, a.headDim / 2]);
  const sinC = g.const(rot.sin, constFloat, 'sin_cache', [opts.maxPositions, a.headDim / 2]);

  // --- embedding ---
  const emb = 'model.embed_tokens.weight';
  const embBits = lin.bitsFor(true);
  let table: string;
  let tableScales = '';
  let x: string;
  if (embBits === undefined) {
    table = g.external(emb, [a.vocab, a.hidden], ft, rowChunks(src, [emb], convert));
    x = g.one('Gather', [table, ids]);
  } else {
    const bs = opts.blockSize;
    checkShape(a.hidden, bs, emb);
    const scales: Float32Array[] = [];
    table = g.external(`${emb}.q${embBits}`, [a.vocab, (a.hidden * embBits) / 8], DataType.UINT8, (function* () {
      for (const q of packedChunks(src, [emb], embBits, bs)) {
        scales.push(q.scales);
        yield q.data;
      }
    })());
    tableScales = g.external(`${emb}.scales`, [a.vocab, a.hidden / bs], ft, scales.map(convert));
    x = g.one('GatherBlockQuantized', [table, ids, tableScales], 'com.microsoft',
      { bits: embBits, block_size: bs, gather_axis: 0, quantize_axis: 1 });
  }
  await step(1, total, 'embedding');

  // --- layers ---
  const normW = (name: string, dims = [a.hidden]) => g.external(name, dims, ft, rowChunks(src, [name], convert));
  const eps = { float: a.eps };
  const presentsK: string[] = [];
  const presentsV: string[] = [];
  let residual = x;
  let mlpOut: string | undefined;
  for (let i = 0; i < a.layers; i++) {
    const pre = p(i);
    const gamma = normW(`${pre}input_layernorm.weight`);
    let h: string;
    if (mlpOut === undefined) {
      h = g.one('SimplifiedLayerNormalization', [residual, gamma], '', { axis: -1, epsilon: eps });
    } else {
      const outs = g.op('SkipSimplifiedLayerNormalization', [mlpOut, residual, gamma], 4, 'com.microsoft', { epsilon: eps });
      h = outs[0];
      residual = outs[3];
    }
    const att = `${pre}self_attn.`;
    const qkv = lin.apply(h, [`${att}q_proj.weight`, `${att}k_proj.weight`, `${att}v_proj.weight`],
      a.qkvBias ? [`${att}q_proj.bias`, `${att}k_proj.bias`, `${att}v_proj.bias`] : [], false, `${att}qkv_proj`);
    const axis0 = g.const([0]);
    // One graph input per layer: GQA may reuse its past buffer for its present, which ONNX Runtime only avoids for
    // graph inputs (a Slice of one stacked input made it try to write a longer present into it).
    let pk = `past_key.${i}`;
    let pv = `past_value.${i}`;
    if (fp16) {
      pk = g.one('Cast', [pk], '', { to: ft });
      pv = g.one('Cast', [pv], '', { to: ft });
    }
    const rest = [pk, pv, seqlens, totalScalar, cosC, sinC, posIds];
    let gqaIn: string[];
    if (a.qkNorm) {
      // Qwen3 (CoDA): RMSNorm over each head of q and k before the rotary embedding. GroupQueryAttention's own
      // q_norm/k_norm inputs run only on CUDA/WebGPU in ORT 1.30, so the norm is written out and q/k/v are passed
      // to GroupQueryAttention separately (it rotates the normalised q and k).
      const [q, k, v] = g.op('Split', [qkv, g.const([a.heads * a.headDim, a.kvHeads * a.headDim, a.kvHeads * a.headDim])],
        3, '', { axis: -1 });
      const headNorm = (t: string, weight: string, heads: number): string => {
        const w = normW(weight, [a.headDim]);
        const perHead = g.one('Reshape', [t, g.const([-1, heads, a.headDim])]); // [W, heads, head_dim]
        const normed = g.one('SimplifiedLayerNormalization', [perHead, w], '', { axis: -1, epsilon: eps });
        return g.one('Reshape', [normed, g.const([1, -1, heads * a.headDim])]); // GQA's [1, W, hidden]
      };
      gqaIn = [headNorm(q, `${att}q_norm.weight`, a.heads), headNorm(k, `${att}k_norm.weight`, a.kvHeads),
        g.one('Unsqueeze', [v, axis0]), ...rest];
    } else {
      gqaIn = [g.one('Unsqueeze', [qkv, axis0]), '', '', ...rest]; // packed q/k/v
    }
    const [o, presentK, presentV] = g.op('GroupQueryAttention', gqaIn, 3, 'com.microsoft', {
      causal: 0, do_rotary: 1, kv_num_heads: a.kvHeads, num_heads: a.heads, rotary_interleaved: 0,
      scale: { float: 1 / Math.sqrt(a.headDim) },
    });
    // present = [cached..., window...]: keep the window's own keys/values (the cache for later windows)
    const intMax = g.const([2 ** 62]);
    presentsK.push(g.one('Slice', [presentK, pLen, intMax, g.const([2])]));
    presentsV.push(g.one('Slice', [presentV, pLen, intMax, g.const([2])]));
    const attnOut = lin.apply(g.one('Squeeze', [o, axis0]), [`${att}o_proj.weight`]);
    const post = g.op('SkipSimplifiedLayerNormalization',
      [attnOut, residual, normW(`${pre}post_attention_layernorm.weight`)], 4, 'com.microsoft', { epsilon: eps });
    h = post[0];
    residual = post[3];
    const mlp = `${pre}mlp.`;
    const [gate, up] = g.op('Split', [lin.apply(h, [`${mlp}gate_proj.weight`, `${mlp}up_proj.weight`], [], false, `${mlp}gate_up_proj`),
      g.const([a.inter, a.inter])], 2, '', { axis: -1 });
    const act = g.one('Mul', [g.one('Mul', [gate, g.one('Sigmoid', [gate])]), up]);
    mlpOut = lin.apply(act, [`${mlp}down_proj.weight`]);
    await step(i + 2, total, `layer ${i + 1}/${a.layers}`);
  }

  // --- gathered rows, final norm, vocabulary head ---
  const hidden = g.one('Add', [mlpOut ?? residual, residual]);
  let rows = g.one('Gather', [hidden, 'positions'], '', { axis: 0 });
  rows = g.one('SimplifiedLayerNormalization', [rows, normW('model.norm.weight')], '', { axis: -1, epsilon: eps });
  let logits: string;
  if (a.tied && embBits === undefined) {
    logits = g.one('Gemm', [rows, table], '', { transB: 1 }); // the embedding table itself: stored once
  } else if (a.tied && embBits === lin.bitsFor(true)) {
    // The quantized table's bytes are MatMulNBits' layout too: a second view of the same file range.
    const bs = opts.blockSize;
    const q = g.alias(table, 'lm_head.q', [a.vocab, a.hidden / bs, (bs * embBits!) / 8]);
    const sc = g.alias(tableScales, 'lm_head.scales', [a.vocab * (a.hidden / bs)]);
    logits = g.one('MatMulNBits', [rows, q, sc], 'com.microsoft',
      { K: a.hidden, N: a.vocab, accuracy_level: opts.accuracyLevel, bits: embBits!, block_size: bs });
  } else {
    logits = lin.apply(rows, [a.tied ? emb : 'lm_head.weight'], [], true, 'lm_head');
  }
  if (fp16) logits = g.one('Cast', [logits], '', { to: DataType.FLOAT });
  g.op('Identity', [logits], ['logits']);
  confidenceHead(g, 'logits');
  for (const [outs, name] of [[presentsK, 'present_keys'], [presentsV, 'present_values']] as const) {
    const cat = g.one('Concat', [...outs], '', { axis: 0 });
    if (fp16) g.op('Cast', [cat], [name], '', { to: DataType.FLOAT });
    else g.op('Identity', [cat], [name]);
  }
  await step(total, total, 'vocabulary head');

  const f32 = DataType.FLOAT;
  const i64 = DataType.INT64;
  const vi = (name: string, elemType: number, dims: (number | string)[]): ValueInfoSpec => ({ name, elemType, dims });
  const cache = [1, a.kvHeads, 'past', a.headDim];
  const inputs = [vi('input_ids', i64, [1, 'window']), vi('start', i64, [1])];
  for (let i = 0; i < a.layers; i++) inputs.push(vi(`past_key.${i}`, f32, cache), vi(`past_value.${i}`, f32, cache));
  inputs.push(vi('positions', i64, ['n']), vi('head_k', i64, [1]), vi('head_scale', f32, [1]), vi('bias_ids', i64, ['c']),
    vi('bias', f32, ['n', 'c']));
  const present = [a.layers, a.kvHeads, 'window', a.headDim];
  const outputs = [vi('logits', f32, ['n', a.vocab]), vi('top_ids', i64, ['n', 'k']), vi('top_logits', f32, ['n', 'k']),
    vi('logsumexp', f32, ['n']), vi('entropy', f32, ['n']), vi('present_keys', f32, present), vi('present_values', f32, present)];
  return {
    irVersion: IR_VERSION,
    opsets: [{ domain: '', version: OPSET }, { domain: 'com.microsoft', version: MS_OPSET }],
    producerName: 'diffucode-graph-builder',
    graphName: 'diffucode_dream',
    nodes: g.nodes,
    initializers: g.inits,
    inputs,
    outputs,
  };
}
