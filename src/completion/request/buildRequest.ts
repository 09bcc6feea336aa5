import type { InfillRequest } from '../../engine/types';
import type { GapChoice } from '../context/gapSizing';
import type { CompletionSettings } from '../types';

/**
 * The one model request ghost text makes: the text around the cursor as two pieces and one gap. A line-mode gap ends
 * at its first line break (trimToLine would cut there anyway), so the engine stops spending forward passes on
 * masks past it.
 */
export function buildRequest(prefix: string, suffix: string, gap: GapChoice, settings: CompletionSettings, documentKey?: string): InfillRequest {
  // Ghost text's decode (engine/ghost/): parallel whatever the manifest recommends for fills, one full pass at most,
  // and the document's last canvas reused when the user typed at the cursor.
  const ghostText = {
    ...(documentKey !== undefined ? { document: documentKey } : {}),
    ...(settings.reuse === false ? { reuse: false } : {}),
    ...(settings.forceTokensPerPass ? { forceTokensPerPass: settings.forceTokensPerPass, ...(settings.forceLength ? { forceLength: settings.forceLength } : {}) } : {}),
  };
  return {
    ghostText,
    pieces: [prefix, suffix],
    gaps: [{ maxTokens: gap.maxTokens, singleLine: gap.mode === 'line' }],
    sampler: settings.sampler ?? {},
    budget: { prefixTokens: settings.prefixTokens, suffixTokens: settings.suffixTokens },
  };
}
