// A local stand-in of the Hugging Face Hub's download API, for tests (node:http, no network). It answers the calls
// @huggingface/hub makes, with the Hub's headers and error codes (research/hub-download.md):
//
//   GET /api/models/{org}/{name}/revision/{rev}      model info: id, sha, gated, siblings
//   GET /api/models/{org}/{name}/tree/{rev}[/{dir}]   file entries (oid, size, lfs {oid, size, pointerSize}),
//                                                     paginated with a Link: <...>; rel="next" header
//   GET /{org}/{name}/resolve/{rev}/{path}           small files: 200/206 with ETag = git sha1 and X-Repo-Commit;
//                                                     LFS files: 302 to /cdn/{sha256} with X-Linked-Etag,
//                                                     X-Linked-Size, X-Repo-Commit
//   GET /cdn/{sha256}                                 the bytes, honouring Range (206 + Content-Range)
//
// Errors as the Hub sends them: 401 + X-Error-Code GatedRepo (gated repo, no or wrong token), 401/404 RepoNotFound,
// 404 RevisionNotFound / EntryNotFound. Tests read what was fetched from `served` (content bytes per repo file) and
// `log` (every request with its Range), and can cut a transfer mid-file (`cutAfter`) or serve bytes that differ
// from the tree (`tamper`).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface StandInRepo {
  /** Repository path -> content. Names are served as given (a test may add hostile ones). */
  files: Map<string, Buffer>;
  gated?: false | 'auto' | 'manual';
  /** The commit every revision of this repo resolves to (default: a hash of the content). */
  commit?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  status: number;
  auth: boolean;
}

const LFS_MIN = 1024;
const isLfs = (path: string, size: number) => size >= LFS_MIN || /\.(safetensors|gguf|bin|onnx)$/.test(path);
const gitOid = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under `dir`, keyed by its repository path. */
export function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join('/'), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

export class HubStandIn {
  readonly served = new Map<string, number>();
  readonly log: LoggedRequest[] = [];
  /** Tokens that may read gated repos. */
  tokens = new Set<string>();
  /** Entries per tree page (small, so pagination is exercised). */
  pageSize = 3;
  /** "org/name/path" -> close the connection after this many content bytes of that file (once). */
  cutAfter = new Map<string, number>();
  /** "org/name/path" -> send that file in 16 kB pieces this many ms apart (a slow link, to interrupt mid-file). */
  slow = new Map<string, number>();
  /** "org/name/path" -> the bytes served instead of the file's (the tree still states the original). */
  tamper = new Map<string, Buffer>();
  private server!: Server;
  url = '';

  constructor(readonly repos: Map<string, StandInRepo>) {}

