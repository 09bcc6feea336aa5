// The graph under construction: a node list and initializers with unique names. Small constants stay inside the
// graph (raw_data); weights go to the external file as they are read. Names follow one counter exactly as the
// former Python builder named them (`{optype}_{n}` outputs, `{OpType}_{n}` nodes), so graphs stay comparable.

import { toHalf } from './half';
import { DataType, type AttrValue, type NodeSpec, type TensorSpec } from './onnxProto';
import type { WeightsFile } from './weightsFile';

export type ConstType = 'int64' | 'int32' | 'float32' | 'float16';

export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly inits: TensorSpec[] = [];
  private n = 0;

  constructor(readonly weights: WeightsFile) {}

  name(hint: string): string {
    this.n += 1;
    return `${hint}_${this.n}`;
  }

  op(opType: string, inputs: string[], outputs: number | string[] = 1, domain = '', attrs: Record<string, AttrValue> = {}): string[] {
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => this.name(opType.toLowerCase()))
      : [...outputs];
    this.nodes.push({ opType, inputs: [...inputs], outputs: outs, name: this.name(opType), domain: domain || undefined, attrs });
    return outs;
  }

  one(opType: string, inputs: string[], domain = '', attrs: Record<string, AttrValue> = {}): string {
    return this.op(opType, inputs, 1, domain, attrs)[0];
  }

  /** A small constant: a scalar (dims []) or a 1-D / 2-D array given with its dims. */
  const(value: number | number[] | ArrayLike<number>, type: ConstType = 'int64', hint = 'c', dims?: number[]): string {
    const name = this.name(hint);
    const values = typeof value === 'number' ? [value] : Array.from(value as ArrayLike<number>);
    const shape = dims ?? (typeof value === 'number' ? [] : [values.length]);
    let raw: Uint8Array;
    let dataType: number;
    if (type === 'int64') {
      const a = BigInt64Array.from(values.map((v) => BigInt(v)));
      raw = new Uint8Array(a.buffer);
      dataType = DataType.INT64;
    } else if (type === 'int32') {
      raw = new Uint8Array(Int32Array.from(values).buffer);
      dataType = DataType.INT32;
    } else if (type === 'float32') {
      raw = new Uint8Array(Float32Array.from(values).buffer);
      dataType = DataType.FLOAT;
    } else {
      raw = new Uint8Array(halfArray(values).buffer);
      dataType = DataType.FLOAT16;
    }
    this.inits.push({ name, dims: shape, dataType, raw });
    return name;
  }

  /** Another initializer over the same bytes of the weights file (another shape). */
  alias(of: string, name: string, dims: number[]): string {
    const t = this.inits.find((x) => x.name === of);
    if (!t) throw new Error(`internal error: no initializer ${of}`);
    this.inits.push({ ...t, name, dims: [...dims] });
    return name;
  }

  external(name: string, dims: number[], dataType: number, chunks: Iterable<ArrayBufferView>): string {
    this.inits.push(this.weights.add(name, dims, dataType, chunks));
    return name;
  }
}

function halfArray(values: number[]): Uint16Array {
  return toHalf(Float32Array.from(values));
}
