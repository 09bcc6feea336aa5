import type { Filter } from './types';

/**
 * Single-line mode shows the rest of the current line only: a diffusion gap sized for one line can still
 * contain a newline followed by the start of the next statement, which would not fit what the user asked for.
 */
export const trimToLine: Filter = (text, ctx) => {
  if (ctx.mode !== 'line') return text;
  // Leading newlines mean the model chose to end the line here: nothing to complete on this line.
  const cut = text.indexOf('\n');
  return (cut < 0 ? text : text.slice(0, cut)).replace(/\s+$/, '');
};
