import type { Filter } from './types';

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set(Object.values(OPEN));

/**
 * Keeps brackets balanced across the cursor:
 * - a closer that closes something opened before the cursor, while the rest of the line already holds that
 *   closer, is where the suggestion must end (otherwise the line gets two of them);
 * - in line mode, brackets the suggestion opened and nobody closes are closed at its end, unless the rest
 *   of the line closes them already.
 * Quotes are tracked so brackets inside string literals do not count.
 */
export const balanceBrackets: Filter = (text, ctx) => {
  const stack: string[] = [];
  let quote: string | null = null;
  const pendingSuffix = [...ctx.lineSuffix].filter((c) => CLOSE.has(c));
  let out = text;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (OPEN[c]) stack.push(OPEN[c]);
    else if (CLOSE.has(c)) {
      if (stack.length > 0 && stack[stack.length - 1] === c) stack.pop();
      // Closes what the rest of the line closes already, or a mismatched pair: the suggestion ends here.
      else if (stack.length > 0 || pendingSuffix[0] === c) {
        out = text.slice(0, i).replace(/[ \t]+$/, '');
        break;
      }
    }
  }
  if (ctx.mode !== 'line' || stack.length === 0) return out;
  // Closers already on the rest of the line, in order, satisfy the innermost open brackets first.
  const missing = [...stack].reverse();
  for (const c of pendingSuffix) {
    if (missing[0] === c) missing.shift();
    else break;
  }
  return out + missing.join('');
};
