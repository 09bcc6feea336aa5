// The worker process (dist/worker.js). Forked by WorkerClient with an IPC channel, from plain Node or from VS Code's
// Electron extension host (ELECTRON_RUN_AS_NODE=1). Holds the model so a native ONNX Runtime crash can never take
// the host down. No `vscode` import.

import type { FromWorker } from './protocol';
import { WorkerHost } from './workerHost';

if (!process.send) {
  process.stderr.write('dist/worker.js is started by WorkerClient (child_process.fork with an IPC channel), not by hand.\n');
  process.exit(2);
}

const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};
// process.exit lives here only: shutdown (after the model is unloaded) ends the process.
const host = new WorkerHost(send, undefined, () => process.exit(0));
// Anything may arrive on the channel; the host validates it (a bad message is answered, never thrown).
process.on('message', (m: unknown) => host.handle(m));
// The parent went away (extension host closed, CLI killed): nothing left to serve.
process.on('disconnect', () => process.exit(0));
send({ type: 'started', pid: process.pid });
