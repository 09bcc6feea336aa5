// The Hub, through the official client (@huggingface/hub): what a revision is (modelInfo: its commit, whether it is
// gated), which files it holds (listFiles: sizes, LFS sha256, Xet hashes), and a lazy Blob per file
// (fileDownloadInfo + downloadFile: plain resolve URLs and Xet-stored files alike; Blob.slice(start).stream() makes
// the Range request a resume needs). Every failure becomes one ModelError line: the client's own errors say
// "Api error with status 404. URL: ..." and lose the Hub's X-Error-Code, so the fetch handed to it records the
// last refusal and the reason a connection failed.

import { downloadFile, fileDownloadInfo, listFiles, modelInfo, type FileDownloadInfoOutput } from '@huggingface/hub';
import { cancelled, downloadError, inputError, ModelError } from '../errors';
import { checkRepoPath, COMMIT_SHA, type RepoRef } from './names';

export interface HubOptions {
  /** The Hub's base URL (default: HF_ENDPOINT, else https://huggingface.co; see hubConfig.ts). */
  endpoint: string;
  /** An access token ("hf_..."), for gated and private repos. */
  token?: string;
  signal?: AbortSignal;
  /** Another fetch (tests count requests with it); default: the global one. */
  fetch?: typeof fetch;
}

/** A file of a repository revision, as its tree states it (the bytes are checked against it). */
export interface RemoteFile {
  path: string;
  size: number;
  /** LFS files (weights): the sha256 of the content, also the name of its cache blob. */
  sha256?: string;
  /** Other files: the git blob sha1 (of "blob <size>\0" + content), also the name of its cache blob. */
  gitOid?: string;
  /** Stored with Xet: the client reconstructs the bytes from Xet chunks. */
  xet: boolean;
}

export interface RepoRevision {
  repo: string;
  /** What the user asked for (a branch, a tag, a sha), or 'main'. */
  revision: string;
  commit: string;
  gated: false | 'auto' | 'manual';
  files: RemoteFile[];
}

interface Refusal {
  status: number;
  code?: string;
  message?: string;
}

export class HubSession {
  private lastRefusal?: Refusal;
  private lastNetworkError?: string;
  private readonly baseFetch: typeof fetch;

  constructor(readonly opts: HubOptions) {
    this.baseFetch = opts.fetch ?? fetch;
  }

  /** The fetch the client gets: our cancel signal on every request, and a note of why a request failed. */
  readonly fetch: typeof fetch = async (input, init) => {
    const signal = this.opts.signal && init?.signal ? AbortSignal.any([this.opts.signal, init.signal]) : (this.opts.signal ?? init?.signal ?? undefined);
    let res: Response;
    try {
      res = await this.baseFetch(input, { ...init, signal });
    } catch (e) {
      if (this.opts.signal?.aborted) throw cancelled();
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      this.lastNetworkError = cause?.code ?? cause?.message ?? (e as Error).message;
      throw e;
    }
    if (!res.ok) this.lastRefusal = { status: res.status, code: res.headers.get('x-error-code') ?? undefined, message: res.headers.get('x-error-message') ?? undefined };
    return res;
  };

  /** The commit, gating and file list of a revision. */
  async resolve(ref: RepoRef): Promise<RepoRevision> {
    const revision = ref.revision ?? 'main';
    const info = await this.call(ref.repo, undefined, () =>
      modelInfo({ name: ref.repo, revision, hubUrl: this.opts.endpoint, accessToken: this.opts.token, fetch: this.fetch, additionalFields: ['sha'] }),
    );
    const commit = (info as { sha?: string }).sha;
    if (!commit || !COMMIT_SHA.test(commit)) throw downloadError(`the Hub gave no commit for ${ref.repo}@${revision}`, 'HTTP_ERROR');
    const files: RemoteFile[] = [];
    await this.call(ref.repo, undefined, async () => {
      for await (const e of listFiles({ repo: ref.repo, revision: commit, recursive: true, hubUrl: this.opts.endpoint, accessToken: this.opts.token, fetch: this.fetch })) {
        if (e.type !== 'file') continue;
        if (!Number.isSafeInteger(e.size) || e.size < 0) throw inputError(`the tree of ${ref.repo} gives ${e.path} an impossible size ${e.size}`, 'SIZE_MISMATCH', e.path);
        files.push({
          path: e.path,
          size: e.size,
          sha256: e.lfs?.oid,
          gitOid: e.lfs ? undefined : e.oid,
          xet: !!e.xetHash,
        });
      }
    });
    return { repo: ref.repo, revision, commit, gated: info.gated ?? false, files };
  }

