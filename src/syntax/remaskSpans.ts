// Which of a fill's tokens to mask again when the fill broke the parse: the tokens of the gap lines an added error
// touches (the line break before a line too, which carries its indentation), one token more on each side, widened
// by `widen` lines each way in later rounds so a repair that keeps failing gets more room. An error outside every
// gap (a bracket or a string the fill left open breaks code further down) remasks that nearest gap whole: the
// culprit can be anywhere in it.
// Spans are returned on token boundaries, so the refill's tokens splice into the gap's token list exactly.

import type { LocatedError } from './addedErrors';

/** A gap's tokens: only their texts matter here (they concatenate to the gap's text). */
export interface GapTokens {
  text: string;
  tokens: { text: string }[];
}

/** Tokens [first, last) of gap `gap`, covering its characters [start, end). */
export interface RemaskSpan {
  gap: number;
  first: number;
  last: number;
  start: number;
  end: number;
}

/** Character offsets where each token starts, and the end; undefined when the token texts do not add up to the text. */
function tokenBounds(gap: GapTokens): number[] | undefined {
  const bounds = [0];
  let at = 0;
  for (const t of gap.tokens) {
    if (gap.text.slice(at, at + t.text.length) !== t.text) return undefined;
    at += t.text.length;
    bounds.push(at);
  }
  return at === gap.text.length ? bounds : undefined;
}

/** [start, end) of the lines of `text` that [from, to] touches, widened by `widen` lines each way, with the line break before. */
function lineRange(text: string, from: number, to: number, widen: number): [number, number] {
  let start = text.lastIndexOf('\n', Math.max(0, from - 1));
  for (let w = 0; w < widen && start > 0; w++) start = text.lastIndexOf('\n', start - 1);
  let end = text.indexOf('\n', to);
  for (let w = 0; w < widen && end >= 0; w++) end = text.indexOf('\n', end + 1);
  return [Math.max(0, start), end < 0 ? text.length : end];
}

export function remaskSpans(gaps: GapTokens[], spans: { start: number; end: number }[], added: LocatedError[], widen: number): RemaskSpan[] {
  const wanted = new Map<number, [number, number][]>();
  for (const e of added) {
    let gap = e.gap;
    let from: number;
    let to: number;
    if (gap !== undefined) {
      from = Math.max(0, e.start - spans[gap].start);
      to = Math.min(gaps[gap].text.length, e.end - spans[gap].start);
    } else {
      // The nearest non-empty gap, by distance to the error; its line next to the error.
      let best = Infinity;
      spans.forEach((s, i) => {
        const d = e.start >= s.end ? e.start - s.end : s.start - e.end;
        if (gaps[i].text.length > 0 && d >= 0 && d < best) [best, gap] = [d, i];
      });
      if (gap === undefined) continue;
      from = 0;
      to = gaps[gap].text.length;
    }
    const list = wanted.get(gap) ?? [];
    list.push(e.gap === undefined ? [0, gaps[gap].text.length] : lineRange(gaps[gap].text, from, to, widen));
    wanted.set(gap, list);
  }
  const out: RemaskSpan[] = [];
  for (const [gap, ranges] of [...wanted].sort((a, b) => a[0] - b[0])) {
    const bounds = tokenBounds(gaps[gap]);
    const n = gaps[gap].tokens.length;
    // Tokens that do not add up to the text (a tokenizer that decodes differently in context): the whole gap.
    const snapped = ranges.map(([a, b]): [number, number] => {
      if (!bounds) return [0, n];
      let first = 0;
      while (first + 1 < bounds.length - 1 && bounds[first + 1] <= a) first++;
      let last = bounds.length - 1;
      while (last - 1 > first && bounds[last - 1] >= Math.max(b, a + 1)) last--;
      return [Math.max(0, first - 1), Math.min(n, last + 1)];
    });
    snapped.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of snapped) {
      const prev = merged[merged.length - 1];
      if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
      else merged.push([...r]);
    }
    for (const [first, last] of merged) {
      const start = bounds ? bounds[first] : 0;
      const end = bounds ? bounds[last] : gaps[gap].text.length;
      out.push({ gap, first, last, start, end });
    }
  }
  return out;
}
