// convertModel: a checkpoint folder or GGUF file (or an already opened ConvertInput) into a DiffuCode model folder
// (docs/model-contract.md): model.onnx + model.onnx.data (graph v2), tokenizer.json + tokenizer_config.json,
// manifest.json, MODEL_CARD.md and the upstream LICENSE. The hub's pull, the CLI and the editor all call exactly
// this; the editor runs it in a child process (runner.ts). Everything is written into OUT.partial, renamed into
// place at the end; on any error or abort the staging folder is removed.

import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { openInput } from '../checkpoint/openInput';
import { tokenizerSize, type TokenizerJson } from '../checkpoint/tokenizerFiles';
import { paramCount } from './arch';
import { DTYPES, defaultBuildOptions } from './buildOptions';
import { checkGraph } from './checkGraph';
import { ConvertError } from './errors';
import { buildGraph } from './graphBuilder';
import type { ConvertInput, WeightDtype } from './input';
import { buildManifest, defaultContextLength } from './manifest';
import { renderCard } from './modelCard';
import { encodeModel } from './onnxProto';
import { checkShape } from './quantize';
import { runtimeTokenizerConfig } from './runtimeTokenizerConfig';
import { finishStaging, prepareStaging, removeStaging } from './staging';
import { diskError, WeightsFile } from './weightsFile';

export interface ConvertProgress {
  /** Steps done of `total` (embedding, each layer, the head). */
  done: number;
  total: number;
  /** What was just written, or a phase ('opening', 'writing files', 'done'). */
  what: string;
  /** Bytes written to model.onnx.data so far. */
  bytes: number;
}

export interface ConvertOptions {
  /** A checkpoint folder, a .gguf file, or an already opened input (closed by convertModel). */
  source: string | ConvertInput;
  out: string;
  dtype?: WeightDtype;
  force?: boolean;
  name?: string;
  assumeDream?: boolean;
  expandToken?: string;
  license?: string;
  contextLength?: number;
  /** int4/int8: values per MatMulNBits block (32). */
  blockSize?: number;
  /** int4/int8: MatMulNBits accuracy_level (4: int8 activations and integer dot products; 0: float). */
  accuracyLevel?: number;
  /** int4/int8: bits of the embedding table and vocabulary head (int4 default 8: the head decides every token's
   *  confidence; int8 default 8). */
  headBits?: 4 | 8;
  signal?: AbortSignal;
  onProgress?: (p: ConvertProgress) => void;
}

export interface ConvertResult {
  folder: string;
  onnxBytes: number;
}

export class ConvertAborted extends Error {
  constructor() {
    super('conversion cancelled');
    this.name = 'AbortError';
  }
}

const LICENSE_FILES = ['LICENSE', 'LICENSE.txt', 'LICENSE.md'];


function writeJson(path: string, obj: unknown, compact = false): void {
  writeFileSync(path, JSON.stringify(obj, null, compact ? undefined : 2) + '\n');
}

