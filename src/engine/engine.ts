// InfillEngine: the one entry point every caller uses (worker, CLI, bench, tests). Builds the canvas, runs the
// denoiser, and turns the final canvas into per-gap text and per-token confidences. No `vscode` import.

import { buildCanvas } from './canvas/canvas';
import { GhostSessions, REUSE_LIMITS } from './ghost/canvasReuse';
import { decodeGhostText, type GhostParts } from './ghost/ghostDecode';
import { ghostTextSampler } from './ghost/ghostSampler';
import type { EngineParts } from './engineParts';
import { loadEngineParts, type LoadOptions } from './model/load';
import { measureSpeed, type ModelSpeed } from './model/speed';
import { denoise, type DenoiseConfig, type DenoiseHooks, type DenoiseState, type DenoiseStats } from './sampling/denoiser';
import { resolveSampler } from './sampling/options';
import { summarizeConfidence } from './text/confidence';
import { renderSlots, tokensToText } from './text/tokenText';
import {
  abortError,
  MASK_PLACEHOLDER,
  type GapResult,
  type InfillCallOptions,
  type InfillRequest,
  type InfillResult,
  type ModelInfo,
  type SamplerOptions,
} from './types';

export class InfillEngine {
  private constructor(private readonly parts: EngineParts) {}

  static async load(modelDir: string, options: LoadOptions = {}): Promise<InfillEngine> {
    return new InfillEngine(await loadEngineParts(modelDir, options));
  }

  static fromParts(parts: EngineParts): InfillEngine {
    return new InfillEngine(parts);
  }

  get info(): ModelInfo {
    return this.parts.info;
  }

  /** Measures this model's pass times (model/speed.ts) and records them in `info.speed`. */
  async measureSpeed(): Promise<ModelSpeed> {
    const { model, tokens, info } = this.parts;
    info.speed = await measureSpeed(model, tokens, info.contextLength);
    return info.speed;
  }

  async infill(request: InfillRequest, opts: InfillCallOptions = {}): Promise<InfillResult> {
    const t0 = performance.now();
    if (opts.signal?.aborted) throw abortError();
    const { model, tokenizer, tokens, info } = this.parts;
    const ghost = request?.ghostText;
    const sampler = ghost ? ghostTextSampler(info.sampler, request?.sampler, !!model.openWindow) : resolveSampler(info.sampler, request?.sampler);
    // A ghost-text canvas that is kept for the document's next request gets room to type into (REUSE_LIMITS).
    const slack = ghost?.document !== undefined && request.gaps?.length === 1 ? REUSE_LIMITS.slackTokens : 0;
    const canvas = buildCanvas({
      pieces: request?.pieces,
      gaps: slack ? [{ ...request.gaps[0], maxTokens: request.gaps[0].maxTokens + slack }] : request?.gaps,
      prefixTokens: request?.budget?.prefixTokens,
      suffixTokens: request?.budget?.suffixTokens,
      contextLength: info.contextLength,
      encode: (t) => tokenizer.encode(t),
      tokens,
    });
    if (slack) {
      // The slack is end-of-text padding, as the spare slots of a gap are in training (a masked slack cost the bundled
      // model 1.3 ES points: bench --reuse-quality); the size asked stays masks.
      const g = canvas.gaps[0];
      g.decodeLength = request.gaps[0].maxTokens;
      canvas.ids.fill(this.ghostParts.pad, g.start + g.decodeLength, g.start + g.length);
    }
    const prepareMs = performance.now() - t0;
    const cfg = this.denoiseConfig(request, sampler);
    const hooks = this.denoiseHooks(opts);
    if (ghost) {
      const { state, stats, reuse, reusesLeft, canvasTokens } = await decodeGhostText(this.ghostParts, this.sessions, request, ghost, canvas, cfg, hooks);
      return this.result(state, stats, { tokens: canvasTokens, trimmed: canvas.trimmedTokens }, sampler, t0, prepareMs, reuse, reusesLeft);
    }
    const { state, stats } = await denoise(canvas, model, cfg, hooks);
    return this.result(state, stats, { tokens: canvas.ids.length, trimmed: canvas.trimmedTokens }, sampler, t0, prepareMs);
  }

  /** Each document's last ghost-text canvas and its keys/values (engine/ghost/canvasReuse.ts). */
  private readonly sessions = new GhostSessions();

  private get ghostParts(): GhostParts {
    const { model, tokenizer, tokens, info } = this.parts;
    return { model, shifted: info.shiftedLogits, encode: (t) => tokenizer.encode(t), bytesOf: (id) => tokenizer.bytesOf(id), mask: tokens.mask, pad: tokens.stop[0] ?? tokens.eos };
  }

