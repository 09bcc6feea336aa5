// Names that come from the user (REPO[@REV]) or from the network (file paths in a repo tree, ETags that become blob
// file names): each is checked before it touches the file system. A repository is untrusted input: a tree entry
// named `../x`, `/etc/passwd` or `a\b` must never be joined onto a folder of ours.

import { inputError } from '../errors';

export interface RepoRef {
  /** "org/name" */
  repo: string;
  /** A branch, a tag or a commit sha; undefined = the repository's default branch. */
  revision?: string;
}

// The Hub's own rule for repo names (huggingface_hub validate_repo_id): letters, digits, '-', '_', '.', at most 96
// characters a part, no '--' or '..' anywhere, not starting or ending with '-' or '.'.
const PART = /^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9._-]{1,96}(?<![-.])$/;
// Branch and tag names: what git allows, minus anything that could change a URL path or a file name.
const REVISION = /^(?!.*\.\.)(?!\/)(?!.*\/\/)[A-Za-z0-9._\-/]{1,200}(?<!\/)$/;

export const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** Parses "org/name" or "org/name@revision" (a user's argument). */
export function parseRepoRef(text: string): RepoRef {
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length !== 2 || !parts.every((p) => PART.test(p)))
    throw inputError(`"${text}" is not a Hub model id: expected ORG/NAME or ORG/NAME@REVISION (e.g. apple/DiffuCoder-7B-cpGRPO)`, 'BAD_REPO_ID');
  if (revision !== undefined && !REVISION.test(revision)) throw inputError(`"${revision}" is not a branch, tag or commit name`, 'BAD_REPO_ID');
  return { repo, revision };
}

export function formatRepoRef(ref: RepoRef): string {
  return ref.revision ? `${ref.repo}@${ref.revision}` : ref.repo;
}

// One path segment of a repository file: printable, no separators or drive colons, not "." or "..", no trailing
// dot or space (Windows would silently drop them, making two names one file).
const SEGMENT = /^[A-Za-z0-9_\-+=@,()[\]. ]{1,200}$/;

/** Why a repository file path is refused, or undefined when it is safe to join onto a folder. */
export function unsafeRepoPath(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'an empty name';
  if (path.length > 1000) return 'a name longer than 1000 characters';
  if (path.includes('\\')) return 'a backslash in the name';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '..' || s === '.') return `a "${s}" path segment`;
    if (s === '') return 'an empty path segment';
    if (!SEGMENT.test(s) || /[. ]$/.test(s)) return `an odd character in "${s.replace(/[^\x20-\x7e]/g, '?')}"`;
  }
  return undefined;
}

export function checkRepoPath(path: string): string {
  const why = unsafeRepoPath(path);
  if (why) throw inputError(`refusing the repository file ${JSON.stringify(path)}: ${why}`, 'UNSAFE_NAME', path);
  return path;
}

/** An ETag as the cache names a blob by it: the git blob sha1 (40 hex) or the LFS sha256 (64 hex), quotes and a
 *  weak-validator prefix removed. Anything else is refused (it would become a file name). */
export function blobName(etag: string, file: string): string {
  const name = etag.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(name)) throw inputError(`the Hub sent an odd ETag for ${file}: ${JSON.stringify(etag.slice(0, 80))}`, 'UNSAFE_NAME', file);
  return name;
}
