// The typing-trace bench (issue 23): bench/typing/trace.json replayed in real time through the editor's ghost-text
// pipeline (src/completion/ghostText.ts with the extension's default settings and debounce, one request per
// keystroke, a keystroke cancelling the request before it as VS Code cancels the provider's token) against the real
// worker process. Strategies run one after the other in the same process, so they share the machine's load.
//
//   node dist/bench.js --typing-trace [--model DIR] [--out FILE] [--force-tokens N] [--strategies a,b]
//
// Latency is from the model request (sent when the debounce ran out) to the suggestion, over the requests that got
// an answer (a later keystroke cancels the others); `keystrokeMs` adds the debounce (keystroke to suggestion).

import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { windowSpan } from '../src/completion/context/contextWindow';
import { GhostText } from '../src/completion/ghostText';
import { PrefillAhead } from '../src/completion/prefill/prefillAhead';
import type { CompletionInput, CompletionSettings } from '../src/completion/types';
import type { InfillResult, ModelInfo } from '../src/engine/types';
import type { WorkerClient } from '../src/worker/client';
import { debounce } from '../src/extension/completion/debounce';
import { loadTokenizer } from '../src/engine/model/tokenizer';
import { mean, percentile } from './stats';
import { ghostTextSettings } from './ghost-text';
import { loadTrace, TraceDocument, type Trace } from './typing/trace';

export interface Strategy {
  name: string;
  /** Reuse the document's last canvas across keystrokes (engine/ghost/canvasReuse.ts). */
  reuse: boolean;
  /** Prefill ahead on a typing pause, a move to another line, a file opened (completion/prefill). */
  prefill: boolean;
}

export const STRATEGIES: Strategy[] = [
  { name: 'reuse + prefill ahead', reuse: true, prefill: true },
  { name: 'reuse', reuse: true, prefill: false },
  { name: 'recompute every request', reuse: false, prefill: false },
];

export interface TraceFigures {
  strategy: string;
  keystrokes: number;
  /** Model requests answered (not cancelled by a later keystroke). */
  requests: number;
  /** Model requests started (answered or cancelled). */
  requestsStarted: number;
  /** Suggestions shown (model answers that passed the gate and filters, plus typing-cache hits). */
  shown: number;
  shownFromCache: number;
  /** Model request to suggestion. */
  latencyMs: { p50: number; p95: number };
  /** Keystroke to suggestion (the debounce included). */
  keystrokeMs: { p50: number; p95: number };
  passesPerRequest: { full: number; window: number };
  /** Share of answered requests that reused the document's last canvas (no full pass). */
  reusedShare: number;
  /** Why answered requests recomputed in full, with counts. */
  fullBecause: Record<string, number>;
  canvasTokensMedian: number;
  prefills: { started: number; finished: number };
  wallS: number;
  load: number[];
}

