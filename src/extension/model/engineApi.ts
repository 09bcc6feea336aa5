// The one place the extension imports the engine's shapes from, so the rest of the extension codes against a
// single module (and unit tests can fake `ModelClient`). Types come from the engine; nothing is redefined here.
export type { InfillRequest, InfillResult, GapResult, StepProgress, ModelInfo, SamplerOptions } from '../../engine/types';
export { MASK_PLACEHOLDER } from '../../engine/types';
export { GHOST_TEXT_SLOW_MS, type ModelSpeed } from '../../engine/model/speed';
import type { InfillRequest, InfillResult, ModelInfo, StepProgress } from '../../engine/types';

export type WorkerState = 'idle' | 'loading' | 'ready' | 'busy' | 'error' | 'restarting';

export interface InfillOptions {
  signal?: AbortSignal;
  onProgress?: (p: StepProgress) => void;
  /** A newer request with the same key cancels the older one inside the worker (one per document). */
  supersedeKey?: string;
}

/** What the extension needs from the worker client (src/worker/client.ts); tests substitute fakes. */
export interface ModelClient {
  load(): Promise<ModelInfo>;
  infill(req: InfillRequest, opts: InfillOptions): Promise<InfillResult>;
  onDidChangeState(listener: (s: { state: WorkerState; message?: string }) => void): { dispose(): void };
  dispose(): void;
}

export interface ClientOptions {
  workerScript: string;
  modelDir: string;
  execPath?: string;
  env?: Record<string, string>;
  idleUnloadMs?: number;
  requestTimeoutMs?: number;
  executionProvider?: string;
  threads?: number;
  measureSpeed?: boolean;
  log?: (line: string) => void;
}

export type ClientFactory = (opts: ClientOptions) => ModelClient;
