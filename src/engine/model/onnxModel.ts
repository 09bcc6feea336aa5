// The ONNX Runtime implementation of ForwardModel. One session per model; the canvas goes in as int64
// input_ids [1, seq], the wanted raw rows as int64 positions [n]; the graph gathers those rows before the vocabulary
// projection and returns logits [n, vocab]. GPU providers are tried first when asked (or chosen by auto, providers.ts)
// and fall back to the CPU.

import * as ort from 'onnxruntime-node';
import type { ForwardModel, HeadRequest, TopRows, WindowForward } from '../forwardModel';
import { EngineError } from '../types';
import { graphV2Layers, GraphV2Runner, type CacheShape } from './graphV2';
import { EXECUTION_PROVIDERS, planProviders, type ExecutionProvider, type ModelSize } from './providers';

export interface SessionOptions {
  /** One of EXECUTION_PROVIDERS (providers.ts); default cpu. */
  executionProvider?: string;
  /** For auto: the model's size (small models stay on the CPU). */
  modelSize?: ModelSize;
  /** ONNX Runtime intra-op threads; 0 or undefined = the runtime's choice. */
  threads?: number;
  log?: (line: string) => void;
}

export interface IoNames {
  inputIds: string;
  positions: string;
  logits: string;
}

export class OnnxModel implements ForwardModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly vocabSize: number,
    private readonly io: IoNames,
    readonly provider: string,
    readonly providerMessage: string | undefined,
    readonly providerReason: string | undefined,
  ) {}

  /** Graph v2 (graphV2.ts): the same session also serves the dual cache and the confidence head. */
  private v2?: GraphV2Runner;

  /** The in-graph confidence head (graph v2 only). */
  forwardTop?(ids: Int32Array, rows: Int32Array, head: HeadRequest): Promise<TopRows>;

  /** `cache`: the key/value shape from the manifest's architecture, needed by graph v2 (and window graphs). */
  static async create(graphPath: string, vocabSize: number, io: IoNames, opts: SessionOptions = {}, cache?: CacheShape): Promise<OnnxModel> {
    const { session, provider, message, reason } = await createSession(graphPath, opts);
    const fail = async (msg: string): Promise<never> => {
      await session.release();
      throw new EngineError(msg, 'BAD_MODEL');
    };
    for (const name of [io.inputIds, io.positions])
      if (!session.inputNames.includes(name)) await fail(`the graph has no input "${name}" (it has ${session.inputNames.join(', ')}); check manifest io`);
    if (!session.outputNames.includes(io.logits)) await fail(`the graph has no output "${io.logits}" (it has ${session.outputNames.join(', ')}); check manifest io`);
    const model = new OnnxModel(session, vocabSize, io, provider, message, reason);
    const layers = graphV2Layers(session);
    if (layers !== undefined) {
      if (!cache || cache.layers !== layers)
        await fail(`the graph has ${layers} layers of cache inputs but the manifest's architecture says ${cache?.layers ?? 'nothing'} (num_hidden_layers, num_key_value_heads, hidden_size, num_attention_heads)`);
      const v2 = (model.v2 = new GraphV2Runner(session, vocabSize, cache!));
      model.forwardTop = async (ids, r, head) => {
        model.checkLoaded();
        return (await v2.run(ids, 0, ids.length, r, null, head, false)).out as TopRows;
      };
      model.openWindow = async () => {
        model.checkLoaded();
        return v2.open();
      };
    }
    return model;
  }

  private checkLoaded(): void {
    if (this.disposed) throw new EngineError('the model was unloaded', 'UNLOADED');
  }

  async forward(ids: Int32Array, rows: Int32Array): Promise<Float32Array> {
    if (this.v2) return (await this.v2.run(ids, 0, ids.length, rows, null, undefined, false)).out as Float32Array;
    // A fresh buffer per pass (a few KB): ONNX Runtime reads it on its own thread, and the engine may run
    // requests concurrently in process, so a shared buffer could change under a running pass.
    const idsBuf = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) idsBuf[i] = BigInt(ids[i]);
    const pos = new BigInt64Array(rows.length);
    for (let i = 0; i < rows.length; i++) pos[i] = BigInt(rows[i]);
    const feeds: Record<string, ort.Tensor> = {
      [this.io.inputIds]: new ort.Tensor('int64', idsBuf, [1, ids.length]),
      [this.io.positions]: new ort.Tensor('int64', pos, [rows.length]),
    };
    const out = await this.session.run(feeds, [this.io.logits]);
    const t = out[this.io.logits];
    if (t.type !== 'float32') throw new EngineError(`the graph's logits are ${t.type}, the contract says float32`, 'BAD_MODEL');
    const data = t.data as Float32Array;
    if (data.length !== rows.length * this.vocabSize)
      throw new EngineError(`the graph returned logits of shape [${t.dims.join(', ')}], expected [${rows.length}, ${this.vocabSize}] (manifest vocabSize)`, 'BAD_MODEL');
    return data;
  }

  private window?: Promise<{ open(): WindowForward; dispose(): Promise<void> }>;

  openWindow?(): Promise<WindowForward>;

  /**
   * Fast-dLLM dual cache, when the folder has a window graph (see windowModel.ts). The window session is created
   * on the first request that asks for the cache: it holds a second copy of the weights, which requests without
   * the cache should not pay for.
   */
  attachWindow(load: () => Promise<{ open(): WindowForward; dispose(): Promise<void> }>): void {
    this.openWindow = async () => {
      if (this.disposed) throw new EngineError('the model was unloaded', 'UNLOADED');
      if (!this.window) {
        const p = load();
        this.window = p;
        p.catch(() => {
          if (this.window === p) this.window = undefined; // a failed load (memory, file) may be retried later
        });
      }
      const w = await this.window;
      if (this.disposed) throw new EngineError('the model was unloaded', 'UNLOADED');
      return w.open();
    };
  }

  private disposed = false;

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.window;
    this.window = undefined;
    await (await w?.catch(() => undefined))?.dispose();
    await this.session.release();
  }
}


