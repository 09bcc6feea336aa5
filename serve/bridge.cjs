#!/usr/bin/env node
// Relays between the DiffuCode worker (dist/worker.js), which speaks only Node's fork IPC, and a parent that is not
// Node (a Ray Serve replica): one JSON message per line on stdin goes to the worker unchanged, every message the
// worker sends comes back as one JSON line on stdout. No translation: the protocol is src/worker/protocol.ts, so
// the server and the editor drive the same worker with the same messages.
//
// Usage: node bridge.cjs WORKER_SCRIPT
// Lifetime: stdin closing (the replica exited or was killed) shuts the worker down; the worker exiting ends the
// bridge with its exit status, so the parent sees a dead worker as a closed stdout.
'use strict';
const { fork } = require('node:child_process');
const readline = require('node:readline');

const workerScript = process.argv[2];
if (!workerScript) {
  process.stderr.write('usage: node bridge.cjs WORKER_SCRIPT\n');
  process.exit(2);
}

// The worker's own stdout would corrupt the message stream: both its stdout and stderr go to our stderr.
const child = fork(workerScript, [], { stdio: ['ignore', 2, 2, 'ipc'], serialization: 'json' });

child.on('message', (m) => process.stdout.write(JSON.stringify(m) + '\n'));
child.on('error', (e) => process.stderr.write(`bridge: worker process error: ${e.message}\n`));
child.on('exit', (code, signal) => {
  if (signal) process.stderr.write(`bridge: worker killed by ${signal}\n`);
  // Let the last messages drain before leaving.
  process.stdout.write('', () => process.exit(code ?? 1));
});

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    process.stderr.write(`bridge: dropped a line that is not JSON (${e.message})\n`);
    return;
  }
  if (child.connected) child.send(msg);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  if (child.connected) child.send({ type: 'shutdown' });
  // A worker stuck in a native call does not read its messages: do not wait for it forever.
  setTimeout(() => child.kill('SIGKILL'), 2000).unref();
}
lines.on('close', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
