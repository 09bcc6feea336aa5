// Getting a model, start to finish: a catalog row or a bare REPO[@REV] (+ a .gguf file) -> the revision's commit and
// file list -> refusals that need no weights (unknown repo, gated without a token, not a diffusion model, a licence
// not accepted, not enough disk) -> the files into the Hugging Face cache (resumed, checked) -> the converter into
// a staging folder beside the destination -> renamed into place. A failure at any step leaves no model folder
// behind (the cache keeps verified blobs and a resumable .incomplete, as the HF tools do).
//
// Used by `diffucode pull` (src/cli/pull.ts) and the editor's "Get a model…"; both pass callbacks for progress and
// licence acceptance and an AbortSignal to cancel.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { catalog, DTYPES, findRow, folderBytes, matchesPattern, type CatalogLicense, type CatalogRow, type Dtype } from './catalog/catalog';
import { convertStep, type ConvertFn } from './convertStep';
import { checkSpace, type FreeBytes } from './diskSpace';
import { cancelled, inputError, ModelError, throwIfAborted } from './errors';
import { RepoCache } from './hub/cacheLayout';
import { bytesToFetch, downloadSnapshot } from './hub/downloadSnapshot';
import { fetchFile, readPrefix } from './hub/fetchFile';
import { readGgufHeader } from './hub/ggufHeader';
import { hubCacheDir, hubEndpoint, hubToken } from './hub/hubConfig';
import { HubSession, type RemoteFile, type RepoRevision } from './hub/hubSession';
import { checkRepoPath, COMMIT_SHA, formatRepoRef, parseRepoRef, type RepoRef } from './hub/names';
import type { DownloadProgress } from './hub/progressMeter';
import { cardLicense, judgeConfig, judgeGgufHeader, licenseNeedsAcceptance } from './judgeCheckpoint';
import { cleanStaleStaging, defaultStoreDir, installFolder, isInstalled, modelNameFor, openStore, pathExists, stagingFolder } from './store/modelStore';

export type { ConvertFn };

/** Bytes of a GGUF read before deciding to fetch the rest: general.* and the architecture's keys come first. */
const GGUF_PREFIX_BYTES = 256 * 1024;

export type PullProgress =
  | { stage: 'resolve'; repo: string }
  | ({ stage: 'download' } & DownloadProgress)
  | { stage: 'convert'; done: number; total: number; what: string }
  | { stage: 'done'; folder: string };

export interface LicenseQuestion {
  repo: string;
  license: CatalogLicense;
}

export interface PullOptions {
  /** A catalog id (diffucoder-7b-cpgrpo) or a Hub repo, ORG/NAME[@REVISION]. */
  model: string;
  /** A .gguf file of the repo to convert (instead of its safetensors checkpoint). */
  file?: string;
  dtype?: Dtype;
  /** Write the model folder here instead of into the models store. */
  out?: string;
  /** The models store (default: src/models/store/modelStore.ts defaultStoreDir). */
  store?: string;
  /** Access token; default HF_TOKEN. */
  token?: string;
  /** Treat a Qwen2 config as a Dream diffusion model (catalog rows that need it say so themselves). */
  assumeDream?: boolean;
  /** Asked before downloading a model whose licence must be accepted; resolve true to go on. */
  acceptLicense?: (q: LicenseQuestion) => Promise<boolean>;
  /** The conversion step (default: convertModel in this process; the editor passes convertInChild). */
  convert?: ConvertFn;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  /** Environment for HF_ENDPOINT / HF_TOKEN / HF_HUB_CACHE / DIFFUCODE_MODELS (default process.env). */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  freeBytes?: FreeBytes;
}

export interface PullResult {
  folder: string;
  /** The store name (or the --out folder's name). */
  name: string;
  repo: string;
  commit?: string;
  /** The Hugging Face cache snapshot the model was converted from. */
  snapshot?: string;
  /** Bytes taken from the network (0 when the cache had every file). */
  fetchedBytes: number;
  /** The model was already in the store: nothing was downloaded or converted. */
  alreadyInstalled: boolean;
}

interface Request {
  ref: RepoRef;
  row?: CatalogRow;
  file?: string;
  dtype: Dtype;
  assumeDream: boolean;
}

