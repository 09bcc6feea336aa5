import type { Filter } from './types';

/**
 * Cuts a line at the first n-gram (1 to 8 code tokens) that comes twice in a row, keeping the first copy: the
 * stutter a small model falls into when it is unsure what comes next (`array(array, index, index, ...`,
 * `isinstance(a, a, y`). Literals repeat in real code (`[0, 0, 1]`, `[None, None]`), so an n-gram counts only if
 * it holds a name; the repeat must follow at once on the same line (`f(a, a)` and `a[i] = b[i]` are left alone:
 * the first repeats a name but not a name-and-separator pair, the second not back to back). Loops of whole lines
 * are dropRepetition's job.
 */
export const dropRepeatedNgrams: Filter = (text) => {
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const at = firstRepeat(lines[l]);
    if (at < 0) continue;
    const kept = lines[l].slice(0, at).replace(/[\s,;]+$/, '');
    return [...lines.slice(0, l), kept].join('\n').replace(/\s+$/, '');
  }
  return text;
};

const MAX_N = 8;
// Names, numbers, string literals, and any other single visible character.
const TOKEN = /[\p{L}_$][\p{L}\p{N}_$]*|\p{N}[\p{L}\p{N}_.]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`|\S/gu;
const LITERAL_WORDS = new Set(['None', 'null', 'undefined', 'true', 'false', 'True', 'False', 'nil', 'NaN']);

function isName(t: string): boolean {
  return /^[\p{L}_$]/u.test(t) && !LITERAL_WORDS.has(t);
}

/** The character offset where the second copy of the first back-to-back repeated n-gram starts, or -1. */
function firstRepeat(line: string): number {
  const tokens = [...line.matchAll(TOKEN)];
  const text = tokens.map((m) => m[0]);
  for (let i = 0; i < tokens.length; i++) {
    for (let n = 1; n <= MAX_N && i + 2 * n <= tokens.length; n++) {
      let same = true;
      for (let j = 0; j < n && same; j++) same = text[i + j] === text[i + n + j];
      if (!same) continue;
      const gram = text.slice(i, i + n);
      if (!gram.some(isName)) continue;
      return tokens[i + n].index!;
    }
  }
  return -1;
}
