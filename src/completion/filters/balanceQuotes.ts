import { lex, stateAfter } from './lexer';
import type { Filter } from './types';

/**
 * A string the suggestion opens is closed within it: otherwise the suggestion is cut where that string starts
 * (the rest of the line, and every line after it, would read as string text). The scan starts in the state the
 * cursor's line leaves it (inside a string the user is typing, or a comment), so finishing the user's string is
 * fine (up to the quote already right of the cursor, if there is one) and a quote in a comment is not a string. In line mode a string left open right before the same quote on
 * the rest of the line is closed by it and kept.
 */
export const balanceQuotes: Filter = (text, ctx) => {
  const state = stateAfter(ctx.linePrefix, ctx.languageId);
  // The user's string is already closed right of the cursor (an auto-closed quote): the suggestion ends where it
  // would close it a second time.
  const closedAfterCursor = state.quote !== null && ctx.lineSuffix.startsWith(state.quote);
  let openedAt = -1;
  let cut = -1;
  lex(text, state, ctx.languageId, (e) => {
    if (e.kind === 'quote-open') openedAt = e.index;
    else if (e.kind === 'quote-close' && openedAt < 0 && closedAfterCursor) {
      cut = e.index;
      return false;
    } else if (e.kind === 'quote-close') openedAt = -1;
    else if (e.kind === 'unterminated') {
      // Opened by the suggestion: drop the string. Opened by the user's line: keep the user's line, not what follows.
      cut = openedAt >= 0 ? openedAt : e.index;
      return false;
    }
  });
  if (cut < 0 && state.quote !== null && openedAt >= 0) {
    const closedByLine = ctx.mode === 'line' && !text.includes('\n') && ctx.lineSuffix.startsWith(state.quote);
    if (!closedByLine) cut = openedAt;
  }
  return cut < 0 ? text : text.slice(0, cut).replace(/\s+$/, '');
};
