// The confidence gate's arithmetic over a gap's committed tokens (GapResult.tokens, each with the probability the
// model gave it when it was committed). Kept apart from the pipeline so the calibration and the tests count the same
// tokens the editor does.

import type { GapToken } from '../../engine/types';
import type { GapMode } from '../filters/types';

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
