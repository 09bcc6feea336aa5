// The model folder is assembled under OUT.partial and renamed into place only when complete, so an interrupted or
// failed conversion never looks like a model (and never clobbers the folder it would replace until it succeeds).

import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { ConvertError } from './errors';

export const STAGING_SUFFIX = '.partial';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Checks OUT (it must not be, or contain, the source; a non-empty OUT needs force) and creates a fresh staging
 *  folder beside it. */
export function prepareStaging(out: string, force: boolean, source?: string): string {
  const outAbs = real(out);
  if (source) {
    const src = real(source);
    if (src === outAbs || src.startsWith(outAbs + sep)) {
      throw new ConvertError(`the output folder ${out} must not be or contain the checkpoint ${source}`);
    }
  }
  if (existsSync(out) && readdirSync(out).length > 0 && !force) {
    throw new ConvertError(`${out} exists and is not empty; pass --force to replace it`);
  }
  if (!existsSync(dirname(resolve(out)))) throw new ConvertError(`the parent folder of ${out} does not exist`);
  const staging = resolve(out) + STAGING_SUFFIX;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  return staging;
}

/** Moves the finished staging folder to OUT; a replaced OUT is removed only after the new one is in place. */
export function finishStaging(staging: string, out: string): void {
  const target = resolve(out);
  let old: string | undefined;
  if (existsSync(target)) {
    old = `${target}.old-${process.pid}`;
    renameSync(target, old);
  }
  try {
    renameSync(staging, target);
  } catch (e) {
    if (old) renameSync(old, target);
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

export function removeStaging(staging: string | undefined): void {
  if (staging && basename(staging).endsWith(STAGING_SUFFIX)) rmSync(staging, { recursive: true, force: true });
}
