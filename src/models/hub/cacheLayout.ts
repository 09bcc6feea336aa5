// The Hugging Face cache layout, shared with huggingface-cli / huggingface_hub / transformers, so a checkpoint any of
// them fetched is found here and not fetched again (and what we fetch serves them):
//
//   <cache>/models--<org>--<name>/blobs/<etag>              the bytes (LFS files: the sha256; others: the git sha1)
//   <cache>/models--<org>--<name>/blobs/<etag>.incomplete   a download in progress (we resume it with a Range request)
//   <cache>/models--<org>--<name>/snapshots/<commit>/<path> relative symlinks to ../../blobs/<etag>
//   <cache>/models--<org>--<name>/refs/<revision>           the commit a branch or tag pointed to
//
// Every path below is built from checked names only (names.ts): a repo file path, an etag, a revision.

import { lstat, mkdir, readFile, realpath, rename, stat, symlink, unlink, writeFile, copyFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkRepoPath, COMMIT_SHA } from './names';

export class RepoCache {
  readonly folder: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.folder = join(cacheDir, `models--${repo.split('/').join('--')}`);
  }

  blobPath(blob: string): string {
    return join(this.folder, 'blobs', blob);
  }

  incompletePath(blob: string): string {
    return this.blobPath(blob) + '.incomplete';
  }

  snapshotDir(commit: string): string {
    if (!COMMIT_SHA.test(commit)) throw new Error(`not a commit sha: ${commit}`);
    return join(this.folder, 'snapshots', commit);
  }

  snapshotPath(commit: string, path: string): string {
    return join(this.snapshotDir(commit), ...checkRepoPath(path).split('/'));
  }

  /** The commit a revision was last seen at (what the HF tools use offline), if recorded. */
  async readRef(revision: string): Promise<string | undefined> {
    if (revision.includes('..')) return undefined;
    try {
      const sha = (await readFile(join(this.folder, 'refs', ...revision.split('/')), 'utf8')).trim();
      return COMMIT_SHA.test(sha) ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit || revision.includes('..')) return;
    const p = join(this.folder, 'refs', ...revision.split('/'));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, commit);
  }

  /**
   * A snapshot file already in the cache with the expected size, or undefined. The link must resolve inside this
   * repo's folder: a cache someone tampered with cannot point us at an arbitrary file.
   */
  async cachedFile(commit: string, path: string, size: number): Promise<string | undefined> {
    const p = this.snapshotPath(commit, path);
    try {
      const st = await stat(p);
      if (!st.isFile() || st.size !== size) return undefined;
      const real = await realpath(p);
      const root = await realpath(this.folder);
      if (!real.startsWith(root + sep)) return undefined;
      return p;
    } catch {
      return undefined;
    }
  }

  async blobSize(blob: string): Promise<number | undefined> {
    try {
      const st = await lstat(this.blobPath(blob));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Points snapshots/<commit>/<path> at the blob (a relative symlink, as huggingface_hub writes it; a copy where
   *  the file system refuses symlinks, as huggingface_hub does on Windows without developer mode). */
  async link(commit: string, path: string, blob: string): Promise<string> {
    const p = this.snapshotPath(commit, path);
    await mkdir(dirname(p), { recursive: true });
    try {
      await unlink(p);
    } catch {
      /* absent */
    }
    const target = relative(dirname(p), this.blobPath(blob));
    try {
      await symlink(target, p);
    } catch {
      await copyFile(this.blobPath(blob), p + '.tmp');
      await rename(p + '.tmp', p);
    }
    return p;
  }
}
