import type { Filter } from './types';

function width(ws: string, tabSize: number): number {
  let w = 0;
  for (const c of ws) w = c === '\t' ? w + tabSize - (w % tabSize) : w + 1;
  return w;
}

function render(columns: number, insertSpaces: boolean, tabSize: number): string {
  return insertSpaces ? ' '.repeat(columns) : '\t'.repeat(Math.floor(columns / tabSize)) + ' '.repeat(columns % tabSize);
}

/**
 * Makes the suggestion's indentation fit the editor:
 * - on a line where the cursor sits in the indentation, or right after a space, the first line's own
 *   leading whitespace is dropped (the user's whitespace is already there, accepting would double it);
 * - the following lines use the editor's tabs-or-spaces style;
 * - in block mode, the suggestion ends at the first line that is indented less than the cursor's block:
 *   it has left the block the user is writing (the document's next lines take over from there).
 */
export const fixIndentation: Filter = (text, ctx) => {
  const { insertSpaces, tabSize } = ctx.indent;
  const lines = text.split('\n');
  const atIndent = ctx.linePrefix.trim() === '';
  // Same after code that already ends with a space ("return " + " x" would give a double space).
  if ((atIndent && ctx.linePrefix !== '') || /\S[ \t]$/.test(ctx.linePrefix)) lines[0] = lines[0].replace(/^[ \t]+/, '');
  const blockWidth = atIndent ? width(ctx.linePrefix, tabSize) : width(/^[ \t]*/.exec(ctx.linePrefix)![0], tabSize);
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    const lead = /^[ \t]*/.exec(line)![0];
    const cols = width(lead, tabSize);
    if (ctx.mode === 'block' && blockWidth > 0 && line.trim() !== '' && cols < blockWidth) break;
    out.push(line.trim() === '' ? '' : render(cols, insertSpaces, tabSize) + line.slice(lead.length));
  }
  return out.join('\n').replace(/\s+$/, '');
};
