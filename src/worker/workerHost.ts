// The worker's logic, independent of the transport so it can be tested in-process: holds one engine, runs requests
// one at a time, cancels on request or when a newer request with the same supersedeKey arrives, and unloads the
// model after an idle period. Every message is validated first (validate.ts): a bad one is answered with
// BAD_REQUEST, never thrown.

import { InfillEngine } from '../engine/engine';
import { abortError, EngineError, type ModelInfo } from '../engine/types';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol';
import { isAbort, toWire } from './protocol';
import { checkMessage } from './validate';

interface Job {
  id: number;
  msg: Extract<ToWorker, { type: 'infill' }>;
  ctrl: AbortController;
  passes: number;
  passesAtCancel?: number;
}

export class WorkerHost {
  private config?: WorkerConfig;
  private engine?: InfillEngine;
  private loading?: Promise<InfillEngine>;
  private queue: Job[] = [];
  private running?: Job;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly load: (dir: string, cfg: WorkerConfig) => Promise<InfillEngine> = (dir, cfg) => loadEngine(dir, cfg, send),
    /** After a shutdown message has unloaded the model: the process entry (main.ts) exits here; the host itself
     *  never ends the process, so it runs in-process in tests. */
    private readonly onShutdown: () => void = () => {},
  ) {}

  /** Takes any message off the wire: a malformed one is refused (with its id when it has one), never thrown. */
  handle(raw: unknown): void {
    try {
      const checked = checkMessage(raw);
      if (!checked.ok) {
        const error = toWire(checked.error);
        this.send(checked.id !== undefined ? { type: 'error', id: checked.id, error } : { type: 'refused', error });
        return;
      }
      this.dispatch(checked.msg);
    } catch (e) {
      this.send({ type: 'refused', error: toWire(e) });
    }
  }

  private dispatch(msg: ToWorker): void {
    switch (msg.type) {
      case 'init':
        this.config = msg.config;
        return;
      case 'load':
        this.ensureEngine().then(
          (e) => this.send({ type: 'loaded', id: msg.id, info: e.info }),
          (err) => this.send({ type: 'error', id: msg.id, error: toWire(err) }),
        );
        return;
      case 'infill':
        this.enqueue(msg);
        return;
      case 'cancel':
        this.cancel((j) => j.id === msg.id);
        return;
      case 'shutdown':
        this.cancel(() => true);
        void this.unload().finally(() => this.onShutdown());
        return;
    }
  }

  private enqueue(msg: Extract<ToWorker, { type: 'infill' }>): void {
    // Ids name requests: a second one in flight under the same id would run twice, and one cancel would stop both.
    // It is refused without an id (answering under that id would settle the first request's caller).
    if (this.running?.id === msg.id || this.queue.some((j) => j.id === msg.id)) {
      const e = new EngineError(`bad worker message: id ${msg.id} is already in flight; the duplicate request was refused`, 'BAD_REQUEST');
      this.send({ type: 'refused', error: toWire(e) });
      return;
    }
    if (msg.supersedeKey !== undefined) this.cancel((j) => j.msg.supersedeKey === msg.supersedeKey);
    // Background work (prefill ahead) yields to any real request: dropped from the queue, or stopped before its next
    // forward pass (the pass already running finishes).
    if (!msg.background) this.cancel((j) => j.msg.background === true);
    this.queue.push({ id: msg.id, msg, ctrl: new AbortController(), passes: 0 });
    void this.pump();
  }

  private cancel(match: (j: Job) => boolean): void {
    for (const j of this.queue.filter(match)) {
      this.queue.splice(this.queue.indexOf(j), 1);
      this.send({ type: 'error', id: j.id, error: toWire(abortError()) });
    }
    if (this.running && match(this.running)) {
      this.running.passesAtCancel ??= this.running.passes;
      this.running.ctrl.abort();
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.queue.findIndex((j) => !j.msg.background);
    const job = this.queue.splice(next >= 0 ? next : 0, 1)[0];
    if (!job) return;
    this.running = job;
    clearTimeout(this.idleTimer);
    try {
      const engine = await this.ensureEngine();
      if (job.ctrl.signal.aborted) throw abortError();
      this.send({ type: 'state', state: 'busy' });
      const result = await engine.infill(job.msg.request, {
        signal: job.ctrl.signal,
        onProgress: job.msg.progress ? (p) => this.send({ type: 'progress', id: job.id, progress: p }) : undefined,
        onForward: (n) => {
          job.passes = n;
          this.send({ type: 'pass', id: job.id, passes: n });
        },
      });
      result.stats.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      this.send({ type: 'result', id: job.id, result });
    } catch (err) {
      const wire = toWire(err);
      if (isAbort(err) && job.passesAtCancel !== undefined) wire.passesStartedAfterCancel = job.passes - job.passesAtCancel;
      this.send({ type: 'error', id: job.id, error: wire });
    } finally {
      this.running = undefined;
      if (this.engine) this.send({ type: 'state', state: 'ready', message: readyMessage(this.engine.info) });
      this.armIdle();
      void this.pump();
    }
  }

  private ensureEngine(): Promise<InfillEngine> {
    if (this.engine) return Promise.resolve(this.engine);
    if (!this.loading) {
      const cfg = this.config;
      if (!cfg) return Promise.reject(new Error('worker not initialised (no init message)'));
      this.send({ type: 'state', state: 'loading' });
      this.loading = this.load(cfg.modelDir, cfg).then(
        (e) => {
          this.engine = e;
          this.loading = undefined;
          this.send({ type: 'state', state: 'ready', message: readyMessage(e.info) });
          this.armIdle();
          return e;
        },
        (err) => {
          this.loading = undefined;
          this.send({ type: 'state', state: 'error', message: (err as Error).message });
          throw err;
        },
      );
    }
    return this.loading;
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const ms = this.config?.idleUnloadMs ?? 0;
    if (ms > 0 && this.engine && !this.running && this.queue.length === 0) {
      this.idleTimer = setTimeout(() => void this.unload().then(() => this.send({ type: 'state', state: 'idle', message: 'model unloaded after idle period' })), ms);
      this.idleTimer.unref?.();
    }
  }

  private async unload(): Promise<void> {
    clearTimeout(this.idleTimer);
    const e = this.engine;
    this.engine = undefined;
    await e?.dispose();
  }
}

