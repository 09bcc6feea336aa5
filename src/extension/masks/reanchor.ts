export interface Span {
  start: number;
  end: number;
}

const CONTEXT_LENGTHS = [48, 16, 0];

function occurrences(haystack: string, needle: string, limit = 2): number[] {
  const found: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0 && found.length < limit; i = haystack.indexOf(needle, i + 1)) found.push(i);
  return found;
}

/**
 * Finds the holes of `original` again in `current`, the document after the user kept typing during a fill.
 * Each hole is located by its own text (the marker, or the selected block) together with the unchanged text
 * right around it; a hole counts as found only when that anchor occurs exactly once, after the previous hole.
 * Returns undefined when any hole cannot be found unambiguously: the caller must then refuse to apply rather
 * than guess, so the user's edits are never overwritten.
 */
export function reanchor(original: string, current: string, holes: Span[]): Span[] | undefined {
  if (original === current) return holes.map((h) => ({ ...h }));
  const out: Span[] = [];
  let floor = 0;
  for (let i = 0; i < holes.length; i++) {
    const h = holes[i];
    const body = original.slice(h.start, h.end);
    const leftLimit = i > 0 ? holes[i - 1].end : 0;
    const rightLimit = i + 1 < holes.length ? holes[i + 1].start : original.length;
    let found: Span | undefined;
    for (const c of CONTEXT_LENGTHS) {
      const left = original.slice(Math.max(leftLimit, h.start - c), h.start);
      const right = original.slice(h.end, Math.min(rightLimit, h.end + c));
      const hits = occurrences(current, left + body + right);
      if (hits.length === 1 && hits[0] + left.length >= floor) {
        const start = hits[0] + left.length;
        found = { start, end: start + body.length };
        break;
      }
      if (hits.length > 1) break; // shorter context only gets more ambiguous
    }
    if (!found || body === '') return undefined;
    out.push(found);
    floor = found.end;
  }
  return out;
}
