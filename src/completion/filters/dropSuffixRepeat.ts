import type { Filter } from './types';

/**
 * Drops what the document already has after the cursor, the most common complaint about code completion
 * (peers.md §5): a gap filled "through" the suffix repeats the rest of the line or the next lines.
 */
export const dropSuffixRepeat: Filter = (text, ctx) => {
  let out = text;
  const rest = ctx.lineSuffix.trim();
  if (rest !== '') {
    // The whole suggestion is just the text right of the cursor: accepting it would duplicate it.
    if (rest.startsWith(out.trim())) return '';
    // The suggestion ends by re-typing the text right of the cursor ("foo(x)" before ")").
    const trimmedEnd = out.replace(/\s+$/, '');
    if (trimmedEnd.endsWith(rest)) out = trimmedEnd.slice(0, trimmedEnd.length - rest.length);
  }
  const next = ctx.nextLines.find((l) => l.trim() !== '');
  if (next !== undefined && out.includes('\n')) {
    const lines = out.split('\n');
    // From the second line on (the first continues the cursor's line): a line equal to the next document
    // line means the model started repeating the suffix; everything from there is already in the document.
    const at = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && sameLine(l, next));
    if (at > 0) out = lines.slice(0, at).join('\n').replace(/\s+$/, '');
  }
  return out;
};

/**
 * A line of closers only (`}`, `});`) repeats the document's line only at the same indentation: deeper, it closes a
 * block the suggestion itself opened.
 */
function sameLine(line: string, next: string): boolean {
  if (line.trim() !== next.trim()) return false;
  if (!/^[)\]}]+[;,]?$/.test(line.trim())) return true;
  return /^\s*/.exec(line)![0] === /^\s*/.exec(next)![0];
}
