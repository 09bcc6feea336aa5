import { CLOSER_OF, CLOSERS, lex, stateAfter } from './lexer';
import type { Filter } from './types';

/**
 * What is shown never leaves brackets unbalanced:
 * - a closer that does not match the suggestion's innermost open bracket, or that closes something opened before
 *   the cursor while the rest of the line already holds that closer, is where the suggestion ends (otherwise the
 *   line gets two of them);
 * - line mode: brackets the suggestion opened and nobody closes are closed at its end, unless the rest of the line
 *   closes them already;
 * - block mode: the suggestion ends with the last line at which everything it opened is closed again.
 * Brackets inside strings and comments do not count (see lexer.ts).
 */
export const balanceBrackets: Filter = (text, ctx) => {
  const stack: string[] = [];
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
    }
  });
  const out = text.slice(0, end).replace(/[ \t]+$/, '');
  if (stack.length === 0) return out;
  if (ctx.mode === 'block') return text.slice(0, balancedLineEnd).replace(/\s+$/, '');
  // Closers already on the rest of the line, in order, satisfy the innermost open brackets first.
  const missing = [...stack].reverse();
  for (const c of pendingSuffix) {
    if (missing[0] === c) missing.shift();
    else break;
  }
  return out + missing.join('');
};
