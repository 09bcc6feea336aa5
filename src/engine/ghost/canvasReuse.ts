// Reuse across keystrokes (Fast-dLLM's dual cache carried from one ghost-text request to the next). Each document
// keeps its last canvas and the keys/values of every position. When the user typed at the cursor — the prefix grew
// by t tokens and the text after the cursor is the same — the new canvas keeps everything at the same positions:
// the typed tokens take the gap's first t slots and the gap shrinks by t (gaps are end-of-text padded in training,
// so their length is free). Only the changed tail and the gap are recomputed, by window passes; the rest of the
// prefix and the whole suffix keep their cached keys/values, computed before the user typed (the approximation,
// measured in bench/results/ghost-reuse-quality.json). Anything else recomputes in full.

import type { WindowForward } from '../forwardModel';

/** A document's last canvas and the cache that holds its keys/values. */
export interface GhostSession {
  win: WindowForward;
  /** The canvas as the last request left it (its prefix and suffix tokens; the gap's content does not matter). */
  ids: Int32Array;
  /** The canvas as the cache holds it, position by position (what each position's keys/values were computed from). */
  cacheIds: Int32Array;
  gapStart: number;
  gapLength: number;
  /** The gap's length when the canvas was built (its size as asked plus REUSE_LIMITS.slackTokens). */
  builtGap: number;
  /** The gap the canvas was built for: a line canvas never serves a block request (it is too short); a block
   *  canvas serves the line requests that follow on its line. */
  maxTokens: number;
  singleLine: boolean;
  /** The text of the canvas's prefix tokens (keptPrefixText): a reusing request's prefix must end with it + typed text. */
  keptText: string;
  /** The text of the canvas's suffix tokens (keptSuffixText): a reusing request's suffix must start with it ... */
  keptSuffix: string;
  /** ... and be equal to it when the canvas held the whole suffix piece (nothing past it was cut off). */
  suffixWhole: boolean;
  /** Requests answered from this canvas since it was last computed in full. */
  reuses: number;
  /** Mean log probability of the last full answer's tokens (the confidence-collapse check's reference). */
  fullLogProb?: number;
}

/** A reused canvas: the ids to decode and where its cache is stale. */
export interface Reuse {
  ids: Int32Array;
  gapStart: number;
  gapLength: number;
  /** Tokens the prefix grew by. */
  grew: number;
}

export const REUSE_LIMITS = {
  /** Recompute in full after this many requests answered from one canvas. */
  maxReuses: 8,
  /** The longest typed text (characters) still treated as typing at the cursor. */
  maxTypedChars: 64,
  /** Tokens re-encoded at the prefix's end with the typed text (a merge across the old end changes them). */
  backoffTokens: 3,
  /** A reused gap keeps at least this share of the requested size (else the suggestion would be cut short). */
  minGapShare: 0.5,
  /** Recompute when a reused answer's mean log probability falls this far (nats) below the last full one's. */
  collapseNats: Math.log(4),
  /**
   * Slots a ghost-text canvas holds past the gap's size as asked, end-of-text padded and never decoded: room for the
   * user to type into, so a line typed on keeps its canvas. Without it a 24-token line gap was used up after 12 typed
   * tokens, and a 1.5B model spent its next 5 s on a full pass while the user typed on (bench --typing-trace).
   */
  slackTokens: 16,
};

export interface ReuseAsk {
  prefix: string;
  suffix: string;
  maxTokens: number;
  singleLine: boolean;
}

export interface ReuseText {
  encode(text: string): number[];
  bytesOf(id: number): Uint8Array;
  mask: number;
  /** What fills a gap's slots past the size asked (the stop's fill: the end-of-text padding the model trains on). */
  pad: number;
}

