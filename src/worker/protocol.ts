// The client contract: what the extension, the CLI and the bench call (ModelClient, implemented by the local
// WorkerClient and by the server's RemoteClient), the error codes they reject with, and the messages between
// WorkerClient and the worker process over Node's fork IPC (every request carries an id; every answer names the
// id it answers). Defined once, here; the extension re-exports these types (src/extension/model/engineApi.ts).

import {
  ENGINE_ERROR_CODES,
  EngineError,
  isEngineErrorCode,
  type EngineErrorCode,
  type InfillRequest,
  type InfillResult,
  type ModelInfo,
  type StepProgress,
} from '../engine/types';

export type WorkerState = 'idle' | 'loading' | 'ready' | 'busy' | 'error' | 'restarting';

export interface StateEvent {
  state: WorkerState;
  message?: string;
}

export interface InfillOptions {
  signal?: AbortSignal;
  onProgress?: (p: StepProgress) => void;
  /** A newer request with the same key cancels the older one inside the worker (one per document). */
  supersedeKey?: string;
  /** Low priority (prefill ahead): runs only when no other request waits, and any other request cancels it. */
  background?: boolean;
  /**
   * When the request stops making progress past its limit (stallWatch.ts), resolve with the tokens committed so far
   * (InfillResult.partial) instead of rejecting with WORKER_TIMEOUT. For fills a user waits for; not for ghost text.
   */
  partialOnTimeout?: boolean;
}

/** A model to fill gaps with, local (WorkerClient) or on a server (RemoteClient); tests substitute fakes. */
export interface ModelClient {
  load(): Promise<ModelInfo>;
  infill(req: InfillRequest, opts?: InfillOptions): Promise<InfillResult>;
  onDidChangeState(listener: (s: StateEvent) => void): { dispose(): void };
  dispose(): void;
}

/**
 * Codes of the errors a client itself produces (no engine behind them answered): the worker process or the
 * server could not be used. With the engine's codes they make every code a caller can see.
 */
export const CLIENT_ERROR_CODES = [
  'DISPOSED', // the client was disposed before or while the request ran
  // WorkerClient
  'WORKER_RESTARTED', // the worker process died or was killed; it is being restarted
  'WORKER_TIMEOUT', // the worker made no progress within its limit (stallWatch.ts) and was restarted
  // RemoteClient
  'BAD_URL',
  'NO_TOKEN',
  'UNAUTHORIZED',
  'UNREACHABLE',
  'TIMEOUT',
  'UNAVAILABLE', // the server had no healthy replica (502/503): worth one retry
  'BAD_STREAM',
  'TOO_LARGE',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type ErrorCode = EngineErrorCode | ClientErrorCode;
export const ERROR_CODES: readonly ErrorCode[] = [...ENGINE_ERROR_CODES, ...CLIENT_ERROR_CODES];

export function isErrorCode(code: unknown): code is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code);
}

/** An error a client produced itself (see CLIENT_ERROR_CODES). */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** The code of an error from any client, or undefined for one that carries none (a DOMException's numeric code
 *  does not count). */
export function errorCode(err: unknown): ErrorCode | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return isErrorCode(code) ? code : undefined;
}

/** A cancelled request: code ABORTED from any client, or an AbortError from the caller's own AbortController
 *  (a DOMException, which has no code of ours) or fetch. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (errorCode(err) === 'ABORTED' || err.name === 'AbortError');
}

export interface WorkerConfig {
  modelDir: string;
  executionProvider?: string;
  threads?: number;
  /** Unload the model after this long without requests (0 = never). */
  idleUnloadMs?: number;
  /** After loading, time a full and a window pass (engine/model/speed.ts) and report them in ModelInfo.speed:
   *  the extension turns ghost text off by default for a model too slow for it. */
  measureSpeed?: boolean;
}

export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  | { type: 'load'; id: number }
  | { type: 'infill'; id: number; request: InfillRequest; progress: boolean; supersedeKey?: string; background?: boolean }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export interface WireError {
  name: string;
  message: string;
  /** Any string the thrower set (an engine code, or a Node errno code such as ENOENT); fromWire narrows it. */
  code?: string;
  /** On a cancelled request: forward passes the worker STARTED after the cancel reached it (0 = only the pass
   *  already running finished). */
  passesStartedAfterCancel?: number;
}

export type FromWorker =
  | { type: 'started'; pid: number }
  | { type: 'loaded'; id: number; info: ModelInfo }
  | { type: 'progress'; id: number; progress: StepProgress }
  /** A forward pass of request `id` starts (the `passes`-th): the client's sign that a long request is progressing. */
  | { type: 'pass'; id: number; passes: number }
  | { type: 'result'; id: number; result: InfillResult }
  | { type: 'error'; id: number; error: WireError }
  /** A message refused without an id to answer (null, no type, a duplicate in-flight id): never a crash. */
  | { type: 'refused'; error: WireError }
  | { type: 'state'; state: WorkerState; message?: string }
  | { type: 'log'; line: string };

export function toWire(e: unknown): WireError {
  const err = e as { name?: string; message?: string; code?: string };
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), code: typeof err?.code === 'string' ? err.code : undefined };
}

/**
 * The worker's error as an EngineError again, with its name (AbortError, MarkerError...) and message. The code is
 * restored when it is one of the engine's; an error that carried none of them (a bug's TypeError, a raw ENOENT)
 * becomes INTERNAL, so every error out of the client has a code from ErrorCode.
 */
export function fromWire(w: WireError): EngineError & { passesStartedAfterCancel?: number } {
  const code = isEngineErrorCode(w.code) ? w.code : w.name === 'AbortError' ? 'ABORTED' : 'INTERNAL';
  const e = new EngineError(w.message, code) as EngineError & { passesStartedAfterCancel?: number };
  e.name = w.name;
  if (w.passesStartedAfterCancel !== undefined) e.passesStartedAfterCancel = w.passesStartedAfterCancel;
  return e;
}
