// The built graph's signature (docs/model-contract.md, graph v2) and every external tensor inside the weights file,
// checked before the folder is renamed into place: a bug here must fail the conversion, not the first fill.

import { GRAPH_OUTPUTS, graphInputs } from './graphBuilder';
import type { ModelSpec } from './onnxProto';

export function checkGraph(m: ModelSpec, vocab: number, layers: number, dataBytes: number): void {
  const ins = m.inputs.map((i) => i.name);
  const outs = m.outputs.map((o) => o.name);
  if (ins.join() !== graphInputs(layers).join() || outs.join() !== GRAPH_OUTPUTS.join()) {
    throw new Error(`internal error: the built graph has inputs ${ins.slice(0, 4)}... / outputs ${outs}`);
  }
  if (m.outputs[0].dims[1] !== vocab) throw new Error(`internal error: logits are [${m.outputs[0].dims}], expected [n, ${vocab}]`);
  const names = new Set<string>();
  for (const t of m.initializers) {
    if (names.has(t.name)) throw new Error(`internal error: two initializers named ${t.name}`);
    names.add(t.name);
    if (t.external && t.external.offset + t.external.length > dataBytes) {
      throw new Error(`internal error: tensor ${t.name} lies past the end of the weights file`);
    }
  }
}
