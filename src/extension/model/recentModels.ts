// The "recently used models" list behind "DiffuCode: Select model", and the one-line model summary its quick
// pick shows. Pure (no vscode): the command keeps the list in context.globalState, never in settings, so a
// workspace cannot plant entries that the user might pick by mistake.

import * as path from 'node:path';
import type { Manifest } from '../../engine/model/manifest';

/** globalState key. Not registered for Settings Sync: folder paths only mean something on this machine. */
export const RECENT_MODELS_KEY = 'diffucode.recentModels';
export const MAX_RECENT_MODELS = 5;

/** Same folder? Resolved paths; Windows and macOS paths compare case-insensitively, as their file systems do by
 *  default (NTFS; APFS unless formatted case-sensitive, an opt-in). */
export function sameFolder(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const fold = platform === 'win32' || platform === 'darwin';
  const norm = (s: string) => {
    const r = p.resolve(s);
    return fold ? r.toLowerCase() : r;
  };
  return norm(a) === norm(b);
}

/**
 * What was stored, cleaned: globalState holds whatever an older version (or a bug) wrote, so keep only
 * non-empty strings, first occurrence of each folder, at most `max`.
 */
export function sanitizeRecent(stored: unknown, max = MAX_RECENT_MODELS, platform: NodeJS.Platform = process.platform): string[] {
  if (!Array.isArray(stored)) return [];
  const out: string[] = [];
  for (const v of stored) {
    if (out.length >= max) break;
    if (typeof v !== 'string' || v.trim() === '') continue;
    if (out.some((o) => sameFolder(o, v, platform))) continue;
    out.push(v);
  }
  return out;
}

/** The list after `folder` was used: it moves (or is added) to the front; the oldest beyond `max` drop off. */
export function rememberModel(stored: unknown, folder: string, max = MAX_RECENT_MODELS, platform: NodeJS.Platform = process.platform): string[] {
  const rest = sanitizeRecent(stored, Number.POSITIVE_INFINITY, platform).filter((f) => !sameFolder(f, folder, platform));
  return [folder, ...rest].slice(0, max);
}

/**
 * The entries worth offering now: folders that still exist, minus the ones listed elsewhere in the pick
 * (`exclude`, e.g. the folder in use). Missing folders are only hidden, not forgotten: a drive that is not
 * mounted today may be back tomorrow, and `rememberModel`'s cap ages them out anyway.
 */
export function listRecent(
  stored: unknown,
  exists: (folder: string) => boolean,
  exclude: readonly string[] = [],
  platform: NodeJS.Platform = process.platform,
): string[] {
  return sanitizeRecent(stored, MAX_RECENT_MODELS, platform).filter(
    (f) => exists(f) && !exclude.some((x) => x !== '' && sameFolder(x, f, platform)),
  );
}

/** "name · family · vocab 151,936 · context 4,096 · 14.2 GB · licence", for a quick pick item's detail. */
export function modelSummary(manifest: Manifest, weightsBytes?: number): string {
  const parts = [
    manifest.name,
    manifest.family ?? 'family not stated',
    `vocab ${manifest.vocabSize.toLocaleString('en-US')}`,
    `context ${manifest.contextLength.toLocaleString('en-US')}`,
  ];
  if (weightsBytes !== undefined) parts.push(formatBytes(weightsBytes));
  parts.push(manifest.license ? `licence ${manifest.license}` : 'licence not stated');
  return parts.join(' · ');
}

/** Decimal units, one decimal place from MB up: enough to tell a 25 MB toy from a 15 GB 7B model. */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${Math.round(n / 1e3)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}
