// The one place the extension imports the engine's and the client's shapes from, so the rest of the extension
// codes against a single module (and unit tests can fake `ModelClient`). Re-exports only: the engine's types come
// from src/engine/types.ts, the client contract (ModelClient, its options, states and error codes) from
// src/worker/protocol.ts, the package's paths from src/worker/paths.ts.
export type { InfillRequest, InfillResult, GapResult, StepProgress, ModelInfo, SamplerOptions } from '../../engine/types';
export { MASK_PLACEHOLDER } from '../../engine/types';
export { estimate, GHOST_TEXT_SLOW_MS, type ModelSpeed } from '../../engine/model/speed';
export type { ErrorCode, InfillOptions, ModelClient, StateEvent, WorkerState } from '../../worker/protocol';
export { errorCode, isAbort } from '../../worker/protocol';
export type { WorkerClientOptions } from '../../worker/client';
export { bundledModelDir, workerScript } from '../../worker/paths';
import type { ModelClient } from '../../worker/protocol';
import type { WorkerClientOptions } from '../../worker/client';

/** Makes the client ModelHost talks to: the real worker (workerFactory.ts) or a test's fake. */
export type ClientFactory = (opts: WorkerClientOptions) => ModelClient;
