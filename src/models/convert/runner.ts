// convertModel in a child process (dist/convert.js, childMain.ts): the editor's entry point. Same options and result
// as convertModel; an AbortSignal kills the child and removes the staging folder, so a cancelled conversion leaves
// nothing behind. Errors keep their name (ConvertError / InputError: bad input; others: I/O or a bug).

import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { ConvertOptions, ConvertProgress, ConvertResult } from './convert';
import { removeStaging, STAGING_SUFFIX } from './staging';

export type ChildMessage =
  | { type: 'progress'; progress: ConvertProgress }
  | { type: 'done'; result: ConvertResult }
  | { type: 'error'; name: string; message: string };

export interface RunnerOptions extends Omit<ConvertOptions, 'source'> {
  /** A checkpoint folder or a .gguf file (an opened input cannot cross the process boundary). */
  source: string;
  /** dist/convert.js. */
  script: string;
}

export class ConvertChildError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export function convertInChild(opts: RunnerOptions): Promise<ConvertResult> {
  const { script, signal, onProgress, ...rest } = opts;
  return new Promise((done, fail) => {
    if (signal?.aborted) return fail(new ConvertChildError('AbortError', 'conversion cancelled'));
    const child = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      child.once('exit', () => {
        removeStaging(resolve(rest.out) + STAGING_SUFFIX);
        finish(() => fail(new ConvertChildError('AbortError', 'conversion cancelled')));
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => done(m.result));
      else finish(() => fail(new ConvertChildError(m.name, m.message)));
    });
    child.on('error', (e) => finish(() => fail(e)));
    child.on('exit', (code, sig) => {
      if (settled || signal?.aborted) return; // onAbort settles after the cleanup
      // A child killed from outside (out of memory) leaves its staging folder: remove it.
      removeStaging(resolve(rest.out) + STAGING_SUFFIX);
      finish(() => fail(new Error(`the conversion process ended (${sig ?? `exit ${code}`}) before finishing${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`)));
    });
    child.send(rest);
  });
}
