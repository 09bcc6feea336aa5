// Builds the model input `[BOS] piece0 MASK×n0 piece1 MASK×n1 ... pieceK [EOS]` for any number of gaps.
// The outer prefix (piece0) and suffix (pieceK) are trimmed to their token budgets keeping the tokens nearest the
// gaps; inner pieces are kept whole (cutting them would move a gap). The whole canvas respects contextLength.
// Huge texts are cut by characters before tokenizing so a 10 MB file costs no more than its useful window.

import { EngineError, type InfillGap } from '../types';

export interface CanvasTokens {
  bos: number;
  eos: number;
  mask: number;
}

export interface CanvasSpec {
  pieces: string[];
  gaps: InfillGap[];
  prefixTokens?: number;
  suffixTokens?: number;
  contextLength: number;
  encode: (text: string) => number[];
  tokens: CanvasTokens;
}

export interface GapSpan {
  start: number;
  length: number;
  /** Decode only the first this many slots; the rest stay masks the model sees (ghost text's room to type into). */
  decodeLength?: number;
}

export interface Canvas {
  ids: Int32Array;
  gaps: GapSpan[];
  /** Prefix/suffix tokens dropped to fit the budgets. */
  trimmedTokens: number;
}

/** First guess of characters per token for the window cut before tokenizing (code averages 3 to 4); the window
 *  grows 4x while it yields fewer tokens than the budget, so a long-token text still fills its budget. */
const CHARS_PER_TOKEN = 6;

export function validateShape(pieces: unknown, gaps: unknown, contextLength: number): void {
  if (!Array.isArray(gaps) || gaps.length === 0) throw new EngineError('request.gaps must be a non-empty array', 'BAD_REQUEST');
  if (!Array.isArray(pieces) || pieces.length !== gaps.length + 1)
    throw new EngineError(
      `request.pieces must have gaps.length + 1 = ${gaps.length + 1} strings (got ${Array.isArray(pieces) ? pieces.length : typeof pieces})`,
      'BAD_REQUEST',
    );
  pieces.forEach((p, i) => {
    if (typeof p !== 'string') throw new EngineError(`request.pieces[${i}] must be a string`, 'BAD_REQUEST');
  });
  gaps.forEach((g, i) => {
    const n = (g as InfillGap | null)?.maxTokens;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > contextLength)
      throw new EngineError(`request.gaps[${i}].maxTokens must be an integer in [1, ${contextLength}] (got ${JSON.stringify(n)})`, 'BAD_REQUEST');
  });
}

export function buildCanvas(spec: CanvasSpec): Canvas {
  const { pieces, gaps, contextLength, encode, tokens } = spec;
  validateShape(pieces, gaps, contextLength);
  const k = gaps.length;
  const masks = gaps.reduce((a, g) => a + g.maxTokens, 0);
  const inner: number[][] = [];
  let innerTokens = 0;
  for (let i = 1; i < k; i++) {
    if (pieces[i].length > contextLength * CHARS_PER_TOKEN * 4)
      throw new EngineError(`the text between gaps ${i - 1} and ${i} is too long for the model's context (${contextLength} tokens)`, 'TOO_LONG');
    const ids = encode(pieces[i]);
    inner.push(ids);
    innerTokens += ids.length;
  }
  const available = contextLength - 2 - masks - innerTokens;
  if (available < 0)
    throw new EngineError(
      `the gaps (${masks} tokens) and the text between them (${innerTokens} tokens) do not fit the model's context of ${contextLength} tokens`,
      'TOO_LONG',
    );
  const wantPrefix = Math.min(spec.prefixTokens ?? Infinity, available);
  const wantSuffix = Math.min(spec.suffixTokens ?? Infinity, available);
  const prefix = tail(encode, pieces[0], wantPrefix);
  const suffix = head(encode, pieces[k], wantSuffix);
  // Both fit their own budget; if together they overflow the context, the suffix keeps at least a quarter.
  let p = prefix.ids.length;
  let s = suffix.ids.length;
  if (p + s > available) {
    s = Math.min(s, Math.max(Math.floor(available / 4), available - p));
    p = Math.min(p, available - s);
  }
  const prefixIds = prefix.ids.slice(prefix.ids.length - p);
  const suffixIds = suffix.ids.slice(0, s);
  const trimmed = prefix.dropped + (prefix.ids.length - p) + suffix.dropped + (suffix.ids.length - s);

  const total = 2 + prefixIds.length + masks + innerTokens + suffixIds.length;
  const ids = new Int32Array(total);
  let at = 0;
  ids[at++] = tokens.bos;
  const put = (src: number[]) => {
    for (const id of src) ids[at++] = id;
  };
  put(prefixIds);
  const spans: GapSpan[] = [];
  for (let g = 0; g < k; g++) {
    spans.push({ start: at, length: gaps[g].maxTokens });
    ids.fill(tokens.mask, at, at + gaps[g].maxTokens);
    at += gaps[g].maxTokens;
    if (g < k - 1) put(inner[g]);
  }
  put(suffixIds);
  ids[at++] = tokens.eos;
  return { ids, gaps: spans, trimmedTokens: trimmed };
}

interface Window {
  ids: number[];
  /** Tokens known to be dropped (a lower bound when the text was cut by characters first). */
  dropped: number;
}

/** The last `budget` tokens of `text`. */
function tail(encode: (t: string) => number[], text: string, budget: number): Window {
  return windowed(encode, text, budget, (t, n) => t.slice(t.length - n), (ids) => ids.slice(1), (ids, b) => ids.slice(ids.length - b));
}

/** The first `budget` tokens of `text`. */
function head(encode: (t: string) => number[], text: string, budget: number): Window {
  return windowed(encode, text, budget, (t, n) => t.slice(0, n), (ids) => ids.slice(0, -1), (ids, b) => ids.slice(0, b));
}

function windowed(
  encode: (t: string) => number[],
  text: string,
  budget: number,
  cutText: (t: string, chars: number) => string,
  dropCutToken: (ids: number[]) => number[],
  keep: (ids: number[], budget: number) => number[],
): Window {
  if (budget <= 0 || text.length === 0) return { ids: [], dropped: text.length > 0 ? 1 : 0 };
  for (let maxChars = budget * CHARS_PER_TOKEN + 64; ; maxChars *= 4) {
    const cut = text.length > maxChars;
    let ids = encode(cut ? cutText(text, maxChars) : text);
    // The token at a cut edge may be half of a real token: drop it.
    if (cut) ids = dropCutToken(ids);
    if (cut && ids.length < budget && maxChars < budget * 256) continue;
    const dropped = (cut ? 1 : 0) + Math.max(0, ids.length - budget);
    return { ids: ids.length > budget ? keep(ids, budget) : ids, dropped };
  }
}
