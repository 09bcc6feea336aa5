// The models store: one folder of converted models, shared by the CLI (`diffucode pull`, `diffucode models`) and the
// extension ("Get a model…", "Select model…"). Where it is:
//
//   $DIFFUCODE_MODELS, else
//   Linux:   $XDG_CACHE_HOME/diffucode/models (default ~/.cache/diffucode/models)
//   macOS:   ~/Library/Caches/diffucode/models
//   Windows: %LOCALAPPDATA%\diffucode\models
//
// Each model is a folder <store>/<name>/ holding a diffucode-model/1 folder (manifest.json, graph, tokenizer).
// Installs are atomic: a model is built in a sibling `.partial-<name>-<pid>-<random>` folder and renamed into place
// when complete, so a half-written model is never listed or selectable; staging folders left by a process that died
// are removed by the next install. The store refuses symlinks (a link could make a "model" read or write anywhere)
// and names that would leave it.

import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, resolve, win32 } from 'node:path';
import { inputError } from '../errors';

export const STAGING_PREFIX = '.partial-';

export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  // The platform's own path rules (the same as node:path's there), so tests can check Windows paths anywhere.
  const p = platform === 'win32' ? win32 : posix;
  if (env.DIFFUCODE_MODELS) return p.resolve(env.DIFFUCODE_MODELS);
  const home = (platform === 'win32' ? env.USERPROFILE : undefined) || env.HOME || homedir();
  if (platform === 'win32') return p.join(env.LOCALAPPDATA || p.join(home, 'AppData', 'Local'), 'diffucode', 'models');
  if (platform === 'darwin') return p.join(home, 'Library', 'Caches', 'diffucode', 'models');
  return p.join(env.XDG_CACHE_HOME || p.join(home, '.cache'), 'diffucode', 'models');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// Names Windows cannot hold as a folder, on every OS alike (a store may be copied or synced): its device names,
// with or without an extension (CON, nul.txt, COM1), and a trailing dot, which Windows strips ("x." is "x").
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$|\.$/i;

/** A model's folder name in the store: refuses anything that is not one plain path segment of ours. */
export function checkModelName(name: string): string {
  if (!NAME.test(name) || name.includes('..') || name.startsWith(STAGING_PREFIX) || WINDOWS_RESERVED.test(name))
    throw inputError(`"${name}" is not a usable model name (letters, digits, ".", "_", "-"; one folder name)`, 'UNSAFE_NAME');
  return name;
}

/** The store name for a pulled model: "org--name[--file-stem]-dtype", e.g. apple--DiffuCoder-7B-cpGRPO-int4. */
export function modelNameFor(repo: string, dtype: string, file?: string): string {
  const stem = file ? '--' + file.replace(/^.*\//, '').replace(/\.gguf$/i, '') : '';
  const raw = `${repo.replace('/', '--')}${stem}-${dtype}`.replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.{2,}/g, '.');
  return checkModelName(raw.slice(0, 128));
}

export interface InstalledModel {
  /** The folder's name in the store (what "Select model…" shows). */
  name: string;
  /** manifest "name" (the model's own name). */
  modelName: string;
  family: string;
  dtype: string;
  /** Bytes of every file in the folder. */
  sizeBytes: number;
  folder: string;
  /** Where it came from (manifest provenance.source / repo), when recorded. */
  source?: string;
}

export interface StoreListing {
  models: InstalledModel[];
  /** One line per entry that was skipped (a symlink, a folder without a readable manifest). */
  problems: string[];
}

function isLink(st: Stats): boolean {
  return st.isSymbolicLink();
}

/** Bytes of a model folder; throws on a symlink anywhere inside it. */
function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = lstatSync(p);
    if (isLink(st)) throw inputError(`${p} is a symlink; the models store holds no links`, 'UNSAFE_STORE');
    n += st.isDirectory() ? folderBytes(p) : st.size;
  }
  return n;
}

/** The models in a store, each read from its manifest.json; staging folders and hidden entries are never listed. */
export function listInstalledModels(store: string = defaultStoreDir()): StoreListing {
  const out: StoreListing = { models: [], problems: [] };
  let names: string[];
  try {
    names = readdirSync(store).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const folder = join(store, name);
    try {
      const st = lstatSync(folder);
      if (isLink(st)) throw inputError(`${folder} is a symlink; the models store holds no links (remove it)`, 'UNSAFE_STORE');
      if (!st.isDirectory()) continue;
      const mf = join(folder, 'manifest.json');
      if (isLink(lstatSync(mf))) throw inputError(`${mf} is a symlink; the models store holds no links (remove it)`, 'UNSAFE_STORE');
      const m = JSON.parse(readFileSync(mf, 'utf8')) as { name?: string; family?: string; weights?: { dtype?: string }; provenance?: Record<string, unknown> };
      const prov = m.provenance ?? {};
      out.models.push({
        name,
        modelName: typeof m.name === 'string' ? m.name : name,
        family: typeof m.family === 'string' ? m.family : 'dream',
        dtype: typeof m.weights?.dtype === 'string' ? m.weights.dtype : 'fp32',
        sizeBytes: folderBytes(folder),
        folder,
        source: typeof prov.source === 'string' ? prov.source : typeof prov.repo === 'string' ? prov.repo : undefined,
      });
    } catch (e) {
      out.problems.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/** The store folder, created if missing; refused when it is itself a symlink. */
export async function openStore(store: string = defaultStoreDir()): Promise<string> {
  const dir = resolve(store);
  await mkdir(dir, { recursive: true });
  if (isLink(await lstat(dir))) throw inputError(`the models store ${dir} is a symlink; point DIFFUCODE_MODELS at the real folder`, 'UNSAFE_STORE');
  return dir;
}

/** Where a model of this name goes; refused when the name is unsafe. */
export function modelFolder(store: string, name: string): string {
  return join(store, checkModelName(name));
}

export async function isInstalled(store: string, name: string): Promise<boolean> {
  try {
    const st = await lstat(join(store, checkModelName(name)));
    if (isLink(st)) throw inputError(`${join(store, name)} is a symlink; the models store holds no links (remove it)`, 'UNSAFE_STORE');
    return st.isDirectory();
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return false;
    throw e;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Removes staging folders whose process is gone (or older than a week: a recycled pid). Returns their names. */
export async function cleanStaleStaging(store: string, maxAgeMs = 7 * 24 * 3600 * 1000): Promise<string[]> {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(store);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(/-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1]);
    const p = join(store, name);
    const st = await lstat(p).catch(() => undefined);
    if (!st) continue;
    const old = Date.now() - st.mtimeMs > maxAgeMs;
    if (!old && Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) continue;
    if (!old && pid === process.pid) continue;
    await rm(p, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** A new staging folder for `name` (never listed, never selectable). */
export async function stagingFolder(store: string, name: string): Promise<string> {
  const p = join(store, `${STAGING_PREFIX}${checkModelName(name)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(p);
  return p;
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Renames a finished model folder into place (atomic on one file system): `dest` is <store>/<name> or a --out
 *  folder. Refuses a folder that holds a symlink or has no manifest, and a destination that exists. */
export async function installFolder(built: string, dest: string): Promise<string> {
  folderBytes(built);
  await stat(join(built, 'manifest.json')).catch(() => {
    throw inputError('the converted folder has no manifest.json', 'CONVERT_FAILED');
  });
  if (await pathExists(dest)) throw inputError(`${dest} already exists; remove it or choose another name`, 'ALREADY_INSTALLED');
  await rename(built, dest);
  return dest;
}
