// Fast-dLLM's dual cache on the optional window graph of a graph v1 folder (manifest `windowGraph`; written by the removed Python exporter):
// a full pass over the canvas also returns every layer's keys/values ("prefill"); later passes run only a window of
// the canvas (the block being decoded) and attend over those cached keys/values for everything else. Inside a block
// only the block's masks change, so the window is all that needs recomputing; what is approximate is the context's
// keys/values, computed while the block was still masked. The denoiser refreshes the cache at every block start.

import * as ort from 'onnxruntime-node';
import { EngineError } from '../types';
import type { WindowForward } from '../forwardModel';
import { createSession, type SessionOptions } from './onnxModel';
import { windowFeeds } from './windowFeeds';

export interface CacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

const INPUTS = ['input_ids', 'start', 'past_keys', 'past_values', 'positions'];
const OUTPUTS = ['logits', 'present_keys', 'present_values'];

export class OnnxWindowModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly vocabSize: number,
    private readonly shape: CacheShape,
  ) {}

  static async create(graphPath: string, vocabSize: number, shape: CacheShape, opts: SessionOptions = {}): Promise<OnnxWindowModel> {
    const { session } = await createSession(graphPath, opts);
    const missing = [...INPUTS.filter((n) => !session.inputNames.includes(n)), ...OUTPUTS.filter((n) => !session.outputNames.includes(n))];
    if (missing.length) {
      await session.release(); // it holds a full copy of the weights
      throw new EngineError(`the window graph ${graphPath} lacks ${missing.join(', ')} (it has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`, 'BAD_MODEL');
    }
    return new OnnxWindowModel(session, vocabSize, shape);
  }

  open(): WindowForward {
    const { layers, kvHeads, headDim } = this.shape;
    let keys: ort.Tensor | undefined;
    let values: ort.Tensor | undefined;
    let length = 0;
    let zeros: ort.Tensor | undefined;
    const run = async (ids: Int32Array, lo: number, hi: number, rows: Int32Array, pastK: ort.Tensor, pastV: ort.Tensor): Promise<Float32Array> => {
      const f = windowFeeds(ids, lo, hi, rows);
      const out = await this.session.run({ input_ids: f.inputIds, start: f.start, past_keys: pastK, past_values: pastV, positions: f.positions });
      keys = out.present_keys;
      values = out.present_values;
      const data = out.logits.data as Float32Array;
      if (data.length !== rows.length * this.vocabSize)
        throw new EngineError(`the window graph returned logits of shape [${out.logits.dims.join(', ')}], expected [${rows.length}, ${this.vocabSize}]`, 'BAD_MODEL');
      return data;
    };
    return {
      get length() {
        return length;
      },
      prefill: async (ids, rows) => {
        // The whole canvas is the window, so every slot of the past is overwritten: it only gives the shape.
        // One zero buffer per canvas length, reused by the request's later prefills (one per block).
        if (!zeros || zeros.dims[2] !== ids.length)
          zeros = new ort.Tensor('float32', new Float32Array(layers * kvHeads * ids.length * headDim), [layers, kvHeads, ids.length, headDim]);
        const logits = await run(ids, 0, ids.length, rows, zeros, zeros);
        length = ids.length;
        return logits;
      },
      step: async (ids, lo, hi, rows) => {
        if (!keys || !values || length !== ids.length) throw new EngineError('window step without a prefill of this canvas', 'INTERNAL');
        return run(ids, lo, hi, rows, keys, values);
      },
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
