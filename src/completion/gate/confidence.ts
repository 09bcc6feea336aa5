// The confidence gate's arithmetic over a gap's committed tokens (GapResult.tokens, each with the probability the
// model gave it when it was committed). Kept apart from the pipeline so the calibration and the tests use the same
// rules the editor does.

import type { GapToken } from '../../engine/types';
import type { GapMode } from '../filters/types';

/** The gate compares `min`: every token shown then clears it. */
export { summarizeConfidence as summarize } from '../../engine/text/confidence';
export type { ConfidenceSummary } from '../../engine/types';

/**
 * The tokens that can reach the screen. In line mode the text ends at the first line break: a token holding
 * text before the break still counts, one that is only the break (or what follows it) does not, since the line
 * mode never shows it.
 */
export function visibleTokens(tokens: readonly GapToken[], mode: GapMode): GapToken[] {
  if (mode === 'block') return [...tokens];
  const out: GapToken[] = [];
  for (const t of tokens) {
    const nl = t.text.search(/[\r\n]/);
    if (nl < 0) {
      out.push(t);
      continue;
    }
    if (t.text.slice(0, nl).trim() !== '') out.push(t);
    break;
  }
  return out;
}

/**
 * The text of the tokens before the first one below `gate` (all of them when none is below), and how many that
 * is. A head that stops inside a word (the next token continues it) is cut back to the word's start: half an
 * identifier is never a useful suggestion.
 */
export function confidentHead(tokens: readonly GapToken[], gate: number): { text: string; count: number; complete: boolean } {
  const cut = tokens.findIndex((t) => t.confidence < gate);
  if (cut < 0) return { text: tokens.map((t) => t.text).join(''), count: tokens.length, complete: true };
  let text = tokens
    .slice(0, cut)
    .map((t) => t.text)
    .join('');
  if (/[\p{L}\p{N}_$]$/u.test(text) && /^[\p{L}\p{N}_$]/u.test(tokens[cut].text)) text = text.replace(/[\p{L}\p{N}_$]+$/u, '');
  return { text, count: cut, complete: false };
}