interface Answer {
  keyAt: number;
  requestAt?: number;
  doneAt: number;
  result?: InfillResult;
  shown: boolean;
  fromCache: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * `answerTokens`: with forced decoding, how many tokens the answer at a keystroke has — the rest of the line as the
 * model's tokenizer cuts it, plus the line's end — so a random-weight model does a trained one's work on this line.
 */
export async function replayTrace(client: WorkerClient, trace: Trace, settings: CompletionSettings, strategy: Strategy, answerTokens?: (answer: string) => number): Promise<TraceFigures> {
  const load0 = loadavg();
  const ghost = new GhostText();
  const docs = new Map<string, TraceDocument>();
  const answers: Answer[] = [];
  let started = 0;
  let current: AbortController | undefined;
  const inflight: Promise<void>[] = [];
  const stt = { ...settings, reuse: strategy.reuse };
  const budget = { prefixTokens: settings.prefixTokens, suffixTokens: settings.suffixTokens };
  const prefill = strategy.prefill
    ? new PrefillAhead(ghost, (req, signal) => client.infill(req, { signal, supersedeKey: `prefill:${req.ghostText?.document}`, background: true }))
    : undefined;
  const inputOf = (doc: TraceDocument): CompletionInput => {
    const span = windowSpan(doc.offset, doc.text.length, budget);
    return { text: doc.text.slice(span.start, span.end), offset: doc.offset - span.start, languageId: doc.languageId, indent: { insertSpaces: true, tabSize: 4 }, documentKey: doc.name };
  };

  const provide = (doc: TraceDocument, keyAt: number, answer: string) => {
    current?.abort(); // VS Code cancels the previous call's token on the next keystroke
    const ctrl = (current = new AbortController());
    prefill?.cancel();
    const input = inputOf(doc);
    const asked = settings.forceTokensPerPass && answerTokens ? { ...stt, forceLength: answerTokens(answer) + 1 } : stt;
    const a: Answer = { keyAt, doneAt: 0, shown: false, fromCache: false };
    const p = ghost
      .complete(
        input,
        asked,
        async (req) => {
          a.requestAt = performance.now();
          started++;
          prefill?.cancel();
          a.result = await client.infill(req, { signal: ctrl.signal, supersedeKey: doc.name });
          return a.result;
        },
        { beforeRequest: () => debounce(settings.debounceMs ?? 0, ctrl.signal) },
      )
      .then(
        (outcome) => {
          if (ctrl.signal.aborted) return; // the editor would not show it: a newer keystroke came
          a.doneAt = performance.now();
          a.shown = outcome.shown;
          a.fromCache = outcome.shown && outcome.source === 'cache';
          answers.push(a);
          prefill?.answered(input, stt, a.result?.stats.reuse, a.result?.stats.reusesLeft);
        },
        () => undefined, // cancelled
      );
    inflight.push(p);
  };

  const t0 = performance.now();
  for (const ev of trace.events) {
    await sleep(t0 + ev.t - performance.now());
    const at = performance.now();
    if (ev.op === 'open') {
      const d = new TraceDocument(ev.doc, ev.languageId, ev.text, ev.offset);
      docs.set(ev.doc, d);
      prefill?.now(inputOf(d), stt);
      continue;
    }
    const d = docs.get(ev.doc)!;
    if (ev.op === 'move') {
      const line = d.line();
      d.offset = ev.offset;
      current?.abort();
      if (d.line() !== line) prefill?.now(inputOf(d), stt);
      continue;
    }
    d.type(ev.text);
    provide(d, at, ev.answer);
  }
  await Promise.all(inflight);
  await prefill?.idle();
  prefill?.dispose();
  for (const [name, text] of Object.entries(trace.final)) if (docs.get(name)?.text !== text) throw new Error(`trace replay left ${name} different from its source`);

  const model = answers.filter((a) => a.result);
  const lat = model.map((a) => a.doneAt - a.keyAt);
  const mdl = model.map((a) => a.doneAt - a.requestAt!);
  const stats = model.map((a) => a.result!.stats);
  const fullBecause: Record<string, number> = {};
  for (const s of stats) if (s.reuse !== 'reused') fullBecause[s.reuse ?? 'no document'] = (fullBecause[s.reuse ?? 'no document'] ?? 0) + 1;
  return {
    strategy: strategy.name,
    keystrokes: trace.events.filter((e) => e.op === 'type').length,
    requests: model.length,
    requestsStarted: started,
    shown: answers.filter((a) => a.shown).length,
    shownFromCache: answers.filter((a) => a.fromCache).length,
    latencyMs: { p50: percentile(mdl, 50), p95: percentile(mdl, 95) },
    keystrokeMs: { p50: percentile(lat, 50), p95: percentile(lat, 95) },
    ...passFigures(stats),
    fullBecause,
    canvasTokensMedian: percentile(stats.map((s) => s.canvasTokens), 50),
    prefills: prefill ? { ...prefill.counts } : { started: 0, finished: 0 },
    wallS: (performance.now() - t0) / 1000,
    load: loadFigures(load0),
  };
}

export function modelShape(modelDir: string): { hiddenSize?: number; layers?: number } {
  const m = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  return { hiddenSize: m.architecture?.hidden_size, layers: m.architecture?.num_hidden_layers };
}

/** The model's own tokenizer, to count an answer's tokens for forced decoding. */
export function answerTokenizer(modelDir: string): (answer: string) => number {
  const m = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  const tok = loadTokenizer(join(modelDir, m.tokenizer ?? 'tokenizer.json'));
  return (answer) => tok.encode(answer).length;
}

export function traceSettings(root: string, info: ModelInfo, forceTokensPerPass: number): CompletionSettings {
  const s = ghostTextSettings(root, info.ghostText?.minConfidence ?? 0);
  return { ...s, ...(forceTokensPerPass > 0 ? { forceTokensPerPass } : {}) };
}

export { loadTrace, cpus };

export interface ClosedLoopFigures {
  strategy: string;
  requests: number;
  latencyMs: { p50: number; p95: number };
  passesPerRequest: { full: number; window: number };
  /** Medians per request: time in the model's passes and in the sampler (the rest is the pipeline and the worker's IPC). */
  medianMs: { model: number; sampler: number };
  reusedShare: number;
  load: number[];
}

/**
 * The trace's first `keys` keystrokes with every request run to its end before the next key (no pacing, no debounce,
 * nothing cancelled): what one request costs under each strategy on a machine too slow or too busy for the real-time
 * replay to get answers (the real-time figures stay the ones that count).
 */
export async function closedLoop(client: WorkerClient, trace: Trace, settings: CompletionSettings, strategy: Strategy, keys: number, answerTokens?: (answer: string) => number): Promise<ClosedLoopFigures> {
  const load0 = loadavg();
  const docs = new Map<string, TraceDocument>();
  const times: number[] = [];
  const stats: InfillResult['stats'][] = [];
  const stt = { ...settings, reuse: strategy.reuse };
  let typed = 0;
  for (const ev of trace.events) {
    if (typed >= keys) break;
    if (ev.op === 'open') {
      docs.set(ev.doc, new TraceDocument(ev.doc, ev.languageId, ev.text, ev.offset));
      continue;
    }
    const d = docs.get(ev.doc)!;
    if (ev.op === 'move') {
      d.offset = ev.offset;
      continue;
    }
    d.type(ev.text);
    typed++;
    const span = windowSpan(d.offset, d.text.length, settings);
    const input = { text: d.text.slice(span.start, span.end), offset: d.offset - span.start, languageId: d.languageId, indent: { insertSpaces: true, tabSize: 4 }, documentKey: d.name };
    const asked = settings.forceTokensPerPass && answerTokens ? { ...stt, forceLength: answerTokens(ev.answer) + 1 } : stt;
    const t = performance.now();
    let result: InfillResult | undefined;
    // A fresh pipeline per key: its typing cache would answer some keys without the model.
    await new GhostText().complete(input, asked, async (req) => (result = await client.infill(req)));
    if (!result) continue;
    times.push(performance.now() - t);
    stats.push(result.stats);
  }
  const { passesPerRequest, reusedShare } = passFigures(stats);
  return {
    strategy: strategy.name,
    requests: times.length,
    latencyMs: { p50: percentile(times, 50), p95: percentile(times, 95) },
    passesPerRequest,
    medianMs: { model: percentile(stats.map((s) => s.modelMs), 50), sampler: percentile(stats.map((s) => s.samplerMs), 50) },
    reusedShare,
    load: loadFigures(load0),
  };
}

/** What the answered requests ran, from their stats (both replays report it the same way). */
function passFigures(stats: InfillResult['stats'][]): { passesPerRequest: { full: number; window: number }; reusedShare: number } {
  return {
    passesPerRequest: { full: mean(stats.map((s) => s.fullPasses ?? s.forwardPasses - (s.windowPasses ?? 0))), window: mean(stats.map((s) => s.windowPasses ?? 0)) },
    reusedShare: stats.length ? stats.filter((s) => s.reuse === 'reused').length / stats.length : 0,
  };
}

/** The 1-, 5- and 15-minute load when the replay began, then the 1-minute load at its end. */
function loadFigures(load0: number[]): number[] {
  return [...load0.map((x) => +x.toFixed(2)), +loadavg()[0].toFixed(2)];
}
