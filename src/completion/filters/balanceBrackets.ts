import { CLOSER_OF, CLOSERS, lex, stateAfter } from './lexer';
import type { Filter } from './types';

/**
 * What is shown never leaves brackets unbalanced:
 * - a closer that does not match the suggestion's innermost open bracket, or that closes something opened before
 *   the cursor while the rest of the line already holds that closer, is where the suggestion ends (otherwise the
 *   line gets two of them);
 * - line mode: the line, once the suggestion is accepted, closes what it opens. Brackets the suggestion opened, and
 *   those the user opened earlier on the line, that neither the suggestion nor the rest of the line close are closed
 *   at the suggestion's end. This is also what keeps an auto-closed bracket: typing `(` over a suggestion that starts
 *   with `(` stops VS Code from inserting `)`, and the next suggestion then brings it. A `{` the user opened counts
 *   only when it is the last thing typed (a `{` earlier on the line usually opens a block closed lines below);
 * - block mode: the suggestion ends with the last line at which everything it opened is closed again.
 * Brackets inside strings and comments do not count (see lexer.ts).
 */
export const balanceBrackets: Filter = (text, ctx) => {
  const stack: string[] = [];
  const lineOpen = ctx.mode === 'line' ? openOnLine(ctx.linePrefix, ctx.languageId) : [];
  const pendingSuffix = [...ctx.lineSuffix].filter((c) => CLOSERS.has(c));
  let end = text.length;
  let balancedLineEnd = 0;
  lex(text, stateAfter(ctx.linePrefix, ctx.languageId), ctx.languageId, (e) => {
    if (e.kind === 'newline' && stack.length === 0) balancedLineEnd = e.index;
    if (e.kind === 'open') stack.push(CLOSER_OF[e.char]);
    if (e.kind !== 'close') return;
    if (stack.length > 0 && stack[stack.length - 1] === e.char) stack.pop();
    else if (stack.length > 0 || pendingSuffix[0] === e.char) {
      end = e.index;
      return false;
    } else if (lineOpen[lineOpen.length - 1] === e.char) lineOpen.pop();
  });
  const out = text.slice(0, end).replace(/[ \t]+$/, '');
  if (ctx.mode === 'block') return stack.length === 0 ? out : text.slice(0, balancedLineEnd).replace(/\s+$/, '');
  // Closers already on the rest of the line, in order, satisfy the innermost open brackets first.
  const missing = [...stack].reverse().concat([...lineOpen].reverse());
  for (const c of pendingSuffix) {
    if (missing[0] === c) missing.shift();
    else break;
  }
  return out + missing.join('');
};

/** Closers of the brackets the cursor's line opened before the cursor and did not close, innermost last. */
function openOnLine(linePrefix: string, languageId: string | undefined): string[] {
  const open: { closer: string; index: number }[] = [];
  lex(linePrefix, { quote: null, comment: false }, languageId, (e) => {
    if (e.kind === 'open') open.push({ closer: CLOSER_OF[e.char], index: e.index });
    else if (e.kind === 'close' && open[open.length - 1]?.closer === e.char) open.pop();
  });
  const last = linePrefix.trimEnd().length - 1;
  return open.filter((o) => o.closer !== '}' || o.index === last).map((o) => o.closer);
}
