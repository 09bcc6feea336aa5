// Free disk space, checked before a download or a conversion starts: a 15 GB download that fails at 14 GB on a full
// disk wastes an hour and leaves the disk full. The folder may not exist yet (a first download): the nearest
// existing parent is asked.

import { stat, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { inputError } from './errors';
import { formatBytes } from './hub/progressMeter';

export type FreeBytes = (path: string) => Promise<number>;

async function existingAncestor(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    try {
      await stat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** Bytes an unprivileged user may still write under `path` (statfs bavail x bsize). */
export const freeBytes: FreeBytes = async (path) => {
  const s = await statfs(await existingAncestor(path));
  return Number(s.bavail) * Number(s.bsize);
};

/** The device a path (or its nearest existing parent) lives on, so two needs on one disk are added up. */
export async function deviceOf(path: string): Promise<number> {
  return (await stat(await existingAncestor(path))).dev;
}

export interface SpaceNeed {
  path: string;
  bytes: number;
  what: string;
}

/** Refuses, in one line, when the needs on some disk exceed its free space (with a 1 % + 64 MB margin). */
export async function checkSpace(needs: SpaceNeed[], free: FreeBytes = freeBytes): Promise<void> {
  const byDevice = new Map<number, SpaceNeed[]>();
  for (const n of needs) {
    if (n.bytes <= 0) continue;
    const dev = await deviceOf(n.path);
    byDevice.set(dev, [...(byDevice.get(dev) ?? []), n]);
  }
  for (const group of byDevice.values()) {
    const need = group.reduce((s, n) => s + n.bytes, 0);
    const avail = await free(group[0].path);
    const margin = need * 0.01 + 64e6;
    if (need + margin > avail)
      throw inputError(
        `not enough disk space: ${group.map((n) => `${n.what} needs ${formatBytes(n.bytes)}`).join(' and ')} on the disk of ${group[0].path}, which has ${formatBytes(avail)} free`,
        'NO_SPACE',
      );
  }
}
