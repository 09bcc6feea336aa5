// Cancel latency through the real worker: start a long request (one token per step), abort it after a few steps,
// and count how many forward passes still completed after the abort (progress events arrive once per pass).
// "Within one forward pass" means at most the pass that was already running finishes: the worker reports how many
// passes it started after the cancel reached it (must be 0); completions seen here also include IPC delay.

import { isAbort } from '../src/worker/protocol';
import type { WorkerClient } from '../src/worker/client';
import type { BenchTask } from './tasks';

export interface CancelResult {
  trials: number;
  /** Worker side: passes started after the cancel reached the worker (0 = the running pass finished, no more). */
  maxPassesStartedAfterCancel: number;
  /** Client side: passes completed after abort() was called here (includes IPC and scheduling delay). */
  maxForwardsAfterCancel: number;
  meanLatencyMs: number;
  maxLatencyMs: number;
  /** Mean duration of one forward pass in these requests (for scale). */
  meanForwardMs: number;
}

export async function measureCancel(client: WorkerClient, task: BenchTask, budget: { prefixTokens: number; suffixTokens: number }, trials = 5): Promise<CancelResult> {
  const latencies: number[] = [];
  const after: number[] = [];
  const started: number[] = [];
  const forwardMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    const ctrl = new AbortController();
    let steps = 0;
    let stepsAtAbort = -1;
    let abortAt = 0;
    let lastStepAt = performance.now();
    const cancelAfter = 2 + i;
    const p = client.infill(
      { pieces: [task.prefix, task.suffix], gaps: [{ maxTokens: 64 }], sampler: { algorithm: 'entropy', steps: 64, temperature: 0, topP: 1 }, budget },
      {
        signal: ctrl.signal,
        onProgress: () => {
          const now = performance.now();
          if (steps > 0) forwardMs.push(now - lastStepAt);
          lastStepAt = now;
          steps++;
          if (steps === cancelAfter) {
            stepsAtAbort = steps;
            abortAt = performance.now();
            ctrl.abort();
          }
        },
      },
    );
    try {
      await p;
      throw new Error('the cancelled request completed instead of being cancelled');
    } catch (e) {
      if (!isAbort(e)) throw e;
      started.push((e as { passesStartedAfterCancel?: number }).passesStartedAfterCancel ?? Infinity);
    }
    latencies.push(performance.now() - abortAt);
    after.push(steps - stepsAtAbort);
  }
  return {
    trials,
    maxPassesStartedAfterCancel: Math.max(...started),
    maxForwardsAfterCancel: Math.max(...after),
    meanLatencyMs: latencies.reduce((a, b) => a + b, 0) / trials,
    maxLatencyMs: Math.max(...latencies),
    meanForwardMs: forwardMs.reduce((a, b) => a + b, 0) / Math.max(1, forwardMs.length),
  };
}
