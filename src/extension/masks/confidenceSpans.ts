export interface TokenConfidence {
  text: string;
  confidence: number;
}

export interface ConfidenceSpan {
  start: number;
  end: number;
  /** The lowest token confidence inside the span. */
  confidence: number;
  tokens: number;
  /** Why the span is marked when it is not (only) low confidence: a syntax error the fill left (parse check). */
  note?: string;
  /** The fill stopped before it finished here (a partial result): no confidence is known, the whole gap is unsure. */
  unfinished?: boolean;
}

/**
 * Maps a gap's tokens onto document offsets (the gap text starts at `base`) and merges neighbouring tokens
 * below `threshold` into spans. Tokens are placed by their text lengths; once their texts stop matching the
 * gap text (a tokenizer that decodes differently in context), the remaining tokens are not marked, because a
 * wrong range would point the user (and the refine command) at the wrong code.
 */
export function lowConfidenceSpans(
  gapText: string,
  tokens: TokenConfidence[],
  base: number,
  threshold: number,
): ConfidenceSpan[] {
  const spans: ConfidenceSpan[] = [];
  let at = 0;
  for (const t of tokens) {
    if (t.text === '' || gapText.slice(at, at + t.text.length) !== t.text) break;
    const start = at;
    at += t.text.length;
    if (t.confidence >= threshold || t.text.trim() === '') continue;
    const last = spans[spans.length - 1];
    if (last && last.end === base + start) {
      last.end = base + at;
      last.confidence = Math.min(last.confidence, t.confidence);
      last.tokens++;
    } else spans.push({ start: base + start, end: base + at, confidence: t.confidence, tokens: 1 });
  }
  return spans;
}

/**
 * The spans to mark for one gap: its unsure tokens, or all of it when the fill stopped before finishing it (a partial
 * result has no per-token confidence). `maxTokens` is the gap's size: what a refine re-masks for an unfinished gap.
 */
export function gapSpans(
  gap: { text: string; tokens: TokenConfidence[]; partial?: boolean },
  maxTokens: number,
  base: number,
  threshold: number,
): ConfidenceSpan[] {
  if (!gap.partial) return lowConfidenceSpans(gap.text, gap.tokens, base, threshold);
  return gap.text.trim() === '' ? [] : [{ start: base, end: base + gap.text.length, confidence: 0, tokens: maxTokens, unfinished: true }];
}
