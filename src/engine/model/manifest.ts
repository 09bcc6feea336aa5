// Reads and validates a model folder's manifest.json against the `diffucode-model/1` contract
// (docs/model-contract.md). Every problem is a clear EngineError naming the folder, the field and the fix.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { EngineError, type SamplerOptions } from '../types';
import { resolveSampler } from '../sampling/options';

export const CONTRACT = 'diffucode-model/1';

export interface Manifest {
  contract: string;
  name: string;
  family?: string;
  graph: string;
  tokenizer: string;
  vocabSize: number;
  contextLength: number;
  shiftedLogits: boolean;
  tokens: { bos: number; eos: number; pad: number; mask: number; expand: number | null; stop: number[] };
  io: { inputIds: string; positions: string; logits: string };
  sampler?: Partial<SamplerOptions>;
  license?: string;
  provenance?: Record<string, unknown>;
  card?: string;
  /** Optional cached-window graph (Fast-dLLM dual cache), see docs/model-contract.md. */
  windowGraph?: string;
}

export interface ManifestFiles {
  manifest: Manifest;
  graphPath: string;
  windowGraphPath?: string;
  /** graph + external data, bytes (drives the memory estimate). */
  weightsBytes: number;
  tokenizerPath: string;
  cardPath?: string;
}

export function readManifest(modelDir: string): ManifestFiles {
  const dir = resolve(modelDir);
  const fail = (msg: string, code = 'BAD_MANIFEST'): never => {
    throw new EngineError(`model folder ${dir}: ${msg}`, code);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('does not exist or is not a folder', 'NO_MODEL');
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) fail('manifest.json is missing (is this a diffucode-model/1 folder?)', 'NO_MODEL');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  const m = raw as Manifest;
  if (!m || typeof m !== 'object') fail('manifest.json must hold an object');
  if (m.contract !== CONTRACT) fail(`manifest contract is ${JSON.stringify(m.contract)}, this runtime reads "${CONTRACT}"`, 'BAD_CONTRACT');
  const str = (v: unknown, f: string) => (typeof v === 'string' && v.length > 0) || fail(`"${f}" must be a non-empty string`);
  const int = (v: unknown, f: string, min = 0) => (Number.isInteger(v) && (v as number) >= min) || fail(`"${f}" must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  str(m.name, 'name');
  str(m.graph, 'graph');
  str(m.tokenizer, 'tokenizer');
  int(m.vocabSize, 'vocabSize', 2);
  int(m.contextLength, 'contextLength', 4);
  if (typeof m.shiftedLogits !== 'boolean') fail('"shiftedLogits" must be true (Dream family) or false (LLaDA)');
  if (!m.tokens || typeof m.tokens !== 'object') fail('"tokens" must be an object with bos, eos, pad, mask, expand, stop');
  for (const k of ['bos', 'eos', 'pad', 'mask'] as const) {
    int(m.tokens[k], `tokens.${k}`);
    if (m.tokens[k] >= m.vocabSize) fail(`tokens.${k} = ${m.tokens[k]} is outside the vocabulary (vocabSize ${m.vocabSize})`, 'BAD_TOKEN_ID');
  }
  if (m.tokens.expand === undefined) m.tokens.expand = null;
  if (m.tokens.expand !== null) {
    int(m.tokens.expand, 'tokens.expand');
    if (m.tokens.expand >= m.vocabSize) fail(`tokens.expand = ${m.tokens.expand} is outside the vocabulary (vocabSize ${m.vocabSize})`, 'BAD_TOKEN_ID');
  }
  if (!Array.isArray(m.tokens.stop)) fail('"tokens.stop" must be an array of token ids');
  m.tokens.stop.forEach((id, i) => {
    int(id, `tokens.stop[${i}]`);
    if (id >= m.vocabSize) fail(`tokens.stop[${i}] = ${id} is outside the vocabulary (vocabSize ${m.vocabSize})`, 'BAD_TOKEN_ID');
  });
  if (m.tokens.stop.includes(m.tokens.mask)) fail('tokens.stop must not contain the mask id');
  if (!m.io || typeof m.io !== 'object') fail('"io" must name the graph\'s inputIds, positions and logits');
  str(m.io.inputIds, 'io.inputIds');
  str(m.io.positions, 'io.positions');
  str(m.io.logits, 'io.logits');
  if (m.sampler !== undefined && (typeof m.sampler !== 'object' || m.sampler === null)) fail('"sampler" must be an object');
  // A bad recommendation fails once, here, rather than every request that inherits it.
  try {
    resolveSampler(m.sampler, undefined);
  } catch (e) {
    fail(`the recommended "sampler" is invalid: ${(e as Error).message}`);
  }

  const inside = (name: string, field: string): string => {
    const p = resolve(dir, name);
    const rel = relative(dir, p);
    if (isAbsolute(name) || rel.startsWith('..')) fail(`"${field}" must name a file inside the model folder (got ${JSON.stringify(name)})`);
    return p;
  };
  const graphPath = inside(m.graph, 'graph');
  const tokenizerPath = inside(m.tokenizer, 'tokenizer');
  if (!existsSync(graphPath)) fail(`the graph ${m.graph} is missing`, 'MISSING_FILE');
  if (!existsSync(tokenizerPath)) fail(`the tokenizer ${m.tokenizer} is missing`, 'MISSING_FILE');
  let weightsBytes = statSync(graphPath).size;
  for (const extra of [graphPath + '.data', graphPath + '_data']) if (existsSync(extra)) weightsBytes += statSync(extra).size;
  let windowGraphPath: string | undefined;
  if (m.windowGraph !== undefined) {
    str(m.windowGraph, 'windowGraph');
    windowGraphPath = inside(m.windowGraph, 'windowGraph');
    if (!existsSync(windowGraphPath)) fail(`the window graph ${m.windowGraph} is missing`, 'MISSING_FILE');
  }
  let cardPath: string | undefined;
  if (typeof m.card === 'string' && m.card.length > 0) {
    const p = inside(m.card, 'card');
    if (existsSync(p)) cardPath = p;
  }
  return { manifest: m, graphPath, windowGraphPath, weightsBytes, tokenizerPath, cardPath };
}
