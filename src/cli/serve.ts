// `diffucode serve`: runs the DiffuCode model server (serve/, Python on Ray Serve) from the package: finds the
// Python that has Ray, starts `python -m diffucode_serve` with this package's Node and worker, and stops it on
// SIGINT / SIGTERM. The server prints its URL when it is ready; everything it started is gone when we exit.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../worker/paths';

export const SERVE_HELP = `diffucode serve — serve a model to a team over HTTP (Ray Serve; see docs/serving.md)

Usage:
  diffucode serve --token-file F [--model DIR] [--port P] [--replicas N] [options]

  --model DIR          model folder (default: the embedded models/diffucode-tiny)
  --port P             HTTP port (default 8000)
  --host H             listen address (default 127.0.0.1, this machine only)
  --token-file F       file holding the bearer token clients must send (else $DIFFUCODE_SERVE_TOKEN);
                       make one: head -c 32 /dev/urandom | base64 > F && chmod 600 F
  --replicas N         model replicas (default 1); or --min-replicas A --max-replicas B to autoscale
  --threads N          ONNX Runtime threads per replica     --provider P   cpu | cuda | ... per replica
  --max-concurrent N   requests one replica accepts at once (default 2)
  --timeout S          request timeout in seconds (default 60)
  --max-body-bytes B   larger request bodies get 413 (default 1048576)
  --address A          join this Ray cluster instead of starting a local head
  --python PY          the Python with Ray Serve (default: $DIFFUCODE_PYTHON, .venv/bin/python, python3)

Clients: diffucode fill|batch --server URL --token-file F; in VS Code the setting diffucode.server.url and the
command "DiffuCode: Set server token". Ctrl+C stops the server and everything it started.
`;

/** The Python to run the server with: an explicit choice, else the project's .venv, else python3. */
export function findPython(root: string, explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.DIFFUCODE_PYTHON) return process.env.DIFFUCODE_PYTHON;
  const venv = process.platform === 'win32' ? join(root, '.venv', 'Scripts', 'python.exe') : join(root, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

export async function runServe(argv: string[], err: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const rest = [...argv];
  let explicitPython: string | undefined;
  const i = rest.indexOf('--python');
  if (i >= 0) {
    explicitPython = rest[i + 1];
    if (!explicitPython) {
      err('diffucode serve: --python needs a path');
      return 2;
    }
    rest.splice(i, 2);
  }
  const root = packageRoot();
  const python = findPython(root, explicitPython);
  const env = { ...process.env, PYTHONPATH: [join(root, 'serve'), process.env.PYTHONPATH].filter(Boolean).join(process.platform === 'win32' ? ';' : ':') };
  const probe = spawnSync(python, ['-c', 'import ray.serve'], { env, encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    err(`diffucode serve: Ray Serve is not usable with ${python} (${why}).\n` + `Install it into the project's Python: bash ${join(root, 'serve', 'setup.sh')} (or set DIFFUCODE_PYTHON / --python).`);
    return 1;
  }
  // Our own process group for the server: Ctrl+C in a terminal reaches only us, and we stop the server in order
  // (an interrupt delivered to Ray's own processes at the same time would kill them mid-shutdown).
  const child = spawn(python, ['-m', 'diffucode_serve', '--node', process.execPath, '--root', root, '--stop-on-stdin-eof', ...rest], {
    env,
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: process.platform !== 'win32',
  });
  let signals = 0;
  const stop = (sig: NodeJS.Signals) => {
    signals++;
    // A second Ctrl+C while shutting down: the user means it.
    child.kill(signals > 1 ? 'SIGKILL' : 'SIGTERM');
    if (signals === 1) err(`diffucode serve: ${sig}, stopping the server`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return await new Promise<number>((resolve) => {
    child.on('error', (e) => {
      err(`diffucode serve: could not start ${python}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal ? (signals > 0 ? 0 : 1) : signals > 0 && code === 0 ? 0 : (code ?? 1));
    });
  });
}
