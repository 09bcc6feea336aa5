// Which syntax errors a fill ADDED: the document is parsed before and after, and an error that was already there
// (the user's half-written code elsewhere) does not count. A document is described as the text around the gaps
// (pieces) and each gap's text, so both parses share the pieces and errors outside the gaps can be compared by
// their place in a piece, exactly.
//
// Matching rules:
// - an error that lies wholly inside the pieces (touches no gap) is old when the parse before had an error of the
//   same type at the same place of the same pieces;
// - an error that touches a gap is old only when the gap held text before (a selection being rewritten, spans
//   being refined) and that text had an error of the same type there too: each such old error excuses one. An
//   empty gap (a mask marker) held no code of the user's, so whatever breaks at it is the fill's doing;
// - everything else was added.

import type { ErrorSite } from './errorSites';
import { errorSites } from './errorSites';
import type { GrammarName } from './grammars';
import { withTree } from './treeSitter';

export interface LocatedError extends ErrorSite {
  /** The first gap the error touches (index into the gaps), if any. */
  gap?: number;
  /** 1-based line of the error's start in the filled text. */
  line: number;
}

export interface Comparison {
  /** Errors of the filled text that were not there before (in the filled text's offsets). */
  added: LocatedError[];
  errorsBefore: number;
  errorsAfter: number;
  /** Time spent parsing both texts. */
  parseMs: number;
}

export const assemble = (pieces: string[], gaps: string[]) => pieces.map((p, i) => (i < gaps.length ? p + gaps[i] : p)).join('');

/** Where each gap sits in the assembled text: [start, end). */
export function gapSpans(pieces: string[], gaps: string[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = 0;
  gaps.forEach((g, i) => {
    at += pieces[i].length;
    out.push({ start: at, end: at + g.length });
    at += g.length;
  });
  return out;
}

/** The key of an error inside the pieces: which piece and where in it (so both parses agree on it), or undefined when it touches a gap. */
function placeIn(site: ErrorSite, pieces: string[], spans: { start: number; end: number }[]): { gap?: number; key?: string } {
  const gap = spans.findIndex((s) => site.start <= s.end && site.end >= s.start);
  if (gap >= 0) return { gap };
  for (let k = 0; k < pieces.length; k++) {
    const pieceStart = k === 0 ? 0 : spans[k - 1].end;
    if (site.start >= pieceStart && site.end <= pieceStart + pieces[k].length) return { key: `${site.type}@${k}:${site.start - pieceStart}-${site.end - pieceStart}` };
  }
  return {};
}

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Parses the text with its gaps `before` and `after` and returns the errors the change added. */
export async function addedErrors(grammar: GrammarName, pieces: string[], before: string[], after: string[]): Promise<Comparison> {
  const t0 = performance.now();
  const beforeText = assemble(pieces, before);
  const afterText = assemble(pieces, after);
  const old = await withTree(grammar, beforeText, errorSites);
  const now = await withTree(grammar, afterText, errorSites);
  const parseMs = performance.now() - t0;
  const beforeSpans = gapSpans(pieces, before);
  const afterSpans = gapSpans(pieces, after);
  const oldKeys = new Map<string, number>();
  const bump = (key: string) => oldKeys.set(key, (oldKeys.get(key) ?? 0) + 1);
  for (const site of old) {
    const p = placeIn(site, pieces, beforeSpans);
    if (p.key) bump(p.key);
    else if (p.gap !== undefined && before[p.gap] !== '') bump(`${site.type}@gap${p.gap}`);
  }
  const added: LocatedError[] = [];
  for (const site of now) {
    const p = placeIn(site, pieces, afterSpans);
    const key = p.key ?? (p.gap !== undefined ? `${site.type}@gap${p.gap}` : undefined);
    const left = key ? (oldKeys.get(key) ?? 0) : 0;
    if (key && left > 0) {
      oldKeys.set(key, left - 1);
      continue;
    }
    added.push({ ...site, gap: p.gap, line: lineAt(afterText, site.start) });
  }
  return { added, errorsBefore: old.length, errorsAfter: now.length, parseMs };
}
