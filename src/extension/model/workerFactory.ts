import { WorkerClient } from '../../worker/client';
import type { ClientFactory } from './engineApi';

/** The real client: a forked worker process per model (src/worker). Kept apart so tests can pass fakes. */
export const workerClientFactory: ClientFactory = (opts) => new WorkerClient(opts);
