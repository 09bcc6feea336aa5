// Reads and validates a model folder's manifest.json against the `diffucode-model/1` contract
// (docs/model-contract.md). Every problem is a clear EngineError naming the folder, the field and the fix. A file
// or folder the user may not read is reported as "permission denied: PATH", not as missing or as broken JSON.

import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { EngineError, type EngineErrorCode, type SamplerOptions } from '../types';
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
  /** Ghost-text defaults calibrated for this model: minConfidence = the confidence gate (0..1). */
  ghostText?: { minConfidence?: number };
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

/** A denied stat, open or read, as the one message users get for it (code PERMISSION_DENIED). */
export function permissionDenied(path: string): EngineError {
  return new EngineError(`permission denied: ${path}`, 'PERMISSION_DENIED');
}

const isDenied = (e: unknown) => ['EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException)?.code ?? '');

/** stat that tells "not there" (undefined) from "not allowed to look" (throws permission denied). */
function statOrMissing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if (isDenied(e)) throw permissionDenied(path);
    return undefined;
  }
}

/** A file the runtime will open later (graph, tokenizer): refuse now, by name, when it cannot be read. */
function mustRead(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    if (isDenied(e)) throw permissionDenied(path);
  }
}

export function readManifest(modelDir: string): ManifestFiles {
  const dir = resolve(modelDir);
  const fail = (msg: string, code: EngineErrorCode = 'BAD_MANIFEST'): never => {
    throw new EngineError(`model folder ${dir}: ${msg}`, code);
  };
  if (!statOrMissing(dir)?.isDirectory()) fail('does not exist or is not a folder', 'NO_MODEL');
  const path = join(dir, 'manifest.json');
  if (!statOrMissing(path)) fail('manifest.json is missing (is this a diffucode-model/1 folder?)', 'NO_MODEL');
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isDenied(e)) throw permissionDenied(path);
    fail(`manifest.json cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
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
  // The mask (and the expand token) must mean only themselves: a mask equal to bos would turn the canvas' first
  // token into a gap slot, and the model fills garbage. bos, eos and pad may coincide (Qwen-family models share
  // <|endoftext|>), and eos is normally also a stop token.
  const others: [string, number][] = [['bos', m.tokens.bos], ['eos', m.tokens.eos], ['pad', m.tokens.pad]];
  for (const [k, id] of others) if (id === m.tokens.mask) fail(`tokens.mask and tokens.${k} are both ${id}; the mask id must differ from every other special id`, 'BAD_TOKEN_ID');
  if (m.tokens.expand !== null) {
    for (const [k, id] of [...others, ['mask', m.tokens.mask] as [string, number]])
      if (id === m.tokens.expand) fail(`tokens.expand and tokens.${k} are both ${id}; the expand id must differ from every other special id`, 'BAD_TOKEN_ID');
    if (m.tokens.stop.includes(m.tokens.expand)) fail('tokens.stop must not contain the expand id');
  }
  if (!m.io || typeof m.io !== 'object') fail('"io" must name the graph\'s inputIds, positions and logits');
  str(m.io.inputIds, 'io.inputIds');
  str(m.io.positions, 'io.positions');
  str(m.io.logits, 'io.logits');
  if (m.sampler !== undefined && (typeof m.sampler !== 'object' || m.sampler === null)) fail('"sampler" must be an object');
  const gate = m.ghostText?.minConfidence;
  if (m.ghostText !== undefined && (typeof m.ghostText !== 'object' || m.ghostText === null)) fail('"ghostText" must be an object');
  if (gate !== undefined && !(typeof gate === 'number' && gate >= 0 && gate <= 1)) fail(`"ghostText.minConfidence" must be a number in [0, 1] (got ${JSON.stringify(gate)})`);
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
  const graphStat = statOrMissing(graphPath);
  if (!graphStat) fail(`the graph ${m.graph} is missing`, 'MISSING_FILE');
  if (!statOrMissing(tokenizerPath)) fail(`the tokenizer ${m.tokenizer} is missing`, 'MISSING_FILE');
  mustRead(graphPath);
  mustRead(tokenizerPath);
  let weightsBytes = graphStat!.size;
  for (const extra of [graphPath + '.data', graphPath + '_data']) {
    const st = statOrMissing(extra);
    if (!st) continue;
    mustRead(extra);
    weightsBytes += st.size;
  }
  let windowGraphPath: string | undefined;
  if (m.windowGraph !== undefined) {
    str(m.windowGraph, 'windowGraph');
    windowGraphPath = inside(m.windowGraph, 'windowGraph');
    if (!statOrMissing(windowGraphPath)) fail(`the window graph ${m.windowGraph} is missing`, 'MISSING_FILE');
    mustRead(windowGraphPath);
  }
  let cardPath: string | undefined;
  if (typeof m.card === 'string' && m.card.length > 0) {
    const p = inside(m.card, 'card');
    // The card is optional reading: an unreadable one is left out rather than refusing the model.
    try {
      if (statOrMissing(p)) cardPath = p;
    } catch {
      cardPath = undefined;
    }
  }
  return { manifest: m, graphPath, windowGraphPath, weightsBytes, tokenizerPath, cardPath };
}