function request(opts: PullOptions): Request {
  const dtype = opts.dtype ?? 'int4';
  if (!DTYPES.includes(dtype)) throw inputError(`unsupported dtype "${dtype}": one of ${DTYPES.join(', ')}`, 'BAD_REPO_ID');
  const [head, rev] = opts.model.split('@');
  const row = findRow(head, opts.file) ?? (opts.file ? undefined : findRow(head));
  if (!row && !head.includes('/')) throw inputError(`"${opts.model}" is neither a catalog model (${catalog().models.map((r) => r.id).join(', ')}) nor ORG/NAME`, 'BAD_REPO_ID');
  const ref = row ? parseRepoRef(`${row.repo}@${rev ?? row.revision}`) : parseRepoRef(opts.model);
  const file = opts.file ?? row?.file;
  if (file !== undefined) {
    checkRepoPath(file);
    if (!file.toLowerCase().endsWith('.gguf')) throw inputError(`--file takes a .gguf file (got ${file})`, 'BAD_REPO_ID');
  }
  return { ref, row: row && (row.format === 'gguf') === (file !== undefined) ? row : undefined, file, dtype, assumeDream: !!(opts.assumeDream || row?.assumeDream) };
}

/** The files of a revision a conversion reads: the .gguf asked for, or the checkpoint's config, tokenizer, shards. */
export function selectFiles(rev: RepoRevision, file?: string): RemoteFile[] {
  for (const f of rev.files) checkRepoPath(f.path);
  if (file) {
    const hit = rev.files.find((f) => f.path === file);
    if (!hit) {
      const ggufs = rev.files.filter((f) => f.path.endsWith('.gguf')).map((f) => f.path);
      throw inputError(`${rev.repo} has no file ${file}${ggufs.length ? ` (its GGUF files: ${ggufs.slice(0, 8).join(', ')})` : ''}`, 'FILE_NOT_FOUND', file);
    }
    // The model card and licence files beside it: the converter reads the licence from them.
    return [hit, ...rev.files.filter((f) => f.path === 'README.md' || matchesPattern('LICENSE*', f.path))];
  }
  const pick = rev.files.filter((f) => catalog().checkpointFiles.some((p) => matchesPattern(p, f.path)));
  if (!pick.some((f) => f.path === 'config.json')) {
    const ggufs = rev.files.filter((f) => f.path.endsWith('.gguf')).map((f) => f.path);
    if (ggufs.length) throw inputError(`${rev.repo} holds GGUF files; choose one with --file (${ggufs.slice(0, 8).join(', ')})`, 'NO_WEIGHTS');
    throw inputError(`${rev.repo} has no config.json: not a Hugging Face model checkpoint`, 'NOT_DIFFUSION');
  }
  if (!pick.some((f) => f.path.endsWith('.safetensors')))
    throw inputError(`${rev.repo} has no .safetensors weights (PyTorch .bin files are not read: they can run code when loaded)`, 'NO_WEIGHTS');
  return pick;
}

