// Ghost text without an editor: the text around the cursor in, the suggestion to show (or why none) out. The editor
// adapter (src/extension/completion/inlineProvider.ts), `diffucode batch --ghost-text` and the bench all run this,
// so what they measure is what users see. Reads top to bottom: context, gap, cache, model, gate, filters, cache.

import type { InfillRequest, InfillResult } from '../engine/types';
import { TypingCache } from './cache/typingCache';
import { contextWindow } from './context/contextWindow';
import { cursorLines } from './context/cursorLines';
import { chooseGap } from './context/gapSizing';
import { postProcess } from './filters/pipeline';
import type { FilterContext, GapMode } from './filters/types';
import { summarize, visibleTokens } from './gate/confidence';
import { buildRequest } from './request/buildRequest';
import type { CompletionInput, CompletionSettings, Infill, Outcome } from './types';

export interface CompleteHooks {
  /**
   * Runs after the cache missed and before the model is asked; false withdraws (the editor debounces here, and a
   * keystroke during the wait cancels).
   */
  beforeRequest?: () => Promise<boolean>;
}

export class GhostText {
  private readonly cache = new TypingCache();

  async complete(input: CompletionInput, settings: CompletionSettings, infill: Infill, hooks: CompleteHooks = {}): Promise<Outcome> {
    const { prefix, suffix, lines, gap } = shape(input, settings);
    const ctx: FilterContext = { ...lines, mode: gap.mode, indent: input.indent, languageId: input.languageId };

    const cached = this.cache.get(input.documentKey, prefix, suffix);
    if (cached !== undefined) {
      const text = postProcess(cached, ctx);
      if (text !== '') return { shown: true, text, source: 'cache', mode: gap.mode };
    }
    if (hooks.beforeRequest && !(await hooks.beforeRequest())) return { shown: false, reason: 'cancelled', mode: gap.mode };
    const result = await infill(buildRequest(prefix, suffix, gap, settings, input.documentKey));
    const outcome = judge(result, ctx, settings);
    // Cache what is shown, not the raw text: the user types what they see (filters may drop a leading space or add
    // a closing bracket), so that is what a later prefix must extend.
    if (outcome.shown) this.cache.put(input.documentKey, prefix, suffix, outcome.text);
    return outcome;
  }

  /**
   * The request that computes, in the background, the keys/values the next suggestion at this cursor needs (prefill
   * ahead, completion/prefill/prefillAhead.ts): the same canvas `complete` would ask for, decoding nothing.
   */
  prefillRequest(input: CompletionInput, settings: CompletionSettings): InfillRequest {
    const { prefix, suffix, gap } = shape(input, settings);
    const req = buildRequest(prefix, suffix, gap, settings, input.documentKey);
    return { ...req, ghostText: { ...req.ghostText, prefillOnly: true } };
  }

  /** Forget cached suggestions for a document (e.g. after a fill rewrote it). */
  forget(documentKey: string): void {
    this.cache.clear(documentKey);
  }
}

/** The context window and the gap for the cursor. */
function shape(input: CompletionInput, settings: CompletionSettings) {
  const budget = { prefixTokens: settings.prefixTokens, suffixTokens: settings.suffixTokens };
  const { prefix, suffix } = contextWindow(input.text, input.offset, budget);
  const lines = cursorLines(input.text, input.offset);
  const gap = input.mode
    ? { mode: input.mode, maxTokens: input.mode === 'line' ? settings.lineTokens : settings.blockTokens }
    : chooseGap(lines.linePrefix, lines.lineSuffix, lines.previousLines, settings);
  return { prefix, suffix, lines, gap };
}

/**
 * The model's answer through the confidence gate and the filters. The gate compares the geometric mean of the
 * probabilities of the tokens that can reach the screen (the answer's probability per token): on the held-out cases
 * it separated right from wrong suggestions far better than the least confident token did, and showing only the
 * confident head of an answer made what is shown worse, not better (models/diffucode-tiny/MODEL_CARD.md).
 */
export function judge(result: InfillResult, ctx: FilterContext, settings: CompletionSettings): Outcome {
  const mode: GapMode = ctx.mode;
  const gap = result.gaps[0];
  const raw = gap?.text ?? '';
  const confidence = summarize(visibleTokens(gap?.tokens ?? [], mode).map((t) => t.confidence));
  if (raw.trim() === '' || !confidence) return { shown: false, reason: 'empty', mode, raw, confidence };
  if (confidence.geomean < settings.minConfidence) return { shown: false, reason: 'low-confidence', mode, raw, confidence };
  const text = postProcess(raw, ctx);
  return text === '' ? { shown: false, reason: 'filtered', mode, raw, confidence } : { shown: true, text, source: 'model', mode, raw, confidence };
}
