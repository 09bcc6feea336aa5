// File-system errors as one line a user can act on, instead of Node's raw "ENOENT: no such file or directory,
// open '...'" text. Used for every path the CLI reads or writes.

const REASONS: Record<string, (path: string) => string> = {
  ENOENT: (p) => `${p}: no such file`,
  EISDIR: (p) => `${p} is a folder, not a file`,
  ENOTDIR: (p) => `${p}: a part of the path is not a folder`,
  EACCES: (p) => `permission denied: ${p}`,
  EPERM: (p) => `permission denied: ${p}`,
  ELOOP: (p) => `${p}: too many levels of symbolic links (a link loop?)`,
  ENAMETOOLONG: (p) => `${p}: the path is too long`,
  ENOSPC: (p) => `${p}: no space left on the device`,
  EROFS: (p) => `${p} is on a read-only file system`,
};

/** One readable line for a failed file operation on `path`; `doing` says what was tried ("read", "write"). */
export function fileError(e: unknown, path: string, doing = 'read'): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason = code && REASONS[code];
  const err = new Error(reason ? reason(path) : `cannot ${doing} ${path}: ${(e as Error)?.message ?? String(e)}`);
  (err as Error & { code?: string }).code = code;
  return err;
}
