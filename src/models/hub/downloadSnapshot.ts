// Some files of one repository revision into the Hugging Face cache, one after the other, with one progress stream
// over all of them. Returns the snapshot folder (snapshots/<commit>/), which holds those files as the checkpoint
// readers expect a checkpoint folder to look.

import { throwIfAborted } from '../errors';
import { RepoCache } from './cacheLayout';
import { bytesOnDisk, fetchFile, type FetchedFile } from './fetchFile';
import type { HubSession, RemoteFile } from './hubSession';
import { ProgressMeter, type DownloadProgress } from './progressMeter';

export interface SnapshotResult {
  folder: string;
  files: (FetchedFile & { file: string })[];
  /** Bytes taken from the network (0 when everything was in the cache already). */
  fetchedBytes: number;
}

export async function downloadSnapshot(opts: {
  session: HubSession;
  cache: RepoCache;
  commit: string;
  /** The branch or tag asked for, recorded in refs/ (none when a commit sha was asked for). */
  revision?: string;
  files: RemoteFile[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}): Promise<SnapshotResult> {
  const { session, cache, commit, files, signal } = opts;
  const meter = new ProgressMeter(files.reduce((s, f) => s + f.size, 0));
  const out: SnapshotResult['files'] = [];
  let last = 0;
  for (const file of files) {
    throwIfAborted(signal);
    let counted = 0;
    const onBytes = (n: number) => {
      // The first call reports what was already on disk (a resume); later ones are network bytes.
      if (counted++ === 0) meter.found(n);
      else meter.fetchedBytes(n);
      const t = performance.now();
      if (opts.onProgress && t - last > 200) {
        last = t;
        opts.onProgress(meter.report(file.path));
      }
    };
    const r = await fetchFile(session, cache, commit, file, onBytes, signal);
    if (r.source !== 'network') meter.found(file.size);
    opts.onProgress?.(meter.report(file.path));
    out.push({ ...r, file: file.path });
  }
  // refs/<revision> as the HF tools write it, so they (and we, offline) find this snapshot by branch name.
  if (opts.revision) await cache.writeRef(opts.revision, commit);
  return { folder: cache.snapshotDir(commit), files: out, fetchedBytes: out.reduce((s, f) => s + f.fetchedBytes, 0) };
}

/** Bytes still to fetch for these files (what the free-space check needs). */
export async function bytesToFetch(cache: RepoCache, commit: string, files: RemoteFile[]): Promise<number> {
  let n = 0;
  for (const f of files) n += f.size - (await bytesOnDisk(cache, commit, f));
  return n;
}
