import type { Span } from './reanchor';

/** One text change, in offsets of the document before the change (as vscode reports rangeOffset/rangeLength). */
export interface TextChange {
  offset: number;
  length: number;
  text: string;
}

/**
 * Moves remembered spans (low-confidence tokens) through the user's edits: spans before an edit stay, spans
 * after it shift, spans the edit touches are forgotten (their text is no longer what the model produced).
 */
export function shiftSpans<T extends Span>(spans: T[], changes: TextChange[]): T[] {
  let out = spans;
  for (const c of [...changes].sort((a, b) => b.offset - a.offset)) {
    const end = c.offset + c.length;
    const delta = c.text.length - c.length;
    out = out.flatMap((s) => {
      if (s.end <= c.offset) return [s];
      if (s.start >= end) return [{ ...s, start: s.start + delta, end: s.end + delta }];
      return [];
    });
  }
  return out;
}
