// The feeds every windowed pass shares (the window graph of old folders and graph v2): the window's token ids as
// int64 [1, hi - lo] and the wanted raw rows relative to the window as int64 [n], each row checked to lie inside it.

import * as ort from 'onnxruntime-node';
import { EngineError } from '../types';

export function windowFeeds(ids: Int32Array, lo: number, hi: number, rows: Int32Array): { inputIds: ort.Tensor; start: ort.Tensor; positions: ort.Tensor } {
  const w = new BigInt64Array(hi - lo);
  for (let i = lo; i < hi; i++) w[i - lo] = BigInt(ids[i]);
  const pos = new BigInt64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < lo || rows[i] >= hi) throw new EngineError(`window row ${rows[i]} is outside [${lo}, ${hi})`, 'INTERNAL');
    pos[i] = BigInt(rows[i] - lo);
  }
  return {
    inputIds: new ort.Tensor('int64', w, [1, hi - lo]),
    start: new ort.Tensor('int64', BigInt64Array.of(BigInt(lo)), [1]),
    positions: new ort.Tensor('int64', pos, [rows.length]),
  };
}