/** The engine for a model folder; with `measureSpeed`, its pass times too (a failed measurement is only logged:
 *  the model itself loaded fine). */
async function loadEngine(dir: string, cfg: WorkerConfig, send: (m: FromWorker) => void): Promise<InfillEngine> {
  const engine = await InfillEngine.load(dir, { executionProvider: cfg.executionProvider, threads: cfg.threads, log: (line) => send({ type: 'log', line }) });
  if (cfg.measureSpeed) {
    try {
      const s = await engine.measureSpeed();
      const win = s.windowPassMs === undefined ? 'no window pass (no dual cache)' : `window pass ${Math.round(s.windowPassMs)} ms over ${s.windowTokens} tokens`;
      send({ type: 'log', line: `speed: full pass ${Math.round(s.fullPassMs)} ms over ${s.canvasTokens} tokens, ${win}; a ghost-text suggestion about ${Math.round(s.warmMs)} ms while typing at the cursor, ${Math.round(s.coldMs)} ms on a fresh canvas` });
    } catch (e) {
      send({ type: 'log', line: `speed measurement failed: ${(e as Error).message}` });
    }
  }
  return engine;
}

/** The ready state's message (the status bar's tooltip): where the model runs and why, or why not where asked. */
function readyMessage(info: ModelInfo): string | undefined {
  return [info.providerMessage, info.providerReason].filter(Boolean).join('; ') || undefined;
}
