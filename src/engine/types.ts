// The engine's public shapes. The extension, the worker protocol, the CLI and the bench all code against these;
// fields may be ADDED (optional) but never renamed or removed.

import type { ModelSpeed } from './model/speed';

export type Algorithm = 'origin' | 'maskgit_plus' | 'topk_margin' | 'entropy' | 'threshold';

export interface SamplerOptions {
  /** Dream's origin / maskgit_plus / topk_margin / entropy (fixed schedule) or Fast-dLLM confidence threshold. */
  algorithm: Algorithm;
  /** Denoising steps for the schedule algorithms (default: one token per step). Ignored by 'threshold'. */
  steps?: number;
  /**
   * When `steps` is unset: steps = round(masks × stepsPerToken), at least 1 (default 1, one token per step). 0.25
   * commits about four tokens per forward pass at any gap size, which a fixed `steps` cannot. Ignored by 'threshold'.
   */
  stepsPerToken?: number;
  /** 'threshold': commit every mask whose probability is >= threshold (always at least one per step). */
  threshold: number;
  /** Split each gap into blocks of this many tokens, decoded left to right (semi-autoregressive). */
  blockSize?: number;
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Nucleus filter, applied before top-k (Dream's order). 1 = off. */
  topP: number;
  /** Keep only the k most likely tokens. Undefined or 0 = off. */
  topK?: number;
  /** > 0: positions are sampled proportionally to softmax(confidence / algTemp) instead of taken by rank. */
  algTemp?: number;
  /** End time of Dream's linspace(1, eps, steps + 1) schedule. */
  eps: number;
  /** Seed of the request's PRNG; the same seed and request give the same result. */
  seed: number;
  /**
   * A stop token may only be committed right after committed text (or in a gap's first slot): an unsure model
   * then cannot end an answer at slot 2 while slot 1 is undecided. End-of-text is the most frequent target in
   * padded training gaps, so small models otherwise return empty or one-token answers.
   */
  eosAfterText?: boolean;
  /**
   * 'dual': Fast-dLLM's dual cache (models with a window graph): a full pass at each block start caches every
   * layer's keys/values; the block's other steps recompute only the block and reuse the cache for the context.
   * 'none' (default): every step is a full pass.
   */
  cache?: 'none' | 'dual';
  /** With the dual cache: also refresh it after this many window passes inside a block (0 = only at block starts). */
  cacheRefresh?: number;
  /**
   * Subtracted from a masked slot's logit for each word token its gap has committed within 8 slots of it, on
   * either side (sampling/repetition.ts). Undefined or 0 = off.
   */
  repetitionPenalty?: number;
}

export interface InfillGap {
  /** Number of MASK tokens placed in the gap (the longest answer the gap can hold). */
  maxTokens: number;
  /**
   * Single-line completion (ghost text): the gap ends with its first committed token that contains a line break
   * (kept in the text); the slots after it are finalised without more forward passes.
   */
  singleLine?: boolean;
}

export interface InfillRequest {
  /** Text around the gaps: pieces[0] gap0 pieces[1] gap1 ... (pieces.length = gaps.length + 1). */
  pieces: string[];
  gaps: InfillGap[];
  sampler?: Partial<SamplerOptions>;
  budget?: { prefixTokens?: number; suffixTokens?: number };
  /** Ghost text's decode (docs/engine.md#ghost-text): absent for fills, which decode as the sampler says. */
  ghostText?: GhostTextDecode;
}

/**
 * A ghost-text request (engine/ghost/): decoded in parallel whatever the manifest recommends for fills (threshold,
 * or about four tokens a step under a schedule algorithm), with at most one full pass, and, for a `document`, the
 * document's last canvas and keys/values kept between requests and reused when the user typed at the cursor.
 */
export interface GhostTextDecode {
  /** Which document's last canvas this request may reuse and replaces (e.g. its URI); absent: nothing is kept. */
  document?: string;
  /** false: always recompute in full (the exact answer reuse is measured against). Default true. */
  reuse?: boolean;
  /** Only compute the canvas's keys/values (prefill ahead): no tokens are decoded, the result's gaps are empty. */
  prefillOnly?: boolean;
  /**
   * Bench only, for random-weight models: commit exactly this many tokens per pass and never end early (stop tokens
   * are not sampled, a line break does not end a line gap), so a model that would end at once does the work a
   * trained one does.
   */
  forceTokensPerPass?: number;
  /** With forceTokensPerPass: the answer is this many tokens (where a trained model would end the line). */
  forceLength?: number;
}

export interface GapToken {
  id: number;
  text: string;
  /** Probability the model gave this token when it was committed (0..1). */
  confidence: number;
}

export interface GapResult {
  text: string;
  tokens: GapToken[];
  /** True when a stop token ended the gap before it was full. */
  stopped: boolean;
  /** Summary of `tokens`' confidences (absent for an empty gap): what a confidence gate compares. */
  confidence?: ConfidenceSummary;
  /**
   * Set when the request was cut short (InfillResult.partial): `text` holds only the tokens committed by then (the
   * slots still masked are left out) and `tokens` is empty, so the whole text is to be treated as unsure.
   */
  partial?: boolean;
}

export interface ConfidenceSummary {
  /** The least confident token. */
  min: number;
  mean: number;
  /** exp(mean log p): the probability per token of the whole answer. */
  geomean: number;
  /** How many tokens the summary covers. */
  tokens: number;
}

export interface InfillStats {
  /** Denoising steps (one forward pass each). */
  steps: number;
  forwardPasses: number;
  /** Tokens committed into gaps (stop-finalised slots are not counted) per forward pass. */
  tokensPerForward: number;
  tokensCommitted: number;
  /** Slots finalised as stop tokens without a forward pass (after a stop token ended a gap). */
  slotsFinalisedByStop: number;
  /** Wall time inside the model's forward (ONNX Runtime run + copying logits out). */
  modelMs: number;
  /** Wall time in the sampler (confidence, selection, commits, progress text). */
  samplerMs: number;
  /** Wall time tokenizing and building the canvas. */
  prepareMs: number;
  totalMs: number;
  /** Tokens in the canvas sent to the model (BOS + pieces + masks + EOS). */
  canvasTokens: number;
  /** Prefix/suffix tokens dropped to fit the budget or the context length. */
  trimmedTokens: number;
  algorithm: Algorithm;
  /** Logit rows the sampler scored (sum over forward passes of the rows asked for); drives sampler cost. */
  rowsScored?: number;
  /** Forward passes that ran only a window of the canvas over the dual cache (included in forwardPasses). */
  windowPasses?: number;
  /** Set when a requested dual cache could not be used (why); the request then ran full passes. */
  cacheSkipped?: string;
  /** Time this request spent opening the dual cache (loading a separate window graph on first use; graph v2
   *  models share their one session, so ~0): counted in totalMs, not in modelMs or samplerMs. */
  cacheLoadMs?: number;
  /** Full passes (forwardPasses − windowPasses). */
  fullPasses?: number;
  /** Ghost text with a document: 'reused' when the document's last canvas was reused (window passes only), else why
   *  it was recomputed in full ('no canvas', 'edit after the cursor', 'reused 8 times', 'confidence collapsed', ...). */
  reuse?: string;
  /** Ghost text with a document: how many more requests the kept canvas may answer before one recomputes in full. */
  reusesLeft?: number;
  /** Peak resident set size of the process that ran the request, when known (MB). */
  peakRssMb?: number;
}

export interface InfillResult {
  gaps: GapResult[];
  stats: InfillStats;
  /** The request stopped before every slot was decided (a client's limit, src/worker/stallWatch.ts): why, and how
   *  many of the masked slots had been committed. Only for callers that asked for it (InfillOptions). */
  partial?: { reason: string; committed: number; total: number };
}

export interface StepProgress {
  step: number;
  /** Current text of each gap; masks show as MASK_PLACEHOLDER. */
  gaps: string[];
  committed: number;
  total: number;
}

/** Shown in progress text for a still-masked slot. */
export const MASK_PLACEHOLDER = '\u2591';

export interface InfillCallOptions {
  signal?: AbortSignal;
  onProgress?: (p: StepProgress) => void;
  /** Called right before each forward pass starts (passes started so far, this one included). */
  onForward?: (passes: number) => void;
}

export interface ModelInfo {
  name: string;
  vocabSize: number;
  contextLength: number;
  shiftedLogits: boolean;
  /** Execution provider the session actually runs on ('cpu' after a fallback). */
  provider: string;
  /** Why the requested provider was not used, when it fell back. */
  providerMessage?: string;
  /** With executionProvider "auto": which provider it chose and why (model/providers.ts). */
  providerReason?: string;
  /** Absolute path of the model card, when the manifest names one. */
  cardPath?: string;
  modelDir: string;
  license?: string;
  /** Sampler defaults recommended by the manifest. */
  sampler: Partial<SamplerOptions>;
  /** Ghost-text defaults calibrated for this model (manifest `ghostText`). */
  ghostText?: { minConfidence?: number };
  /** Whether the model serves the dual cache (sampler.cache 'dual'): a window graph, or graph v2's one graph. */
  dualCache?: boolean;
  /** Measured pass times, when the caller asked for them (InfillEngine.measureSpeed; model/speed.ts). */
  speed?: ModelSpeed;
}

/**
 * Every code an engine error carries. A closed list, so callers (the extension, the CLI, the server) can branch on
 * `code` after the error has crossed IPC or HTTP, where `instanceof` and class names do not survive.
 */
export const ENGINE_ERROR_CODES = [
  // the model folder and its files
  'NO_MODEL',
  'BAD_CONTRACT',
  'BAD_MANIFEST',
  'MISSING_FILE',
  'PERMISSION_DENIED',
  'BAD_MODEL',
  'BAD_TOKENIZER',
  'BAD_TOKEN_ID',
  'VOCAB_MISMATCH',
  'OUT_OF_MEMORY',
  // the request and its options
  'BAD_OPTION',
  'BAD_SAMPLER',
  'BAD_REQUEST',
  'BAD_MARKER',
  'TOO_LONG',
  // the request's fate
  'ABORTED',
  'UNLOADED',
  'INTERNAL',
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export function isEngineErrorCode(code: unknown): code is EngineErrorCode {
  return (ENGINE_ERROR_CODES as readonly unknown[]).includes(code);
}

/** An error meant for the user: a clear message, no stack needed. `code` lets callers branch. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: EngineErrorCode,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** A cancelled request. Named AbortError like the DOM's, so code that checks the name (and the server, which
 *  answers 499 on it) keeps working; code ABORTED for callers that branch on codes. */
export function abortError(message = 'The request was cancelled.'): EngineError {
  const e = new EngineError(message, 'ABORTED');
  e.name = 'AbortError';
  return e;
}
