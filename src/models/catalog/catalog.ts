// The model catalog (catalog.json, the one table of models DiffuCode offers), read and checked, and what each row
// means on this machine: the folder size per dtype, the memory the engine's load-time estimate asks for, and the
// speed verdict of speedModel.ts. The editor's "Get a model…" and `diffucode pull <id>` both start here.

import { estimateMemory } from '../../engine/model/memory';
import { inputError } from '../errors';
import { parseRepoRef, COMMIT_SHA, unsafeRepoPath } from '../hub/names';
import raw from './catalog.json';
import { REFERENCE_GFLOPS, speedVerdict, type SpeedModelOptions, type SpeedVerdict } from './speedModel';

export type Dtype = 'int4' | 'int8' | 'fp16' | 'fp32';
export const DTYPES: readonly Dtype[] = ['int4', 'int8', 'fp16', 'fp32'];
export const FAMILIES = ['dream', 'llada', 'coda'] as const;
export type Family = (typeof FAMILIES)[number];

export interface CatalogLicense {
  /** SPDX id or the Hub's licence id. */
  id: string;
  name: string;
  url: string;
  /** Shown and accepted before the download starts (non-commercial or custom terms). */
  mustAccept: boolean;
}

export interface CatalogRow {
  id: string;
  label: string;
  repo: string;
  /** A commit sha when verified, else the branch the row follows. */
  revision: string;
  verified: boolean;
  evidence: string;
  format: 'safetensors' | 'gguf';
  /** gguf rows: the one file to fetch. */
  file?: string;
  family: Family;
  /** The config names a causal architecture although the weights are a bidirectional diffusion model. */
  assumeDream?: boolean;
  params: number;
  shape: { hiddenSize: number; intermediateSize: number; vocabSize: number; contextLength: number; tiedEmbeddings: boolean };
  downloadBytes: number;
  license: CatalogLicense;
  recommended?: boolean;
}

export interface Catalog {
  version: number;
  /** Bytes a weight in a converted folder: the blocks ('body') and the embedding table + output head ('head'). */
  bytesPerWeight: Record<Dtype, { body: number; head: number }>;
  /** Patterns of the files a safetensors checkpoint needs ('*' = any characters but '/'). */
  checkpointFiles: string[];
  models: CatalogRow[];
}

/** Every problem of a catalog table, one line each (empty = valid). */
export function catalogProblems(c: unknown): string[] {
  const p: string[] = [];
  const cat = c as Catalog;
  if (!cat || typeof cat !== 'object') return ['the catalog must be an object'];
  if (cat.version !== 1) p.push(`version must be 1, got ${JSON.stringify(cat.version)}`);
  for (const d of DTYPES) if (!(cat.bytesPerWeight?.[d]?.body > 0 && cat.bytesPerWeight[d].head > 0)) p.push(`bytesPerWeight.${d} needs positive body and head`);
  if (!Array.isArray(cat.checkpointFiles) || cat.checkpointFiles.some((f) => typeof f !== 'string' || unsafeRepoPath(f.replace(/\*/g, 'x'))))
    p.push('checkpointFiles must be safe file name patterns');
  if (!Array.isArray(cat.models) || cat.models.length === 0) return [...p, 'models must be a non-empty array'];
  const ids = new Set<string>();
  cat.models.forEach((m, i) => {
    const at = `models[${i}] (${m?.id ?? '?'})`;
    const bad = (msg: string) => p.push(`${at}: ${msg}`);
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(m?.id ?? '')) bad('id must be lower-case letters, digits, "." and "-"');
    if (ids.has(m.id)) bad('duplicate id');
    ids.add(m.id);
    if (typeof m.label !== 'string' || !m.label) bad('label is missing');
    try {
      parseRepoRef(`${m.repo}@${m.revision}`);
    } catch (e) {
      bad((e as Error).message);
    }
    if (m.verified === true && !COMMIT_SHA.test(m.revision)) bad('a verified row must pin a 40-hex commit sha');
    if (typeof m.verified !== 'boolean') bad('verified must be true or false');
    if (typeof m.evidence !== 'string' || m.evidence.length < 10) bad('evidence must say what was checked');
    if (m.format !== 'safetensors' && m.format !== 'gguf') bad('format must be safetensors or gguf');
    if (m.format === 'gguf' && (!m.file || !m.file.endsWith('.gguf') || unsafeRepoPath(m.file))) bad('a gguf row names its .gguf file');
    if (m.format === 'safetensors' && m.file !== undefined) bad('file is for gguf rows');
    if (!FAMILIES.includes(m.family)) bad(`family must be one of ${FAMILIES.join(', ')}`);
    if (m.assumeDream !== undefined && (typeof m.assumeDream !== 'boolean' || m.family !== 'dream')) bad('assumeDream is a boolean for dream rows');
    if (!Number.isSafeInteger(m.params) || m.params < 1e6) bad('params must be an integer count');
    const s = m.shape ?? ({} as CatalogRow['shape']);
    for (const k of ['hiddenSize', 'intermediateSize', 'vocabSize', 'contextLength'] as const) if (!Number.isSafeInteger(s[k]) || s[k] <= 0) bad(`shape.${k} must be a positive integer`);
    if (typeof s.tiedEmbeddings !== 'boolean') bad('shape.tiedEmbeddings must be true or false');
    else if (Number.isSafeInteger(m.params) && embeddingWeights(m) >= m.params) bad('params must count more than the embedding table and head');
    if (!Number.isSafeInteger(m.downloadBytes) || m.downloadBytes <= 0) bad('downloadBytes must be a positive integer');
    const l = m.license;
    if (!l || typeof l.id !== 'string' || typeof l.name !== 'string' || typeof l.mustAccept !== 'boolean' || !/^https:\/\//.test(l.url ?? '')) bad('license needs id, name, an https url and mustAccept');
  });
  return p;
}

