// RemoteClient: the engine client for a DiffuCode model server (serve/, `diffucode serve`). Same calls as the local
// WorkerClient (load, infill with signal / onProgress / supersedeKey, state events, dispose), so the CLI, the
// extension and the bench use a server without knowing it. No `vscode` import: the extension wraps it.
//
// Over HTTP: POST /v1/infill (the engine's InfillRequest in, InfillResult out; server-sent events when progress is
// wanted), GET /v1/model. Cancelling aborts the HTTP request; the server sees the connection close and cancels the
// request in its replica's worker, which stops within one denoising step. A request that fails because the server
// or a replica failed (connection reset, 502/503) is sent once more: infill requests are pure.

import { abortError, type InfillRequest, type InfillResult, type ModelInfo, type StepProgress } from '../engine/types';
import { ClientError, isErrorCode, type ErrorCode, type InfillOptions, type ModelClient, type StateEvent, type WorkerState } from './protocol';

export interface RemoteClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8000 (a path prefix is kept). */
  url: string;
  /** The bearer token, read on every request (so a token set or rotated later applies at once). */
  token: () => string | undefined | Promise<string | undefined>;
  requestTimeoutMs?: number;
  /** Appended to a 401's message: how THIS client sets the token (a CLI flag, an editor command). */
  authHint?: string;
  log?: (line: string) => void;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

/** An error the server (or reaching it) produced. `status` 0 = no HTTP answer; `code` lets callers branch: the
 *  engine's own code when the engine behind the server failed, else one of the client codes (remoteCode). */
export class RemoteError extends ClientError {
  constructor(
    message: string,
    readonly status: number,
    code: ErrorCode,
  ) {
    super(message, code);
    this.name = 'RemoteError';
  }
  /** The server or a replica failed, not the request: worth one more try. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503;
  }
}

/** Parses a server URL; http(s) only. Says when a token would cross the network unencrypted. */
export function parseServerUrl(raw: string): { url: URL; cleartextRemote: boolean } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new RemoteError(`"${raw}" is not a server URL (expected e.g. http://127.0.0.1:8000)`, 0, 'BAD_URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RemoteError(`server URL must be http:// or https://, got ${url.protocol}`, 0, 'BAD_URL');
  if (url.username || url.password) throw new RemoteError('put the token in a token file or the editor\'s secret storage, not in the server URL', 0, 'BAD_URL');
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  return { url, cleartextRemote: url.protocol === 'http:' && !loopback };
}

/**
 * The server's error code (sent lower-case: the engine's code, the server's own such as `unavailable`, or the
 * name of an error without a code) as one of ErrorCode. A code outside the list goes by the HTTP status, which
 * says as much as a caller can act on.
 */
export function remoteCode(code: string | undefined, status: number): ErrorCode {
  const upper = code?.toUpperCase();
  if (isErrorCode(upper)) return upper;
  if (upper === 'WORKER_DIED') return 'UNAVAILABLE'; // a replica's worker died; the server retries elsewhere
  if (upper === 'ABORTERROR' || status === 499) return 'ABORTED';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 413) return 'TOO_LARGE';
  if (status === 502 || status === 503) return 'UNAVAILABLE';
  if (status === 504) return 'TIMEOUT';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

export class RemoteClient implements ModelClient {
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly listeners = new Set<(s: StateEvent) => void>();
  private readonly inflight = new Set<AbortController>();
  private readonly byKey = new Map<string, AbortController>();
  private state: StateEvent = { state: 'idle' };
  private disposed = false;
  /** Requests sent a second time after the server or a replica failed (diagnostics, tests). */
  retries = 0;

  constructor(private readonly opts: RemoteClientOptions) {
    this.base = parseServerUrl(opts.url).url;
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  get currentState(): StateEvent {
    return this.state;
  }

  async load(): Promise<ModelInfo> {
    this.setState('loading', `Connecting to the DiffuCode server at ${this.url}`);
    try {
      const res = await this.withRetry(() => this.send('GET', '/v1/model', undefined, {}));
      const info = (await res.json()) as ModelInfo & { provider: string };
      // The model lives on the server: name it where the local client names a folder and a provider.
      const remote: ModelInfo = { ...info, modelDir: this.url, provider: `${info.provider} on ${this.base.host}` };
      this.setState('ready', `Model ${info.name} on the DiffuCode server ${this.url}`);
      return remote;
    } catch (e) {
      this.setState('error', (e as Error).message);
      throw e;
    }
  }

  async infill(request: InfillRequest, opts: InfillOptions = {}): Promise<InfillResult> {
    if (this.disposed) throw new ClientError('DiffuCode server client is disposed', 'DISPOSED');
    if (opts.signal?.aborted) throw abortError();
    // The server decodes the request's own fields (pieces, gaps, sampler, budget) and keeps no canvas between
    // requests: ghost text's in-process decode options (engine/ghost/) stay here, and a prefill ahead has nothing to
    // warm there.
    if (request.ghostText?.prefillOnly) return { gaps: [], stats: emptyStats() };
    if (request.ghostText) {
      const { ghostText: _local, ...wire } = request;
      request = wire;
    }
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.supersedeKey !== undefined) {
      this.byKey.get(opts.supersedeKey)?.abort();
      this.byKey.set(opts.supersedeKey, ctrl);
    }
    this.inflight.add(ctrl);
    this.setState('busy', `Generating on the DiffuCode server ${this.url}`);
    try {
      const stream = !!opts.onProgress;
      const body = JSON.stringify(request);
      // The whole exchange is retried, reading included: a replica or proxy can fail mid-stream too.
      return await this.withRetry(async () => {
        const res = await this.send('POST', '/v1/infill', body, stream ? { accept: 'text/event-stream' } : {}, ctrl.signal);
        try {
          return stream ? await this.readEvents(res, opts.onProgress!) : ((await res.json()) as InfillResult);
        } catch (e) {
          if (ctrl.signal.aborted) throw abortError();
          throw this.asRemote(e);
        }
      }, ctrl.signal);
    } catch (e) {
      if (ctrl.signal.aborted) throw abortError();
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ctrl);
      if (opts.supersedeKey !== undefined && this.byKey.get(opts.supersedeKey) === ctrl) this.byKey.delete(opts.supersedeKey);
      if (this.inflight.size === 0 && this.state.state === 'busy') this.setState('ready', `Model on the DiffuCode server ${this.url}`);
    }
  }

