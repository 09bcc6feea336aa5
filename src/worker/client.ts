// WorkerClient: the typed proxy the extension, the CLI and the bench use to talk to the worker process. Method calls
// become messages with ids; a dead worker rejects every pending call with a clear error and is restarted with
// back-off; a call that outlives its timeout restarts the worker too. No `vscode` import.

import { fork, type ChildProcess } from 'node:child_process';
import { abortError, type InfillRequest, type InfillResult, type ModelInfo, type StepProgress } from '../engine/types';
import { ClientError, fromWire, type FromWorker, type InfillOptions, type ModelClient, type StateEvent, type ToWorker } from './protocol';

export interface WorkerClientOptions {
  workerScript: string;
  modelDir: string;
  /** The Node (or Electron) binary to run the worker with; ELECTRON_RUN_AS_NODE is always set, here alone. */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  idleUnloadMs?: number;
  requestTimeoutMs?: number;
  executionProvider?: string;
  threads?: number;
  /** Ask the worker to time its passes after loading (ModelInfo.speed). */
  measureSpeed?: boolean;
  log?: (line: string) => void;
}

interface Pending {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onProgress?: (p: StepProgress) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
/** A worker that stayed up this long resets the back-off. */
const STABLE_MS = 60_000;

export class WorkerClient implements ModelClient {
  private child?: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Set<(s: StateEvent) => void>();
  private crashes = 0;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private wasLoaded = false;
  private disposed = false;
  private state: StateEvent = { state: 'idle' };

  constructor(private readonly opts: WorkerClientOptions) {}

  get currentState(): StateEvent {
    return this.state;
  }

  /** Pid of the worker process (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  load(): Promise<ModelInfo> {
    return this.call<ModelInfo>((id) => ({ type: 'load', id })).then((info) => {
      this.wasLoaded = true;
      return info;
    });
  }

  infill(request: InfillRequest, opts: InfillOptions = {}): Promise<InfillResult> {
    if (opts.signal?.aborted) return Promise.reject(abortError());
    return this.call<InfillResult>(
      (id) => ({ type: 'infill', id, request, progress: !!opts.onProgress, supersedeKey: opts.supersedeKey, ...(opts.background ? { background: true } : {}) }),
      opts,
    );
  }

  onDidChangeState(listener: (s: StateEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.rejectAll(new ClientError('DiffuCode worker was shut down', 'DISPOSED'));
    const child = this.child;
    this.child = undefined;
    if (child && child.connected) {
      child.send({ type: 'shutdown' } satisfies ToWorker);
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    } else child?.kill('SIGKILL');
    this.listeners.clear();
  }

  private call<T>(make: (id: number) => ToWorker, opts: InfillOptions = {}): Promise<T> {
    if (this.disposed) return Promise.reject(new ClientError('DiffuCode worker client is disposed', 'DISPOSED'));
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = this.opts.requestTimeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        this.settle(id)?.reject(new ClientError(`DiffuCode worker did not answer within ${Math.round(timeoutMs / 1000)} s; restarting it`, 'WORKER_TIMEOUT'));
        this.log(`request ${id} timed out after ${timeoutMs} ms; killing the worker`);
        this.replaceChild(`was restarted because request ${id} timed out`);
      }, timeoutMs);
      let abortFallback: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (this.child?.connected) this.child.send({ type: 'cancel', id } satisfies ToWorker);
        // The worker answers within one forward pass; do not wait forever if it is stuck.
        abortFallback = setTimeout(() => this.settle(id)?.reject(abortError()), 2000);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        clearTimeout(abortFallback);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, onProgress: opts.onProgress, timer, cleanup });
      child.send(make(id));
    });
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.cleanup();
    return p;
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    clearTimeout(this.restartTimer);
    const o = this.opts;
    const child = fork(o.workerScript, [], {
      execPath: o.execPath ?? process.execPath,
      // Inside VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it behave as plain Node.
      env: { ...(o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.startedAt = Date.now();
    const forward = (buf: Buffer) => buf.toString('utf8').split('\n').filter(Boolean).forEach((l) => this.log(`[worker] ${l}`));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('message', (m: FromWorker) => this.onMessage(m));
    child.on('error', (e) => this.log(`worker process error: ${e.message}`));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.send({
      type: 'init',
      config: { modelDir: o.modelDir, executionProvider: o.executionProvider, threads: o.threads, idleUnloadMs: o.idleUnloadMs, measureSpeed: o.measureSpeed },
    } satisfies ToWorker);
    return child;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'started':
        return;
      case 'log':
        return this.log(m.line);
      case 'state':
        return this.setState({ state: m.state, message: m.message });
      case 'progress':
        return this.pending.get(m.id)?.onProgress?.(m.progress);
      case 'loaded':
      case 'result': {
        const value = m.type === 'loaded' ? m.info : m.result;
        this.settle(m.id)?.resolve(value as never);
        return;
      }
      case 'error':
        this.settle(m.id)?.reject(fromWire(m.error));
        return;
      case 'refused':
        // Only a sender bug gets here (this client sends well-formed messages with fresh ids): say so in the log.
        this.log(`worker refused a message: ${m.error.message}`);
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return; // a worker we already replaced (timeout) or disposed
    this.replaceChild(signal ? `was killed (${signal})` : `exited with code ${code}`);
  }

  /** Drops the current worker (killing it if alive), fails its pending calls, and schedules a fresh one. */
  private replaceChild(why: string): void {
    const old = this.child;
    this.child = undefined;
    if (old && old.exitCode === null && old.signalCode === null) old.kill('SIGKILL');
    if (this.disposed) return;
    this.log(`worker ${why}`);
    this.rejectAll(new ClientError(`DiffuCode worker ${why}; it is being restarted, please retry`, 'WORKER_RESTARTED'));
    if (Date.now() - this.startedAt > STABLE_MS) this.crashes = 0;
    const delay = BACKOFF_MS[Math.min(this.crashes, BACKOFF_MS.length - 1)];
    this.crashes++;
    this.setState({ state: 'restarting', message: `worker ${why}; restarting in ${delay} ms` });
    this.restartTimer = setTimeout(() => {
      if (this.disposed || this.child) return;
      this.ensureChild();
      if (this.wasLoaded) this.load().catch((e: Error) => this.log(`reload after restart failed: ${e.message}`));
      else this.setState({ state: 'idle' });
    }, delay);
    this.restartTimer.unref?.();
  }

  private rejectAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }

  private setState(s: StateEvent): void {
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}