/**
 * An ONNX Runtime session on the asked execution provider, or on the CPU when it fails: `message` says why (an
 * explicit provider that did not load). With auto, the GPU providers of providers.ts are tried in turn and `reason`
 * says which one runs and why (each failure with how long it took: a missing GPU fails in milliseconds).
 */
export async function createSession(
  graphPath: string,
  opts: SessionOptions = {},
): Promise<{ session: ort.InferenceSession; provider: string; message?: string; reason?: string }> {
  const wanted = (opts.executionProvider ?? 'cpu').toLowerCase();
  if (!EXECUTION_PROVIDERS.includes(wanted as ExecutionProvider))
    throw new EngineError(`unknown execution provider "${wanted}" (one of ${EXECUTION_PROVIDERS.join(', ')})`, 'BAD_OPTION');
  // No spin-waiting in the intra-op thread pool: on a busy 2-core machine (an editor, a build, a training run)
  // spinning threads steal the cores the pass needs; measured here: median pass 105 ms spinning vs 57 ms without.
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (opts.threads && opts.threads > 0) base.intraOpNumThreads = opts.threads;
  const plan = planProviders(wanted, opts.modelSize ?? {});
  let session: ort.InferenceSession | undefined;
  let provider = 'cpu';
  const failures: { ep: string; why: string; ms: number }[] = [];
  for (const ep of plan.tries) {
    const started = performance.now();
    try {
      session = await ort.InferenceSession.create(graphPath, { ...base, executionProviders: [ep] });
      provider = ep;
      break;
    } catch (e) {
      failures.push({ ep, why: providerError(e), ms: Math.round(performance.now() - started) });
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(graphPath, { ...base, executionProviders: ['cpu'] });
    } catch (e) {
      throw new EngineError(`ONNX Runtime could not load ${graphPath}: ${firstLine(e)}`, 'BAD_MODEL');
    }
  }
  const failed = failures.map((f) => `${f.ep}: ${f.why} (${f.ms} ms)`).join('; ');
  if (wanted !== 'auto') {
    if (failures.length === 0) return { session, provider };
    const message = `execution provider "${wanted}" is not available here (${failures[0].why}); running on the CPU`;
    opts.log?.(message);
    return { session, provider, message };
  }
  const reason =
    provider !== 'cpu'
      ? `auto chose ${provider}: it loaded${failed ? ` (tried first: ${failed})` : ''}`
      : (plan.reason ?? `auto chose the CPU: no GPU provider loaded (${failed})`);
  opts.log?.(reason);
  return { session, provider, reason };
}

/** ONNX Runtime's provider errors open with the failed check's source location and condition; the user needs
 *  the sentence after it ("Failed to get a WebGPU adapter: No supported adapters"). */
function providerError(e: unknown): string {
  return firstLine(e).replace(/^\S+:\d+ .*? was false\. /, '');
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
