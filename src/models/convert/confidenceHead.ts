// The confidence head inside the graph: top_ids/top_logits/logsumexp/entropy of the gathered rows, scaled by
// head_scale (1/temperature), with bias[j, i] added to column bias_ids[i] of row j (-inf bans a token for that row).
// The engine reads these few numbers instead of vocabulary-wide rows (docs/model-contract.md).

import type { Graph } from './graph';

/** "Banned" after clamping: finite, so exp() gives 0 and 0 * NEG stays 0 in the entropy. */
const NEG = -1.0e30;

export function confidenceHead(g: Graph, logits: string): void {
  const scaled = g.one('Mul', [logits, 'head_scale']);
  const idx = g.one('Expand', [g.one('Unsqueeze', ['bias_ids', g.const([0])]), g.one('Shape', ['bias'])]);
  const current = g.one('GatherElements', [scaled, idx], '', { axis: 1 });
  const biased = g.one('ScatterElements', [scaled, idx, g.one('Add', [current, 'bias'])], '', { axis: 1 });
  const x = g.one('Max', [biased, g.const(NEG, 'float32')]);
  g.op('TopK', [x, 'head_k'], ['top_logits', 'top_ids'], '', { axis: -1, largest: 1, sorted: 1 });
  const axis1 = g.const([1]);
  const m = g.one('ReduceMax', [x, axis1], '', { keepdims: 1 });
  const d = g.one('Sub', [x, m]);
  const e = g.one('Exp', [d]);
  const z = g.one('ReduceSum', [e, axis1], '', { keepdims: 1 });
  const logz = g.one('Log', [z]);
  g.op('Squeeze', [g.one('Add', [m, logz]), axis1], ['logsumexp']);
  const s = g.one('ReduceSum', [g.one('Mul', [e, d]), axis1], '', { keepdims: 1 });
  // H = log z - sum(e (x - m)) / z  (the engine's own formula for the full-row path)
  g.op('Squeeze', [g.one('Sub', [logz, g.one('Div', [s, z])]), axis1], ['entropy']);
}
