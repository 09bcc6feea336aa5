// WorkerClient: the typed proxy the extension, the CLI and the bench use to talk to the worker process. Method calls
// become messages with ids; a dead worker rejects every pending call with a clear error and is restarted with
// back-off; a call that stops making progress past its limit (stallWatch.ts) restarts the worker too, and a fill
// that asked for it gets the tokens it had committed. No `vscode` import.

import { fork, type ChildProcess } from 'node:child_process';
import { abortError, type InfillRequest, type InfillResult, type ModelInfo, type StepProgress } from '../engine/types';
import { ClientError, fromWire, type FromWorker, type InfillOptions, type ModelClient, type StateEvent, type ToWorker } from './protocol';
import { estimateCanvasTokens, LOAD_TIMEOUT_FLOOR_MS, partialResult, stallLimitMs, stallMessage } from './stallWatch';

export interface WorkerClientOptions {
  workerScript: string;
  modelDir: string;
  /** The Node (or Electron) binary to run the worker with; ELECTRON_RUN_AS_NODE is always set, here alone. */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  idleUnloadMs?: number;
  /** The longest wait for a request's next sign of progress (a forward pass), at least; stallWatch.ts. */
  requestTimeoutMs?: number;
  /** How messages name that limit to the user ('diffucode.requestTimeoutSeconds', '--timeout'). */
  timeoutSetting?: string;
  /** The longest wait for a model load (no passes to report); default max(requestTimeoutMs, 5 min). */
  loadTimeoutMs?: number;
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
  timer?: NodeJS.Timeout;
  cleanup: () => void;
  /** Restarts the wait for the next sign of progress. */
  rearm: () => void;
  /** Infill calls: what the stall watch needs. */
  watch?: InfillWatch;
}

interface InfillWatch {
  request: InfillRequest;
  partialOnTimeout: boolean;
  started: number;
  lastPassAt: number;
  passes: number;
  slowestPassMs: number;
  last?: StepProgress;
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
  private info?: ModelInfo;
  /** The worker is starting or loading the model (a request waiting behind it reports no passes meanwhile). */
  private workerLoading = false;
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
      this.info = info;
      return info;
    });
  }

  infill(request: InfillRequest, opts: InfillOptions = {}): Promise<InfillResult> {
    if (opts.signal?.aborted) return Promise.reject(abortError());
    const now = Date.now();
    const watch: InfillWatch = { request, partialOnTimeout: !!opts.partialOnTimeout, started: now, lastPassAt: now, passes: 0, slowestPassMs: 0 };
    // Progress text is what a stalled fill can still offer, so a caller that wants that gets it even unasked.
    const progress = !!opts.onProgress || watch.partialOnTimeout;
    return this.call<InfillResult>((id) => ({ type: 'infill', id, request, progress, supersedeKey: opts.supersedeKey, ...(opts.background ? { background: true } : {}) }), opts, watch);
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

  private call<T>(make: (id: number) => ToWorker, opts: InfillOptions = {}, watch?: InfillWatch): Promise<T> {
    if (this.disposed) return Promise.reject(new ClientError('DiffuCode worker client is disposed', 'DISPOSED'));
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      let abortFallback: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (this.child?.connected) this.child.send({ type: 'cancel', id } satisfies ToWorker);
        // The worker answers within one forward pass; do not wait forever if it is stuck.
        abortFallback = setTimeout(() => this.settle(id)?.reject(abortError()), 2000);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        resolve: resolve as (v: never) => void,
        reject,
        onProgress: opts.onProgress,
        watch,
        cleanup: () => {
          clearTimeout(pending.timer);
          clearTimeout(abortFallback);
          opts.signal?.removeEventListener('abort', onAbort);
        },
        rearm: () => {
          clearTimeout(pending.timer);
          const ms = this.limitMs(watch);
          pending.timer = setTimeout(() => this.onStall(id, ms), ms);
        },
      };
      this.pending.set(id, pending);
      pending.rearm();
      child.send(make(id));
    });
  }

  /** The wait for a call's next sign of progress (stallWatch.ts); a load, or a request behind one, waits longer. */
  private limitMs(watch: InfillWatch | undefined): number {
    const base = this.opts.requestTimeoutMs ?? 60_000;
    const load = this.opts.loadTimeoutMs ?? Math.max(base, LOAD_TIMEOUT_FLOOR_MS);
    if (!watch || this.workerLoading) return load;
    const info = this.info;
    return stallLimitMs({
      baseMs: base,
      speed: info?.speed,
      canvasTokens: info ? estimateCanvasTokens(watch.request, info.contextLength) : undefined,
      slowestPassMs: watch.slowestPassMs,
    });
  }

  /** No progress within the limit: the worker is stuck. A fill that asked for it keeps what it had committed. */
  private onStall(id: number, limitMs: number): void {
    const p = this.settle(id);
    if (!p) return;
    const why = stallMessage(limitMs, this.opts.timeoutSetting ?? 'requestTimeoutMs');
    const w = p.watch;
    if (w?.partialOnTimeout && w.last && w.last.committed > 0) {
      const algorithm = w.request.sampler?.algorithm ?? this.info?.sampler.algorithm ?? 'threshold';
      p.resolve(partialResult(w.last, why, { passes: w.passes, elapsedMs: Date.now() - w.started, algorithm }) as never);
    } else {
      p.reject(new ClientError(`DiffuCode: ${why}; the worker is being restarted, please retry`, 'WORKER_TIMEOUT'));
    }
    this.log(`request ${id}: ${why}; killing the worker`);
    this.replaceChild(`was restarted because request ${id} made no progress for ${limitMs} ms`);
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
    // A fresh process starts Node and ONNX Runtime and loads the model before it can run a pass: waited for as a load.
    this.workerLoading = true;
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
        // The worker is alive and moving on: every pending call's wait starts again (a load is waited for longer).
        this.workerLoading = m.state === 'loading';
        for (const p of this.pending.values()) p.rearm();
        return this.setState({ state: m.state, message: m.message });
      case 'pass': {
        const w = this.pending.get(m.id)?.watch;
        if (!w) return;
        const now = Date.now();
        // The first pass's wait also held the request's preparation (and a queue); only later gaps time a pass.
        if (w.passes > 0) w.slowestPassMs = Math.max(w.slowestPassMs, now - w.lastPassAt);
        w.passes = m.passes;
        w.lastPassAt = now;
        // A pass of any request shows the worker is alive: the calls queued behind this one keep waiting too.
        for (const q of this.pending.values()) q.rearm();
        return;
      }
      case 'progress': {
        const p = this.pending.get(m.id);
        if (p?.watch) p.watch.last = m.progress;
        return p?.onProgress?.(m.progress);
      }
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
    this.workerLoading = false;
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