function load(): Catalog {
  const problems = catalogProblems(raw);
  if (problems.length) throw inputError(`the model catalog is invalid: ${problems[0]}`, 'BAD_CATALOG');
  return raw as Catalog;
}

let cached: Catalog | undefined;
export function catalog(): Catalog {
  return (cached ??= load());
}

/** A catalog row by its id, or by its repo (and file, for a GGUF repo). */
export function findRow(idOrRepo: string, file?: string): CatalogRow | undefined {
  const rows = catalog().models;
  return rows.find((r) => r.id === idOrRepo) ?? rows.find((r) => r.repo.toLowerCase() === idOrRepo.toLowerCase() && (file ? r.file === file : r.format === 'safetensors'));
}

/** '*' matches any run of characters except '/'; everything else literally. */
export function matchesPattern(pattern: string, path: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
  return re.test(path);
}

/** Weights of the embedding table and the output head (one matrix when tied). */
export function embeddingWeights(row: Pick<CatalogRow, 'shape'>): number {
  return row.shape.vocabSize * row.shape.hiddenSize * (row.shape.tiedEmbeddings ? 1 : 2);
}

/** Folder size after conversion (bytes) at a dtype: the blocks at the dtype's bytes a weight, the embedding table
 *  and head at the head's (int4 folders keep an 8-bit head), per catalog.json's bytesPerWeight. */
export function folderBytes(row: Pick<CatalogRow, 'params' | 'shape'>, dtype: Dtype): number {
  const b = catalog().bytesPerWeight[dtype];
  const head = embeddingWeights(row);
  return Math.round((row.params - head) * b.body + head * b.head);
}

/** Memory the engine will ask for when it loads the converted folder (src/engine/model/memory.ts, CPU). */
export function ramBytes(row: Pick<CatalogRow, 'params' | 'shape'>, dtype: Dtype): number {
  return Math.round(
    estimateMemory(folderBytes(row, dtype), row.shape.vocabSize, row.shape.contextLength, { dtype, hiddenSize: row.shape.hiddenSize, intermediateSize: row.shape.intermediateSize }),
  );
}

export interface RowFacts {
  row: CatalogRow;
  downloadBytes: number;
  folderBytes: Record<Dtype, number>;
  ramBytes: Record<Dtype, number>;
  speed: SpeedVerdict;
}

/** Everything "Get a model…" shows for a row, at a measured GFLOP/s (default: the project's reference machine). */
export function rowFacts(row: CatalogRow, gflops = REFERENCE_GFLOPS, speed: SpeedModelOptions = {}): RowFacts {
  const per = (f: (d: Dtype) => number) => Object.fromEntries(DTYPES.map((d) => [d, f(d)])) as Record<Dtype, number>;
  return {
    row,
    downloadBytes: row.downloadBytes,
    folderBytes: per((d) => folderBytes(row, d)),
    ramBytes: per((d) => ramBytes(row, d)),
    speed: speedVerdict(row.params, gflops, speed),
  };
}
