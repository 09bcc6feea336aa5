/**
 * Cuts the text around the cursor to what the model may see. The engine trims to its token budget itself;
 * this only bounds the characters sent over IPC (a token is rarely more than a few characters) and cuts at
 * line starts/ends so the model never sees half a line at the edge.
 */
export function contextWindow(
  text: string,
  offset: number,
  budget: { prefixTokens: number; suffixTokens: number },
  charsPerToken = 6,
): { prefix: string; suffix: string } {
  let start = Math.max(0, offset - budget.prefixTokens * charsPerToken);
  if (start > 0) {
    const nl = text.indexOf('\n', start);
    start = nl >= 0 && nl < offset ? nl + 1 : start;
  }
  let end = Math.min(text.length, offset + budget.suffixTokens * charsPerToken);
  if (end < text.length) {
    const nl = text.lastIndexOf('\n', end);
    end = nl > offset ? nl : end;
  }
  return { prefix: text.slice(start, offset), suffix: text.slice(offset, end) };
}

/**
 * The characters contextWindow can look at, as document offsets: one more on each side than it keeps, so that
 * calling it on just this slice gives the same result as on the whole text (the editor reads only this much on
 * every keystroke instead of copying the whole document).
 */
export function windowSpan(
  offset: number,
  length: number,
  budget: { prefixTokens: number; suffixTokens: number },
  charsPerToken = 6,
): { start: number; end: number } {
  return {
    start: Math.max(0, offset - budget.prefixTokens * charsPerToken - 1),
    end: Math.min(length, offset + budget.suffixTokens * charsPerToken + 1),
  };
}
