/** A hole in a document: [start, end) covers the marker (or the selection) to be replaced by generated text. */
export interface Hole {
  start: number;
  end: number;
  maxTokens: number;
}

export interface MarkerSyntax {
  open: string;
  close: string;
  defaultTokens: number;
}

const MAX_TOKENS = 1024;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds every `<open><close>` and `<open>:N<close>` marker (N = gap size in tokens) in document order. */
export function findMasks(text: string, syntax: MarkerSyntax): Hole[] {
  if (syntax.open === '') return [];
  const re = new RegExp(`${escapeRegExp(syntax.open)}(?::(\\d+))?${escapeRegExp(syntax.close)}`, 'g');
  const holes: Hole[] = [];
  for (const m of text.matchAll(re)) {
    const n = m[1] === undefined ? syntax.defaultTokens : Number(m[1]);
    holes.push({ start: m.index!, end: m.index! + m[0].length, maxTokens: Math.min(MAX_TOKENS, Math.max(1, n)) });
  }
  return holes;
}

/** The text around and between holes, in the engine's order: pieces[0] hole0 pieces[1] ... pieces[n]. */
export function piecesAround(text: string, holes: Hole[]): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (const h of holes) {
    pieces.push(text.slice(at, h.start));
    at = h.end;
  }
  pieces.push(text.slice(at));
  return pieces;
}
