// Model folder -> EngineParts: validate the manifest, check memory, load the tokenizer (and check it against the
// model's vocabulary and special ids), then create the ONNX Runtime session.

import { resolve } from 'node:path';
import type { EngineParts } from '../engineParts';
import { EngineError, type ModelInfo } from '../types';
import { readManifest } from './manifest';
import { checkMemory, estimateMemory } from './memory';
import { OnnxModel, type SessionOptions } from './onnxModel';
import { transformerParams } from './providers';
import { OnnxWindowModel } from './windowModel';
import { loadTokenizer } from './tokenizer';

export interface LoadOptions extends SessionOptions {
  /** Refuse to load when the estimate exceeds this many bytes (default: the memory available now). */
  memoryLimitBytes?: number;
}

export async function loadEngineParts(modelDir: string, opts: LoadOptions = {}): Promise<EngineParts> {
  const files = readManifest(modelDir);
  const m = files.manifest;
  const arch = (m as unknown as { architecture?: Record<string, unknown> }).architecture ?? {};
  const shapeForMemory = {
    dtype: (m as unknown as { weights?: { dtype?: string } }).weights?.dtype,
    provider: opts.executionProvider ?? 'cpu',
    hiddenSize: typeof arch.hidden_size === 'number' ? arch.hidden_size : undefined,
    intermediateSize: typeof arch.intermediate_size === 'number' ? arch.intermediate_size : undefined,
  };
  const need = estimateMemory(files.weightsBytes, m.vocabSize, m.contextLength, shapeForMemory);
  checkMemory(need, opts.memoryLimitBytes);
  const tokenizer = loadTokenizer(files.tokenizerPath);
  if (tokenizer.size > m.vocabSize)
    throw new EngineError(
      `tokenizer/model vocabulary mismatch: the tokenizer has ${tokenizer.size} tokens but the model's logits have ${m.vocabSize} rows (manifest vocabSize)`,
      'VOCAB_MISMATCH',
    );
  const t = m.tokens;
  const named: [string, number | null][] = [['bos', t.bos], ['eos', t.eos], ['pad', t.pad], ['mask', t.mask], ['expand', t.expand], ...t.stop.map((id, i): [string, number] => [`stop[${i}]`, id])];
  for (const [k, id] of named)
    if (id !== null && id >= tokenizer.size)
      throw new EngineError(`tokens.${k} = ${id} is not in the tokenizer (it has ${tokenizer.size} tokens)`, 'BAD_TOKEN_ID');
  const n = (k: string) => (Number.isInteger(arch[k]) && (arch[k] as number) > 0 ? (arch[k] as number) : NaN);
  const shape = { layers: n('num_hidden_layers'), kvHeads: n('num_key_value_heads'), headDim: Number.isInteger(arch.head_dim) ? (arch.head_dim as number) : n('hidden_size') / n('num_attention_heads') };
  const shapeKnown = Object.values(shape).every((v) => Number.isInteger(v) && v > 0);
  const params = transformerParams(arch) ?? weightParams(files.weightsBytes, shapeForMemory.dtype);
  const model = await OnnxModel.create(files.graphPath, m.vocabSize, m.io, { ...opts, modelSize: { params } }, shapeKnown ? shape : undefined);
  if (files.windowGraphPath) {
    if (!shapeKnown) {
      await model.dispose();
      throw new EngineError('manifest windowGraph needs architecture.num_hidden_layers, num_key_value_heads, hidden_size and num_attention_heads (the cache shape)', 'BAD_MANIFEST');
    }
    const windowPath = files.windowGraphPath;
    model.attachWindow(async () => {
      // ONNX Runtime keeps its own copy of the weights per session: the window session needs one more.
      checkMemory(files.weightsBytes, opts.memoryLimitBytes === undefined ? undefined : opts.memoryLimitBytes - need);
      // The provider the main session runs on (auto has already chosen, and said why, once).
      return OnnxWindowModel.create(windowPath, m.vocabSize, shape, { ...opts, executionProvider: model.provider });
    });
  }
  const sampler = m.sampler ?? {};
  const info: ModelInfo = {
    name: m.name,
    vocabSize: m.vocabSize,
    contextLength: m.contextLength,
    shiftedLogits: m.shiftedLogits,
    provider: model.provider,
    providerMessage: [model.providerMessage, fp16OnCpu(shapeForMemory.dtype, model.provider)].filter(Boolean).join('; ') || undefined,
    ...(model.providerReason ? { providerReason: model.providerReason } : {}),
    cardPath: files.cardPath,
    modelDir: resolve(modelDir),
    license: m.license,
    sampler,
    dualCache: !!model.openWindow,
    ...(m.ghostText ? { ghostText: { ...m.ghostText } } : {}),
  };
  return { model, tokenizer, tokens: { ...t, expand: t.expand ?? null }, info };
}

/** fp16 folders are for GPU providers: on the CPU they run, but only after ONNX Runtime widens the weights to fp32
 *  (measured at 0.5B: load 14 s against 7 s for fp32, resident memory as large as fp32's). Said once, at load. */
function fp16OnCpu(dtype: string | undefined, provider: string): string | undefined {
  if (dtype !== 'fp16' || provider !== 'cpu') return undefined;
  return 'this model has fp16 weights, meant for a GPU provider (cuda, dml, webgpu); on the CPU ONNX Runtime widens them to fp32 (slow to load, as much memory as fp32): export it with --dtype int4 or int8 for the CPU';
}

/** Without an architecture in the manifest: parameters from the weights' size (embeddings included, so an upper bound). */
function weightParams(bytes: number, dtype: string | undefined): number {
  const perParam: Record<string, number> = { fp32: 4, fp16: 2, bf16: 2, int8: 1, int4: 0.5 };
  return bytes / (perParam[dtype ?? 'fp32'] ?? 4);
}