export async function convertModel(opts: ConvertOptions): Promise<ConvertResult> {
  const dtype = opts.dtype ?? 'int4';
  if (!DTYPES.includes(dtype)) throw new ConvertError(`unsupported dtype ${JSON.stringify(dtype)}; one of ${DTYPES.join(', ')}`);
  if (opts.contextLength !== undefined && !(Number.isInteger(opts.contextLength) && opts.contextLength >= 4)) {
    throw new ConvertError(`context length must be an integer >= 4 (got ${opts.contextLength})`);
  }
  const aborted = () => {
    if (opts.signal?.aborted) throw new ConvertAborted();
  };
  aborted();
  const sourcePath = typeof opts.source === 'string' ? opts.source : undefined;
  opts.onProgress?.({ done: 0, total: 1, what: 'opening', bytes: 0 });
  const input = typeof opts.source === 'string'
    ? openInput(opts.source, { assumeDream: opts.assumeDream, expandToken: opts.expandToken, license: opts.license })
    : opts.source;
  let staging: string | undefined;
  let weights: WeightsFile | undefined;
  try {
    const cfg = input.cfg;
    if (tokenizerSize(input.tokenizer as TokenizerJson) > cfg.vocab_size) {
      throw new ConvertError(`the tokenizer has ${tokenizerSize(input.tokenizer as TokenizerJson)} ids but the model only ${cfg.vocab_size} rows`);
    }
    const license = opts.license || input.license;
    if (!license) throw new ConvertError(`${sourcePath ?? 'the source'} states no licence (no README.md front matter, no LICENSE file); pass --license`);
    const contextLength = opts.contextLength ?? defaultContextLength(cfg);
    const build = defaultBuildOptions(dtype, contextLength);
    if (opts.blockSize !== undefined) build.blockSize = opts.blockSize;
    if (opts.accuracyLevel !== undefined) {
      if (![0, 1, 2, 3, 4].includes(opts.accuracyLevel)) throw new ConvertError(`accuracy level must be 0-4 (got ${opts.accuracyLevel})`);
      build.accuracyLevel = opts.accuracyLevel;
    }
    if (opts.headBits !== undefined) {
      if (opts.headBits !== 4 && opts.headBits !== 8) throw new ConvertError(`head bits must be 4 or 8 (got ${opts.headBits})`);
      if (dtype !== 'int4' && dtype !== 'int8') throw new ConvertError('head bits apply to --dtype int4 or int8 only');
      build.headBits = opts.headBits;
    }
    if (dtype === 'int4' || dtype === 'int8') {
      checkShape(cfg.hidden_size, build.blockSize, 'hidden_size');
      checkShape(cfg.intermediate_size, build.blockSize, 'intermediate_size');
    }
    const name = opts.name || (sourcePath ? basename(resolve(sourcePath), extname(sourcePath) === '.gguf' ? '.gguf' : '')
      : input.sourceName || basename(resolve(opts.out)));
    const manifest = buildManifest({ input, name, contextLength, license, build,
      convertedFrom: sourcePath ? basename(resolve(sourcePath)) : input.sourceName ?? name });
    staging = prepareStaging(opts.out, Boolean(opts.force), sourcePath);
    weights = new WeightsFile(staging);
    const w = weights;
    const model = await buildGraph(cfg, input.weights, w, build, async (done, total, what) => {
      opts.onProgress?.({ done, total, what, bytes: w.bytes });
      // Yield to the event loop between layers, so an abort (or a progress message) gets through.
      await new Promise((r) => setImmediate(r));
      aborted();
    });
    weights.close();
    checkGraph(model, cfg.vocab_size, cfg.num_hidden_layers, weights.bytes);
    opts.onProgress?.({ done: 1, total: 1, what: 'writing files', bytes: weights.bytes });
    try {
      const graph = encodeModel(model);
      writeFileSync(join(staging, 'model.onnx'), graph);
      const onnxBytes = graph.length + weights.bytes;
      writeJson(join(staging, 'tokenizer.json'), input.tokenizer, true);
      writeJson(join(staging, 'tokenizer_config.json'), runtimeTokenizerConfig(input.tokenizerConfig));
      writeJson(join(staging, 'manifest.json'), manifest);
      writeFileSync(join(staging, 'MODEL_CARD.md'), renderCard(input, manifest, onnxBytes, dtype));
      for (const lic of LICENSE_FILES) {
        const from = input.cardDir && join(input.cardDir, lic);
        if (from && existsSync(from) && statSync(from).isFile()) copyFileSync(from, join(staging, lic));
      }
      aborted();
      finishStaging(staging, opts.out);
      staging = undefined;
      opts.onProgress?.({ done: 1, total: 1, what: 'done', bytes: weights.bytes });
      return { folder: resolve(opts.out), onnxBytes };
    } catch (e) {
      throw diskError(e, opts.out, 0);
    }
  } finally {
    weights?.close(false);
    removeStaging(staging);
    input.close();
  }
}

/** One line for the log: the model's size and what is about to happen. */
export function describeInput(input: ConvertInput, dtype: WeightDtype): string {
  return `${input.family.label}: ${(paramCount(input.cfg) / 1e6).toFixed(1)} M params, input ${(input.nbytes / 1e6).toFixed(1)} MB; streaming ${dtype} conversion (one weight chunk in memory at a time)`;
}
