// One repository file into the Hugging Face cache: reused when a snapshot or blob is already there, resumed from
// blobs/<etag>.incomplete with a Range request (bytes on disk are never fetched again), checked against the hash the
// tree states (sha256 for LFS files, the git blob sha1 for the rest) before it is renamed into place. A mismatch
// deletes the partial file and fails naming the file; an interruption keeps it for the next try.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cancelled, downloadError, inputError, ModelError } from '../errors';
import type { RepoCache } from './cacheLayout';
import type { HubSession, RemoteFile } from './hubSession';
import { blobName } from './names';

export interface FetchedFile {
  /** snapshots/<commit>/<path> */
  path: string;
  /** How the bytes got here. */
  source: 'snapshot' | 'blob' | 'network';
  /** Bytes taken from the network this time (a resume fetches only the rest). */
  fetchedBytes: number;
}

/** The cache's name for a file's blob, from the tree: its sha256 (LFS) or git sha1. */
export function expectedBlob(file: RemoteFile): string {
  const id = file.sha256 ?? file.gitOid;
  if (!id) throw inputError(`the Hub's tree gives no hash for ${file.path}; refusing a file that cannot be checked`, 'CHECKSUM', file.path);
  return blobName(id, file.path);
}

/** Bytes already on disk for a file (a finished blob counts fully), so the caller can size what is left. */
export async function bytesOnDisk(cache: RepoCache, commit: string, file: RemoteFile): Promise<number> {
  if (await cache.cachedFile(commit, file.path, file.size)) return file.size;
  const blob = expectedBlob(file);
  if ((await cache.blobSize(blob)) === file.size) return file.size;
  try {
    const n = (await stat(cache.incompletePath(blob))).size;
    return n <= file.size ? n : 0;
  } catch {
    return 0;
  }
}

function newHash(file: RemoteFile): Hash {
  if (file.sha256) return createHash('sha256');
  // git's blob id: sha1 over a "blob <size>\0" header and the content.
  return createHash('sha1').update(`blob ${file.size}\0`);
}

async function hashExisting(path: string, hash: Hash, signal?: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (signal?.aborted) throw cancelled();
    hash.update(chunk as Buffer);
  }
}

/** The file's lazy Blob, after checking that the Hub's etag and size are the tree's. */
async function openChecked(session: HubSession, cache: RepoCache, commit: string, file: RemoteFile, blob: string): Promise<Blob> {
  const { blob: remote, info } = await session.open(cache.repo, commit, file.path);
  if (blobName(info.etag, file.path) !== blob)
    throw downloadError(`${file.path} changed on the Hub while it was being fetched (etag ${info.etag.slice(0, 16)}… is not the tree's); try again`, 'CHECKSUM', file.path);
  if (info.size !== file.size)
    throw inputError(`refusing ${file.path}: the Hub offers ${info.size} bytes where the repository tree states ${file.size}`, 'SIZE_MISMATCH', file.path);
  return remote;
}

/** Bytes of a partial download to resume from: its length, or 0 (and the file removed) when it is longer than the
 *  file can be (not the start of this file). */
async function bytesAlreadyThere(partial: string, size: number): Promise<number> {
  const have = await stat(partial).then((st) => st.size, () => 0);
  if (have <= size) return have;
  await unlink(partial);
  return 0;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The first `n` bytes of a file (a GGUF's metadata, judged before the rest is fetched): from the cache when there,
 * else fetched with a Range request and kept as the start of blobs/<etag>.incomplete, so fetchFile resumes after
 * them and no byte is fetched twice.
 */
export async function readPrefix(session: HubSession, cache: RepoCache, commit: string, file: RemoteFile, n: number): Promise<Uint8Array> {
  const want = Math.min(n, file.size);
  const blob = expectedBlob(file);
  const done = (await cache.cachedFile(commit, file.path, file.size)) ?? ((await cache.blobSize(blob)) === file.size ? cache.blobPath(blob) : undefined);
  if (done) return readHead(done, want);
  const partial = cache.incompletePath(blob);
  const have = await bytesAlreadyThere(partial, file.size);
  if (have < want) {
    const remote = await openChecked(session, cache, commit, file, blob);
    let rest: Uint8Array;
    try {
      rest = new Uint8Array(await remote.slice(have, want).arrayBuffer());
    } catch (e) {
      throw session.explain(e, cache.repo, file.path);
    }
    if (rest.length !== want - have) throw downloadError(`${file.path}: the Hub sent ${rest.length} bytes for a ${want - have}-byte range`, 'SIZE_MISMATCH', file.path);
    await mkdir(dirname(partial), { recursive: true });
    const out = await open(partial, 'a');
    try {
      await out.write(rest);
    } finally {
      await out.close();
    }
  }
  return readHead(partial, want);
}

export async function fetchFile(
  session: HubSession,
  cache: RepoCache,
  commit: string,
  file: RemoteFile,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<FetchedFile> {
  const reused = await cache.cachedFile(commit, file.path, file.size);
  if (reused) return { path: reused, source: 'snapshot', fetchedBytes: 0 };
  const blob = expectedBlob(file);
  if ((await cache.blobSize(blob)) === file.size) return { path: await cache.link(commit, file.path, blob), source: 'blob', fetchedBytes: 0 };

  const remote = await openChecked(session, cache, commit, file, blob);

  const partial = cache.incompletePath(blob);
  await mkdir(dirname(partial), { recursive: true });
  const have = await bytesAlreadyThere(partial, file.size);
  const hash = newHash(file);
  if (have > 0) await hashExisting(partial, hash, signal);
  onBytes(have);

  let written = have;
  let fetched = 0;
  if (have < file.size) {
    const out = await open(partial, 'a');
    try {
      const stream = (have > 0 ? remote.slice(have) : remote).stream();
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
        if (signal?.aborted) throw cancelled();
        if (written + chunk.length > file.size) {
          await out.close().catch(() => undefined);
          await unlink(partial).catch(() => undefined);
          throw inputError(`refusing ${file.path}: the server sent more than the ${file.size} bytes the repository tree states`, 'SIZE_MISMATCH', file.path);
        }
        hash.update(chunk);
        await out.write(chunk);
        written += chunk.length;
        fetched += chunk.length;
        onBytes(chunk.length);
      }
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw session.explain(e, cache.repo, file.path);
    } finally {
      await out.close().catch(() => undefined);
    }
  }
  if (written !== file.size)
    throw downloadError(`${file.path}: the connection ended after ${written} of ${file.size} bytes (run the same command again to resume)`, 'HTTP_ERROR', file.path);
  const digest = hash.digest('hex');
  if (digest !== blob) {
    await unlink(partial).catch(() => undefined);
    throw downloadError(`${file.path} failed its checksum (${file.sha256 ? 'sha256' : 'git sha1'} ${digest.slice(0, 16)}… instead of ${blob.slice(0, 16)}…); the partial download was deleted, run the command again`, 'CHECKSUM', file.path);
  }
  await rename(partial, cache.blobPath(blob));
  return { path: await cache.link(commit, file.path, blob), source: 'network', fetchedBytes: fetched };
}
