// A small code lexer shared by the bracket and quote filters: it walks text character by character and reports
// brackets and string delimiters, skipping the inside of strings and comments, so `print("(")` or `# don't` never
// count as an open bracket or an open quote. It knows only what those filters need, not any one language's grammar.

export const CLOSER_OF: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
export const CLOSERS = new Set(Object.values(CLOSER_OF));

/** Line comment starts by language id; unknown languages get the C family's. */
const LINE_COMMENT: Record<string, string[]> = {
  python: ['#'],
  shellscript: ['#'],
  ruby: ['#'],
  yaml: ['#'],
  toml: ['#'],
  perl: ['#'],
  r: ['#'],
  makefile: ['#'],
  dockerfile: ['#'],
  powershell: ['#'],
  lua: ['--'],
  sql: ['--'],
  haskell: ['--'],
};

export function lineComments(languageId: string | undefined): string[] {
  return LINE_COMMENT[languageId ?? ''] ?? ['//'];
}

/** Where a scan stands between two characters. */
export interface LexState {
  /** The open string's delimiter ('"', "'", '`', '"""', "'''"), or null outside strings. */
  quote: string | null;
  /** Inside a line comment (until the end of the line). */
  comment: boolean;
}

export type LexEvent =
  | { kind: 'open' | 'close'; char: string; index: number }
  | { kind: 'quote-open' | 'quote-close'; quote: string; index: number }
  /** A line break ended an open single-line string: it was never closed. */
  | { kind: 'unterminated'; quote: string; index: number }
  /** A line break outside any string. */
  | { kind: 'newline'; index: number };

const MULTILINE = new Set(['`', '"""', "'''"]);

/** Scans `text` from `state` (updated in place), calling `on` for every event; `on` returning false stops. */
export function lex(text: string, state: LexState, languageId: string | undefined, on: (e: LexEvent) => boolean | void): void {
  const comments = lineComments(languageId);
  const triple = languageId === 'python';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      state.comment = false;
      if (state.quote !== null && !MULTILINE.has(state.quote)) {
        const q = state.quote;
        state.quote = null;
        if (on({ kind: 'unterminated', quote: q, index: i }) === false) return;
      }
      if (state.quote === null && on({ kind: 'newline', index: i }) === false) return;
      continue;
    }
    if (state.comment) continue;
    if (state.quote !== null) {
      if (c === '\\') i++;
      else if (text.startsWith(state.quote, i)) {
        const q = state.quote;
        state.quote = null;
        if (on({ kind: 'quote-close', quote: q, index: i }) === false) return;
        i += q.length - 1;
      }
      continue;
    }
    if (comments.some((s) => text.startsWith(s, i))) {
      state.comment = true;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const q = triple && text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      state.quote = q;
      if (on({ kind: 'quote-open', quote: q, index: i }) === false) return;
      i += q.length - 1;
    } else if (CLOSER_OF[c]) {
      if (on({ kind: 'open', char: c, index: i }) === false) return;
    } else if (CLOSERS.has(c)) {
      if (on({ kind: 'close', char: c, index: i }) === false) return;
    }
  }
}

/** The state at the end of the cursor's line prefix: whether the cursor sits in a string or a comment. */
export function stateAfter(linePrefix: string, languageId: string | undefined): LexState {
  const state: LexState = { quote: null, comment: false };
  lex(linePrefix, state, languageId, () => undefined);
  return state;
}
