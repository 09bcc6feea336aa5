// Prefill ahead: the full pass over a canvas is what makes a suggestion slow on a real model (about a second at
// 0.5B on a laptop CPU), so the editor computes it in the background before it is needed — when a file is opened,
// when the cursor moves to another line, and after a typing pause that followed a suggestion from a canvas near its
// reuse limit (refreshing the approximate cache in full before a request would have to). The worker runs it at low
// priority and drops it the moment a real request comes (worker/workerHost.ts); the next suggestion at that cursor
// then reuses the warm canvas (engine/ghost/). A pass already running cannot be stopped (ONNX Runtime's run is one
// native call), so a request that comes during one waits for it: the refresh waits until the canvas has used up
// half its reuses (typing-trace bench: refreshing after every reused answer cost more in such waits than it saved).

import { REUSE_LIMITS } from '../../engine/ghost/canvasReuse';
import type { InfillRequest } from '../../engine/types';
import type { GhostText } from '../ghostText';
import type { CompletionInput, CompletionSettings } from '../types';

/** Sends a background request; rejects (AbortError) when the signal aborts or a real request pre-empts it. */
export type SendBackground = (request: InfillRequest, signal: AbortSignal) => Promise<unknown>;

export class PrefillAhead {
  /** Background prefills started and finished (bench, logs). */
  readonly counts = { started: 0, finished: 0 };
  private ctrl?: AbortController;
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;

  constructor(
    private readonly ghost: GhostText,
    private readonly send: SendBackground,
    /** How long typing must pause before the refresh after a reused suggestion. */
    private readonly pauseMs = 600,
    /** Refresh only a canvas with at most this many reuses left. */
    private readonly refreshWhenLeft = REUSE_LIMITS.maxReuses / 2,
  ) {}

  /** A file opened or the cursor moved to another line: prefill at the cursor now. */
  now(input: CompletionInput, settings: CompletionSettings): void {
    this.cancel();
    this.start(input, settings);
  }

  /** A suggestion was answered: when it reused a canvas that has few reuses left, refresh it in full after a pause. */
  answered(input: CompletionInput, settings: CompletionSettings, reuse: string | undefined, reusesLeft?: number): void {
    clearTimeout(this.timer);
    if (reuse !== 'reused' || (reusesLeft !== undefined && reusesLeft > this.refreshWhenLeft)) return;
    this.timer = setTimeout(() => this.start(input, settings), this.pauseMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** A keystroke or a real request: the pending refresh and the running prefill are dropped. */
  cancel(): void {
    clearTimeout(this.timer);
    this.ctrl?.abort();
    this.ctrl = undefined;
  }

  /** Resolves when the running prefill (if any) has settled. */
  async idle(): Promise<void> {
    await this.running;
  }

  dispose(): void {
    this.cancel();
  }

  private start(input: CompletionInput, settings: CompletionSettings): void {
    this.ctrl?.abort();
    const ctrl = (this.ctrl = new AbortController());
    this.counts.started++;
    this.running = this.send(this.ghost.prefillRequest(input, settings), ctrl.signal).then(
      () => void this.counts.finished++,
      () => undefined, // dropped for a real request, or the worker is gone: nothing to do
    );
  }
}