  onDidChangeState(listener: (s: StateEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Aborts every request in flight (the server cancels them) and stops taking new ones. */
  dispose(): void {
    this.disposed = true;
    for (const c of this.inflight) c.abort();
    this.listeners.clear();
  }

  /** Runs `exchange` once more when the server or a replica failed (not on the request's own errors). */
  private async withRetry<T>(exchange: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await exchange();
    } catch (e) {
      if (signal?.aborted || !(e instanceof RemoteError) || !e.retryable) throw e;
      this.retries++;
      this.log(`request failed (${e.message}); retrying once`);
      return await exchange();
    }
  }

  /** One HTTP exchange with the per-request timeout; resolves on a 2xx, otherwise throws a RemoteError. */
  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const token = await this.opts.token();
    if (!token) throw new RemoteError(`no token for the DiffuCode server at ${this.url}${this.opts.authHint ? `: ${this.opts.authHint}` : ''}`, 401, 'NO_TOKEN');
    if (signal?.aborted) throw abortError();
    const timeoutMs = this.opts.requestTimeoutMs ?? 120_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetch(new URL(this.base.pathname.replace(/\/$/, '') + path, this.base), {
        method,
        body,
        signal: sig,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      });
    } catch (e) {
      if (signal?.aborted) throw abortError();
      if (timeout.aborted) throw new RemoteError(`the DiffuCode server at ${this.url} did not answer within ${Math.round(timeoutMs / 1000)} s`, 504, 'TIMEOUT');
      throw this.asRemote(e);
    }
    if (res.ok) return res;
    throw await this.httpError(res);
  }

  private async readEvents(res: Response, onProgress: (p: StepProgress) => void): Promise<InfillResult> {
    if (!res.body) throw new RemoteError('the server sent no event stream', 502, 'BAD_STREAM');
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (event === 'progress') onProgress(JSON.parse(data) as StepProgress);
        else if (event === 'result') return JSON.parse(data) as InfillResult;
        else if (event === 'error') {
          const e = JSON.parse(data) as { message: string; code: string; status: number };
          throw this.withHint(new RemoteError(e.message, e.status, remoteCode(e.code, e.status)));
        }
      }
    }
    throw new RemoteError('the server closed the event stream before the result', 502, 'BAD_STREAM');
  }

  private async httpError(res: Response): Promise<RemoteError> {
    let message = `HTTP ${res.status}`;
    let code: string | undefined;
    try {
      const j = (await res.json()) as { error?: { message?: string; code?: string } };
      if (j.error?.message) message = j.error.message;
      code = j.error?.code;
    } catch {
      /* not our JSON (a proxy's page): the status says enough */
    }
    return this.withHint(new RemoteError(`DiffuCode server (${res.status}): ${message}`, res.status, remoteCode(code, res.status)));
  }

  private withHint(e: RemoteError): RemoteError {
    if (e.status === 401 && this.opts.authHint) return new RemoteError(`${e.message}. ${this.opts.authHint}`, e.status, e.code);
    return e;
  }

  private asRemote(e: unknown): RemoteError {
    if (e instanceof RemoteError) return e;
    // AbortSignal.timeout fired while the body was being read.
    if ((e as Error).name === 'TimeoutError')
      return new RemoteError(`the DiffuCode server at ${this.url} did not finish within ${Math.round((this.opts.requestTimeoutMs ?? 120_000) / 1000)} s`, 504, 'TIMEOUT');
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    return new RemoteError(`cannot reach the DiffuCode server at ${this.url} (${why}): is \`diffucode serve\` running there?`, 0, 'UNREACHABLE');
  }

  private setState(state: WorkerState, message?: string): void {
    this.state = { state, message };
    for (const l of this.listeners) l(this.state);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}

function emptyStats(): InfillResult['stats'] {
  return { steps: 0, forwardPasses: 0, tokensPerForward: 0, tokensCommitted: 0, slotsFinalisedByStop: 0, modelMs: 0, samplerMs: 0, prepareMs: 0, totalMs: 0, canvasTokens: 0, trimmedTokens: 0, algorithm: 'threshold' };
}
