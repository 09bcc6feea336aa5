// The few ONNX messages a converted model needs (onnx/onnx.proto, proto2 field numbers), encoded with the small
// writer in protobuf.ts. Only what the graph builder emits is modelled: nodes with int/float/string attributes,
// initializers that are either small inline constants (raw_data) or external ranges of model.onnx.data, and typed
// graph inputs/outputs with fixed or named dimensions.

import { ProtoWriter } from './protobuf';

/** onnx.TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

export const BYTES_PER: Record<number, number> = { 1: 4, 2: 1, 6: 4, 7: 8, 10: 2 };

export type AttrValue = number | { float: number } | string;

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain?: string;
  /** Integers are INT attributes; { float } is a FLOAT attribute; strings are STRING. */
  attrs: Record<string, AttrValue>;
}

export interface TensorSpec {
  name: string;
  dims: number[];
  dataType: number;
  /** Inline bytes (small constants), or an external range of the weights file. */
  raw?: Uint8Array;
  external?: { location: string; offset: number; length: number };
}

export interface ValueInfoSpec {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

export interface ModelSpec {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  graphName: string;
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueInfoSpec[];
  outputs: ValueInfoSpec[];
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;

function attribute(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (use { float })`);
    w.int(3, v).int(20, ATTR_INT);
  } else if (typeof v === 'string') {
    w.string(4, v).int(20, ATTR_STRING);
  } else {
    w.float(2, v.float).int(20, ATTR_FLOAT);
  }
  return w;
}

function node(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  // onnx.helper.make_node writes attributes sorted by name; so do we (byte-identical graphs are easy to compare).
  for (const key of Object.keys(n.attrs).sort()) w.message(5, attribute(key, n.attrs[key]));
  if (n.domain) w.string(7, n.domain);
  return w;
}

export function tensor(t: TensorSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType).string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  if (t.external) {
    const e = t.external;
    for (const [k, v] of [['location', e.location], ['offset', String(e.offset)], ['length', String(e.length)]]) {
      w.message(13, new ProtoWriter().string(1, k).string(2, v));
    }
    w.int(14, 1); // data_location = EXTERNAL
  }
  return w;
}

function valueInfo(v: ValueInfoSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** The serialized ModelProto (fields in field-number order, as protobuf's own serializers write them). */
export function encodeModel(m: ModelSpec): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, node(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, tensor(t));
  for (const i of m.inputs) g.message(11, valueInfo(i));
  for (const o of m.outputs) g.message(12, valueInfo(o));
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName).message(7, g);
  for (const o of m.opsets) {
    // onnx.helper.make_opsetid sets the default domain to "" explicitly, so it is written (empty).
    w.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version));
  }
  return w.finish();
}