  /** A lazy Blob of one file at a commit (no bytes are fetched until it is read), with the Hub's etag and size. */
  async open(repo: string, commit: string, path: string): Promise<{ blob: Blob; info: FileDownloadInfoOutput }> {
    checkRepoPath(path);
    const common = { repo, path, revision: commit, hubUrl: this.opts.endpoint, accessToken: this.opts.token, fetch: this.fetch };
    const info = await this.call(repo, path, () => fileDownloadInfo(common));
    if (!info) throw inputError(`${repo} has no file ${path} at ${commit.slice(0, 12)}`, 'FILE_NOT_FOUND', path);
    const blob = await this.call(repo, path, () => downloadFile({ ...common, downloadInfo: info }));
    if (!blob) throw inputError(`${repo} has no file ${path} at ${commit.slice(0, 12)}`, 'FILE_NOT_FOUND', path);
    return { blob, info };
  }

  /** Runs one client call and turns whatever it throws into a ModelError. */
  async call<T>(repo: string, file: string | undefined, fn: () => Promise<T>): Promise<T> {
    this.lastRefusal = undefined;
    this.lastNetworkError = undefined;
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e, repo, file);
    }
  }

  /** One line for a failure of the client (or of reading its stream: `reason` is what the stream was aborted with). */
  explain(e: unknown, repo: string, file?: string): ModelError {
    if (e instanceof ModelError) return e;
    if (this.opts.signal?.aborted) return cancelled();
    const page = `${this.opts.endpoint}/${repo}`;
    const r = this.lastRefusal;
    if (r) {
      if (r.code === 'GatedRepo' || ((r.status === 401 || r.status === 403) && !r.code))
        return inputError(
          this.opts.token
            ? `${repo} is gated and this token has no access: accept its terms on ${page} with the account the token belongs to`
            : `${repo} is gated: accept its terms on ${page}, then set HF_TOKEN to a token of that account`,
          'GATED',
          file,
        );
      if (r.code === 'RepoNotFound' || (r.status === 401 && r.code !== 'EntryNotFound'))
        return inputError(`no model ${repo} on ${this.opts.endpoint} (or it is private: set HF_TOKEN)`, 'REPO_NOT_FOUND');
      if (r.code === 'RevisionNotFound') return inputError(`${repo} has no such revision (branch, tag or commit)`, 'REVISION_NOT_FOUND');
      if (r.code === 'EntryNotFound') return inputError(`${repo} has no file ${file ?? ''}`.trim(), 'FILE_NOT_FOUND', file);
      if (r.status === 404) return inputError(`no model ${repo} on ${this.opts.endpoint}`, 'REPO_NOT_FOUND');
      return downloadError(`the Hub answered ${r.status}${r.message ? ` (${r.message})` : ''}${file ? ` for ${file}` : ` for ${repo}`}`, 'HTTP_ERROR', file);
    }
    if (this.lastNetworkError)
      return downloadError(`cannot reach the Hub at ${this.opts.endpoint} (${this.lastNetworkError})${file ? ` while fetching ${file}` : ''}; check the network, or HF_ENDPOINT`, 'OFFLINE', file);
    const msg = typeof e === 'string' ? e : ((e as Error)?.message ?? String(e));
    return downloadError(`${file ? `${file}: ` : ''}${msg.split('\n')[0]}`, 'HTTP_ERROR', file);
  }
}
