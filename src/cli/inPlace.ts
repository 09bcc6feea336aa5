// `fill --in-place`: write the filled text back into the user's file without changing anything else about it.
// - a symlink is written through (its target changes, the link stays a link);
// - a file whose mode has no owner write bit is refused, even for root, who could write it: the mode is the
//   user's statement that the file must not change; likewise a folder without one (FILE.bak goes there);
// - the original is first copied to FILE.bak, or FILE.bak.1, .2, ... when that exists: a backup is never
//   overwritten;
// - the new text goes to a temporary file that gets the original's mode and owner, then replaces it atomically;
//   where the owner cannot be kept (not root) or the file has other hard links, the text is written into the
//   original file itself, which keeps its inode, mode and owner (the backup covers a failed write);
// - a file that changed on disk while it was being filled is not written (the user's edit wins).

import {
  accessSync, chownSync, closeSync, constants, copyFileSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync,
  realpathSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileError } from './fileErrors';

export interface InPlaceTarget {
  /** The path the user gave. */
  path: string;
  /** The file that will be written (the symlink's target, or `path` itself). */
  target: string;
  stat: Stats;
}

const MAX_BACKUPS = 1000;
const mode = (st: Stats) => st.mode & 0o7777;
const octal = (st: Stats) => '0' + mode(st).toString(8);

/** Checks everything that can be checked before the (slow) fill; throws a one-line reason and changes nothing. */
export function prepareInPlace(path: string): InPlaceTarget {
  let target: string;
  let stat: Stats;
  try {
    target = realpathSync(path);
    stat = statSync(target);
  } catch (e) {
    throw fileError(e, path);
  }
  if (stat.isDirectory()) throw new Error(`${path} is a folder, not a file`);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file; --in-place writes only regular files (print the fill instead)`);
  const shown = isLink(path) ? `${path} (a link to ${target})` : path;
  if ((stat.mode & 0o200) === 0)
    throw new Error(`${shown} is read-only (mode ${octal(stat)}); nothing was changed. Make it writable (chmod u+w) or fill without --in-place`);
  try {
    accessSync(target, constants.W_OK);
  } catch {
    throw new Error(`permission denied: ${shown} is not writable by you; nothing was changed`);
  }
  const dir = dirname(target);
  const dirStat = statSync(dir);
  let dirWritable = (dirStat.mode & 0o200) !== 0;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    dirWritable = false;
  }
  if (!dirWritable) throw new Error(`permission denied: the folder ${dir} is read-only, so ${basename(target)}.bak cannot be kept there; nothing was changed`);
  return { path, target, stat };
}

export interface InPlaceWritten {
  backup: string;
  /** How the text went in: 'replaced' (atomic rename) or 'rewritten' (into the original inode). */
  how: 'replaced' | 'rewritten';
}

export function writeInPlace(t: InPlaceTarget, text: string): InPlaceWritten {
  let now: Stats;
  try {
    now = statSync(t.target);
  } catch (e) {
    throw fileError(e, t.path, 'write');
  }
  if (now.ino !== t.stat.ino || now.size !== t.stat.size || now.mtimeMs !== t.stat.mtimeMs)
    throw new Error(`${t.path} changed on disk while it was being filled; nothing was written (run the fill again)`);
  const backup = keepBackup(t);
  const how = now.nlink > 1 ? rewrite(t, text) : replace(t, text);
  return { backup, how };
}

/** FILE.bak, else the first free FILE.bak.N: COPYFILE_EXCL makes the choice race-free against another run. */
function keepBackup(t: InPlaceTarget): string {
  for (let n = 0; n <= MAX_BACKUPS; n++) {
    const name = n === 0 ? `${t.target}.bak` : `${t.target}.bak.${n}`;
    try {
      copyFileSync(t.target, name, constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw fileError(e, name, 'write');
    }
    keepOwner(() => chownSync(name, t.stat.uid, t.stat.gid), t.stat);
    return name;
  }
  throw new Error(`${t.path}: ${t.target}.bak through .bak.${MAX_BACKUPS} all exist; remove old backups first. Nothing was changed`);
}

/** Temp file with the original's mode and owner, then an atomic rename over the original. */
function replace(t: InPlaceTarget, text: string): InPlaceWritten['how'] {
  const tmp = join(dirname(t.target), `.${basename(t.target)}.diffucode-${process.pid}-${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode(t.stat));
  } catch (e) {
    throw fileError(e, tmp, 'write');
  }
  let ownerKept = true;
  try {
    writeSync(fd, text);
    fchmodSync(fd, mode(t.stat)); // the umask narrowed the mode given to open
    ownerKept = keepOwner(() => fchownSync(fd, t.stat.uid, t.stat.gid), t.stat);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw fileError(e, t.path, 'write');
  }
  closeSync(fd);
  if (!ownerKept) {
    unlinkSync(tmp);
    return rewrite(t, text);
  }
  renameSync(tmp, t.target);
  return 'replaced';
}

/** Writes into the original file (O_TRUNC keeps its inode, mode, owner and other hard links). */
function rewrite(t: InPlaceTarget, text: string): InPlaceWritten['how'] {
  try {
    writeFileSync(t.target, text);
  } catch (e) {
    throw fileError(e, t.path, 'write');
  }
  return 'rewritten';
}

/** Gives a new file the original's owner when it differs; false when that is not allowed (not root). */
function keepOwner(chown: () => void, st: Stats): boolean {
  if (typeof process.getuid !== 'function') return true;
  if (st.uid === process.getuid() && st.gid === process.getgid!()) return true;
  try {
    chown();
    return true;
  } catch {
    return false;
  }
}

/** Whether `path` itself is a symbolic link (for the message). */
export function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