  static async start(repos: Map<string, StandInRepo> | Record<string, StandInRepo>): Promise<HubStandIn> {
    const hub = new HubStandIn(repos instanceof Map ? repos : new Map(Object.entries(repos)));
    hub.server = createServer((req, res) => hub.handle(req, res));
    await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
    hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    return hub;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Content bytes served for one repository file. */
  bytesServed(repo: string, path: string): number {
    return this.served.get(`${repo}/${path}`) ?? 0;
  }

  commitOf(repo: string): string {
    const r = this.repos.get(repo)!;
    if (r.commit) return r.commit;
    const h = createHash('sha1');
    for (const [p, b] of [...r.files].sort(([a], [b]) => a.localeCompare(b))) h.update(p).update(gitOid(b));
    return h.digest('hex');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const auth = req.headers.authorization?.replace(/^Bearer /, '');
    const entry: LoggedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), range: req.headers.range, status: 0, auth: !!auth };
    this.log.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(text);
    };
    const fail = (status: number, code: string, message: string) => send(status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(entry.path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(entry.path);
    const cdn = /^\/cdn\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoName = api?.[1] ?? resolve?.[1];
    const repo = repoName ? this.repos.get(repoName) : undefined;
    if (repoName && !repo) return fail(auth ? 404 : 401, 'RepoNotFound', 'Repository not found');
    const revision = api?.[3] ?? resolve?.[2];
    if (repo && revision && !['main', 'HEAD', this.commitOf(repoName!)].includes(revision)) return fail(404, 'RevisionNotFound', 'Invalid rev id: ' + revision);

    if (api && repo) {
      const commit = this.commitOf(repoName!);
      if (api[2] === 'revision')
        return send(200, {
          _id: `standin-${repoName}`,
          id: repoName,
          sha: commit,
          private: false,
          gated: repo.gated ?? false,
          downloads: 0,
          likes: 0,
          lastModified: '2026-01-01T00:00:00.000Z',
          siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
        });
      if (repo.gated && !this.tokens.has(auth ?? '')) return fail(401, 'GatedRepo', 'Access to this model is restricted');
      const under = api[4] ? api[4].replace(/\/$/, '') + '/' : '';
      const recursive = url.searchParams.get('recursive') === 'true';
      const entries: unknown[] = [];
      const dirs = new Set<string>();
      for (const [path, content] of [...repo.files].sort(([a], [b]) => a.localeCompare(b))) {
        if (!path.startsWith(under)) continue;
        const rest = path.slice(under.length);
        if (!recursive && rest.includes('/')) {
          const d = under + rest.split('/')[0];
          if (!dirs.has(d)) entries.push({ type: 'directory', oid: gitOid(Buffer.from(d)), size: 0, path: d });
          dirs.add(d);
          continue;
        }
        entries.push({
          type: 'file',
          oid: gitOid(content),
          size: content.length,
          path,
          ...(isLfs(path, content.length) ? { lfs: { oid: sha256(content), size: content.length, pointerSize: 134 } } : {}),
        });
      }
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(start, start + this.pageSize);
      const headers: Record<string, string> = {};
      if (start + this.pageSize < entries.length) {
        const next = new URL(url);
        next.searchParams.set('cursor', String(start + this.pageSize));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return send(200, page, headers);
    }

    if (resolve && repo) {
      const path = resolve[3];
      if (repo.gated && !this.tokens.has(auth ?? '')) return fail(401, 'GatedRepo', 'Access to this model is restricted');
      const content = repo.files.get(path);
      if (!content) return fail(404, 'EntryNotFound', `${path} does not exist on "${revision}"`);
      const commit = this.commitOf(repoName!);
      if (isLfs(path, content.length)) {
        entry.status = 302;
        res.writeHead(302, {
          Location: `${this.url}/cdn/${sha256(content)}/${encodeURIComponent(`${repoName}/${path}`)}`,
          'X-Repo-Commit': commit,
          'X-Linked-Etag': `"${sha256(content)}"`,
          'X-Linked-Size': String(content.length),
          ETag: `"${gitOid(content)}"`,
        });
        return void res.end();
      }
      return this.sendBytes(req, res, entry, `${repoName}/${path}`, content, { ETag: `"${gitOid(content)}"`, 'X-Repo-Commit': commit });
    }

    if (cdn) {
      const key = decodeURIComponent(cdn[2]);
      const [org, name, ...rest] = key.split('/');
      const content = this.repos.get(`${org}/${name}`)?.files.get(rest.join('/'));
      if (!content || sha256(content) !== cdn[1]) return send(404, 'no such object');
      return this.sendBytes(req, res, entry, key, content, { ETag: `"${cdn[1]}"` });
    }
    send(404, 'not found');
  }

  private sendBytes(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest, key: string, original: Buffer, headers: Record<string, string>): void {
    const content = this.tamper.get(key) ?? original;
    let start = 0;
    let end = content.length - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), content.length - 1) : content.length - 1;
      if (start >= content.length) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${content.length}` });
        return void res.end();
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${content.length}`;
    }
    const body = content.subarray(start, end + 1);
    entry.status = status;
    res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length), 'Accept-Ranges': 'bytes', ...headers });
    const cut = this.cutAfter.get(key);
    if (cut !== undefined && body.length > cut) {
      this.cutAfter.delete(key);
      this.served.set(key, (this.served.get(key) ?? 0) + cut);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const delay = this.slow.get(key);
    if (delay !== undefined && body.length > 1) {
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        const piece = body.subarray(at, at + 16384);
        at += piece.length;
        this.served.set(key, (this.served.get(key) ?? 0) + piece.length);
        if (at >= body.length) res.end(piece);
        else res.write(piece, () => setTimeout(next, delay));
      };
      return next();
    }
    this.served.set(key, (this.served.get(key) ?? 0) + body.length);
    res.end(body);
  }
}