/** The new canvas when `ask` is the old one with text typed at the cursor; otherwise why it is not. */
export function planReuse(s: GhostSession, ask: ReuseAsk, tok: ReuseText, limits = REUSE_LIMITS): Reuse | { reason: string } {
  if (ask.maxTokens > s.maxTokens || (!ask.singleLine && s.singleLine)) return { reason: 'gap shape changed' };
  // The caller's window may reach further past the cursor now: the text the canvas holds must still follow it.
  if (s.suffixWhole ? ask.suffix !== s.keptSuffix : !ask.suffix.startsWith(s.keptSuffix)) return { reason: 'edit after the cursor' };
  if (s.reuses >= limits.maxReuses) return { reason: `reused ${s.reuses} times` };
  // The canvas's prefix tokens are pinned (their positions and keys/values stay): the new prefix must end with
  // their text followed by what was typed. The piece's front may have moved; what lies before the canvas is unseen.
  const at = s.keptText === '' ? 0 : ask.prefix.lastIndexOf(s.keptText);
  if (at < 0) return { reason: 'edit before the cursor' };
  const typed = ask.prefix.slice(at + s.keptText.length);
  if (typed.length > limits.maxTypedChars) return { reason: at === 0 && s.keptText === '' ? 'edit before the cursor' : 'typed too much' };

  // Re-encode the last few prefix tokens with the typed text: a merge across the old end changes them.
  const P = s.gapStart;
  const back = Math.min(limits.backoffTokens, P - 1);
  const oldTail = decodeExact(s.ids.subarray(P - back, P), tok);
  if (oldTail === undefined || !s.keptText.endsWith(oldTail)) return { reason: 'prefix tokens do not round-trip' };
  const tail = tok.encode(oldTail + typed);
  const newP = P - back + tail.length;
  const gapEnd = s.gapStart + s.gapLength;
  const gapLength = gapEnd - newP;
  if (gapLength < Math.max(1, Math.ceil(ask.maxTokens * limits.minGapShare))) return { reason: 'gap used up' };
  // Typed characters can merge the prefix's last tokens into fewer: the gap then grows a little, which is as free.
  if (gapLength > s.builtGap + limits.backoffTokens) return { reason: 'prefix shrank' };

  const ids = s.ids.slice();
  ids.set(tail, P - back);
  // The size asked in masks, the rest end-of-text padding (as a fresh canvas's slack is).
  const masksEnd = Math.min(gapEnd, newP + ask.maxTokens);
  ids.fill(tok.mask, newP, masksEnd);
  ids.fill(tok.pad, masksEnd, gapEnd);
  // What is stale in the cache follows from comparing `ids` with s.cacheIds, pass by pass (denoiseForward.ts).
  return { ids, gapStart: newP, gapLength, grew: newP - P };
}

/**
 * The text of the canvas's prefix tokens [1, gapStart) as a tail of the prefix piece, dropping leading tokens until
 * the rest decodes to whole characters that end the piece; undefined when none does (reuse is then never tried).
 */
export function keptPrefixText(ids: Int32Array, gapStart: number, prefixPiece: string, tok: ReuseText): string | undefined {
  for (let from = 1; from <= Math.min(gapStart, 5); from++) {
    const text = decodeExact(ids.subarray(from, gapStart), tok);
    if (text !== undefined && prefixPiece.endsWith(text)) return from === 1 || text !== '' ? text : undefined;
  }
  return undefined;
}

/**
 * The text of the canvas's suffix tokens (after the gap, before the closing end-of-text), dropping trailing tokens
 * until the rest decodes to whole characters: a reusing request's suffix piece must start with it.
 */
export function keptSuffixText(ids: Int32Array, gapEnd: number, tok: ReuseText): string {
  for (let to = ids.length - 1; to > gapEnd; to--) {
    const text = decodeExact(ids.subarray(gapEnd, to), tok);
    if (text !== undefined) return text;
  }
  return '';
}

/** The text of some tokens when their bytes are whole UTF-8 characters (undefined when a character is split). */
function decodeExact(ids: Int32Array, tok: ReuseText): string | undefined {
  const parts = Array.from(ids, (id) => tok.bytesOf(id));
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Each document's last canvas, a few documents at most (each holds every layer's keys/values of its canvas). */
export class GhostSessions {
  private readonly map = new Map<string, GhostSession>();
  constructor(private readonly max = 2) {}

  /** Takes a document's session out (a request owns it while it runs; `put` files it again). */
  take(key: string): GhostSession | undefined {
    const s = this.map.get(key);
    this.map.delete(key);
    return s;
  }

  put(key: string, s: GhostSession): void {
    this.map.delete(key);
    this.map.set(key, s);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  /** Any session's cache, to recycle for another document (its keys/values are overwritten by a prefill). */
  spare(): WindowForward | undefined {
    if (this.map.size < this.max) return undefined;
    const oldest = this.map.keys().next().value as string;
    const s = this.map.get(oldest)!;
    this.map.delete(oldest);
    return s.win;
  }

  clear(): void {
    this.map.clear();
  }
}
