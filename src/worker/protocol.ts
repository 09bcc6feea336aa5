// Messages between WorkerClient (extension host / CLI / bench) and the worker process, over Node's fork IPC.
// Every request carries an id; every answer names the id it answers.

import type { InfillRequest, InfillResult, ModelInfo, StepProgress } from '../engine/types';

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
  | { type: 'infill'; id: number; request: InfillRequest; progress: boolean; supersedeKey?: string }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  /** On a cancelled request: forward passes the worker STARTED after the cancel reached it (0 = only the pass
   *  already running finished). */
  passesStartedAfterCancel?: number;
}

export type WorkerState = 'idle' | 'loading' | 'ready' | 'busy' | 'error' | 'restarting';

export type FromWorker =
  | { type: 'started'; pid: number }
  | { type: 'loaded'; id: number; info: ModelInfo }
  | { type: 'progress'; id: number; progress: StepProgress }
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

export function fromWire(w: WireError): Error {
  const e = new Error(w.message) as Error & { code?: string; passesStartedAfterCancel?: number };
  e.name = w.name;
  if (w.code) e.code = w.code;
  if (w.passesStartedAfterCancel !== undefined) e.passesStartedAfterCancel = w.passesStartedAfterCancel;
  return e;
}