  private denoiseConfig(request: InfillRequest, sampler: SamplerOptions): DenoiseConfig {
    const { tokenizer, tokens, info } = this.parts;
    const forced = request.ghostText?.forceTokensPerPass;
    // Forced work (bench, random weights): no early end, so the stop ids are never sampled either.
    const banned = [tokens.mask, tokens.bos, ...(forced ? tokens.stop : [])].filter((id, i, a) => a.indexOf(id) === i && (forced || !tokens.stop.includes(id)));
    return {
      sampler,
      shifted: info.shiftedLogits,
      maskId: tokens.mask,
      stopIds: tokens.stop,
      expandId: tokens.expand,
      bannedIds: banned,
      sampleable: tokenizer.size,
      contextLength: info.contextLength,
      singleLine: request.gaps.map((g) => g.singleLine === true && !forced),
      isLineBreak: this.isLineBreak,
      isWordToken: this.isWordToken,
      ...(forced ? { forceTokensPerPass: forced, ...(request.ghostText?.forceLength ? { forceLength: request.ghostText.forceLength } : {}) } : {}),
    };
  }

  private denoiseHooks(opts: InfillCallOptions): DenoiseHooks {
    const { tokenizer, tokens } = this.parts;
    const isMask = (id: number) => id === tokens.mask;
    const onStep = opts.onProgress
      ? (st: DenoiseState) =>
          opts.onProgress!({
            step: st.step,
            gaps: st.gaps.map((g) => renderSlots(tokenizer, st.ids.subarray(g.start, g.start + Math.min(g.stopAt, g.length)), isMask, MASK_PLACEHOLDER)),
            committed: st.committed,
            total: st.total,
          })
      : undefined;
    return { signal: opts.signal, onStep, onForward: opts.onForward };
  }

  private result(state: DenoiseState, stats: DenoiseStats, canvas: { tokens: number; trimmed: number }, sampler: SamplerOptions, t0: number, prepareMs: number, reuse?: string, reusesLeft?: number): InfillResult {
    const { tokenizer } = this.parts;
    const tr = performance.now();
    const gaps: GapResult[] = state.gaps.map((g) => {
      const end = Math.min(g.stopAt, g.length);
      const pieces = tokensToText(tokenizer, state.ids.subarray(g.start, g.start + end));
      const probs = pieces.map((_, i) => g.probs[i]);
      const confidence = summarizeConfidence(probs);
      return {
        text: pieces.map((p) => p.text).join(''),
        tokens: pieces.map((p, i) => ({ id: p.id, text: p.text, confidence: probs[i] })),
        stopped: g.stopAt < g.end,
        ...(confidence ? { confidence } : {}),
      };
    });
    const samplerMs = stats.samplerMs + (performance.now() - tr);
    const totalMs = performance.now() - t0;
    return {
      gaps,
      stats: {
        steps: stats.steps,
        forwardPasses: stats.forwardPasses,
        tokensCommitted: stats.tokensCommitted,
        // Model-committed tokens (the stop token included, slots finalised for free after it excluded) per pass.
        tokensPerForward: stats.forwardPasses > 0 ? stats.tokensCommitted / stats.forwardPasses : 0,
        slotsFinalisedByStop: stats.slotsFinalisedByStop,
        modelMs: stats.modelMs,
        samplerMs,
        prepareMs,
        totalMs,
        canvasTokens: canvas.tokens,
        trimmedTokens: canvas.trimmed,
        algorithm: sampler.algorithm,
        rowsScored: stats.rowsScored,
        windowPasses: stats.windowPasses,
        fullPasses: stats.forwardPasses - stats.windowPasses,
        ...(reuse !== undefined ? { reuse } : {}),
        ...(reusesLeft !== undefined ? { reusesLeft } : {}),
        ...(stats.cacheSkipped ? { cacheSkipped: stats.cacheSkipped } : {}),
        ...(stats.cacheLoadMs >= 1 ? { cacheLoadMs: stats.cacheLoadMs } : {}),
      },
    };
  }

  // Per-token facts the sampler asks on every denoising step, each computed from the token's bytes once.
  /** Whether a token contains '\n' or '\r' (the single-line stop). */
  private readonly isLineBreak = this.tokenFlag((b) => b.includes(0x0a) || b.includes(0x0d));
  /** Whether a token holds a letter, digit, underscore or non-ASCII byte (what the repetition penalty counts). */
  private readonly isWordToken = this.tokenFlag((b) => b.some(isWordByte));

  /** A predicate on a token's bytes, memoised per id (0 unknown, 1 yes, 2 no; the table is made on first use). */
  private tokenFlag(test: (bytes: Uint8Array) => boolean): (id: number) => boolean {
    let cache: Int8Array | undefined;
    return (id) => {
      cache ??= new Int8Array(this.parts.model.vocabSize);
      if (cache[id] === 0) cache[id] = test(this.parts.tokenizer.bytesOf(id)) ? 1 : 2;
      return cache[id] === 1;
    };
  }

  async dispose(): Promise<void> {
    this.sessions.clear();
    await this.parts.model.dispose?.();
  }
}

/** A-Z, a-z, 0-9, _ or any byte of a non-ASCII character. */
function isWordByte(b: number): boolean {
  const lower = b | 0x20;
  return b >= 0x80 || b === 0x5f || (b >= 0x30 && b <= 0x39) || (lower >= 0x61 && lower <= 0x7a);
}