/** Bytes the converted folder will take: from the catalog when the row is known, else from the source's size. */
function folderEstimate(req: Request, files: RemoteFile[], torchDtype?: string): number {
  if (req.row) return folderBytes(req.row, req.dtype);
  const bpp = catalog().bytesPerWeight[req.dtype].body;
  const weights = files.filter((f) => /\.(safetensors|gguf)$/.test(f.path)).reduce((s, f) => s + f.size, 0);
  // bytes a stored weight: bf16/fp16 checkpoints 2, fp32 4, GGUF files from ~0.56 (Q4) up: assume the smallest.
  const stored = req.file ? 0.56 : torchDtype === 'float32' ? 4 : 2;
  return (weights / stored) * bpp;
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const env = opts.env ?? process.env;
  const req = request(opts);
  const endpoint = hubEndpoint(env);
  const token = hubToken(opts.token, env);
  const signal = opts.signal;
  const name = modelNameFor(req.ref.repo, req.dtype, req.file);
  // Where the model goes: the store (shared with the editor) or --out.
  const store = opts.out ? undefined : await openStore(opts.store ?? defaultStoreDir(env));
  const dest = opts.out ? resolve(opts.out) : join(store!, name);
  const stageRoot = opts.out ? dirname(dest) : store!;
  if (opts.out) await mkdir(stageRoot, { recursive: true });
  if (store && (await isInstalled(store, name))) {
    opts.onProgress?.({ stage: 'done', folder: dest });
    return { folder: dest, name, repo: req.ref.repo, fetchedBytes: 0, alreadyInstalled: true };
  }
  if (opts.out && (await pathExists(dest)))
    throw inputError(`${dest} already exists; remove it or choose another --out`, 'ALREADY_INSTALLED');

  // A licence the user must accept is asked about before anything is fetched.
  if (req.row?.license.mustAccept) await askLicense(opts, req.ref.repo, req.row.license);

  opts.onProgress?.({ stage: 'resolve', repo: formatRepoRef(req.ref) });
  const session = new HubSession({ endpoint, token, signal, fetch: opts.fetch });
  const rev = await session.resolve(req.ref);
  if (rev.gated && !token)
    throw inputError(`${rev.repo} is gated: accept its terms on ${endpoint}/${rev.repo}, then set HF_TOKEN to a token of that account`, 'GATED');
  const files = selectFiles(rev, req.file);
  const cache = new RepoCache(hubCacheDir(env), rev.repo);
  const revisionName = COMMIT_SHA.test(rev.revision) ? undefined : rev.revision;

  // The small files first: they decide whether the weights are worth fetching.
  let torchDtype: string | undefined;
  if (!req.file) {
    const cfgFile = files.find((f) => f.path === 'config.json')!;
    const got = await fetchFile(session, cache, rev.commit, cfgFile, () => undefined, signal);
    let config: unknown;
    try {
      config = JSON.parse(await readFile(got.path, 'utf8'));
    } catch {
      throw inputError(`${rev.repo}: config.json is not valid JSON`, 'NOT_DIFFUSION', 'config.json');
    }
    judgeConfig(config, rev.repo, req.assumeDream);
    torchDtype = (config as { torch_dtype?: string }).torch_dtype;
  }
  if (req.file) {
    // A GGUF's first metadata says whether it is a diffusion model: judged before its gigabytes are fetched.
    const gguf = files.find((f) => f.path === req.file)!;
    judgeGgufHeader(readGgufHeader(await readPrefix(session, cache, rev.commit, gguf, GGUF_PREFIX_BYTES)), rev.repo, gguf.path);
  }
  let license = req.row?.license.id;
  const readme = files.find((f) => f.path === 'README.md');
  if (!req.row && readme) {
    const got = await fetchFile(session, cache, rev.commit, readme, () => undefined, signal);
    license = cardLicense(await readFile(got.path, 'utf8'));
    if (licenseNeedsAcceptance(license)) await askLicense(opts, rev.repo, { id: license!, name: license!, url: `${endpoint}/${rev.repo}`, mustAccept: true });
  }

  const toFetch = await bytesToFetch(cache, rev.commit, files);
  await checkSpace(
    [
      { path: cache.folder, bytes: toFetch, what: 'the download' },
      { path: stageRoot, bytes: folderEstimate(req, files, torchDtype), what: 'the converted model' },
    ],
    opts.freeBytes,
  );

  throwIfAborted(signal);
  const snap = await downloadSnapshot({
    session,
    cache,
    commit: rev.commit,
    revision: revisionName,
    files,
    signal,
    onProgress: (p) => opts.onProgress?.({ stage: 'download', ...p }),
  });

  // Convert into a staging folder beside the destination; only a finished folder is renamed into place.
  if (store) await cleanStaleStaging(store);
  const staging = await stagingFolder(stageRoot, name);
  try {
    const source = req.file ? join(snap.folder, ...req.file.split('/')) : snap.folder;
    const built = await (opts.convert ?? convertStep)({
      source,
      out: join(staging, 'model'),
      dtype: req.dtype,
      name,
      assumeDream: req.assumeDream || undefined,
      license,
      signal,
      onProgress: (p) => opts.onProgress?.({ stage: 'convert', done: p.done, total: p.total, what: p.what }),
    });
    throwIfAborted(signal);
    await recordSource(built.folder, rev, req.file);
    const folder = await installFolder(built.folder, dest);
    opts.onProgress?.({ stage: 'done', folder });
    return { folder, name: opts.out ? basename(dest) : name, repo: rev.repo, commit: rev.commit, snapshot: snap.folder, fetchedBytes: snap.fetchedBytes, alreadyInstalled: false };
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    if (e instanceof ModelError) throw e;
    const msg = (e as Error)?.message ?? String(e);
    // The converter's refusals (ConvertError, the readers' InputError) are bad input; anything else failed on the way.
    if (['ConvertError', 'InputError'].includes((e as Error)?.name)) throw inputError(msg.split('\n')[0], 'CONVERT_FAILED');
    if ((e as Error)?.name === 'AbortError') throw cancelled();
    throw new ModelError(`conversion failed: ${msg.split('\n')[0]}`, 'CONVERT_FAILED', 'failed');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function askLicense(opts: PullOptions, repo: string, license: CatalogLicense): Promise<void> {
  const ok = opts.acceptLicense ? await opts.acceptLicense({ repo, license }) : false;
  if (!ok) throw inputError(`${repo} is under ${license.name} (${license.url}); read it and accept it to download (CLI: --accept-license)`, 'LICENCE_DECLINED');
}

/** Where the folder came from, in its manifest (the store lists it; the model card already names the source). */
async function recordSource(folder: string, rev: RepoRevision, file?: string): Promise<void> {
  const path = join(folder, 'manifest.json');
  const m = JSON.parse(await readFile(path, 'utf8')) as { provenance?: Record<string, unknown> };
  m.provenance = { ...(m.provenance ?? {}), source: `hf:${rev.repo}@${rev.commit}${file ? `/${file}` : ''}`, hub: { repo: rev.repo, revision: rev.revision, commit: rev.commit, ...(file ? { file } : {}) } };
  await writeFile(path, JSON.stringify(m, null, 2) + '\n');
}
