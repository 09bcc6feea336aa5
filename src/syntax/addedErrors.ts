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
// - an empty gap also leaves its surroundings broken (an `except:` below a hole that should hold the `try:`, the
//   `}` the hole should close): those errors are in the parse before too, yet the fill has to mend them. So inside
//   the function (or, outside functions, the top-level statement) that holds an empty gap, no error is excused;
// - everything else was added.

import type { Node, Tree } from '@vscode/tree-sitter-wasm';
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

/** Node types that are a function of some grammar of the table: the scope an empty gap answers for. */
const FUNCTION_LIKE = new Set([
  'function_definition', 'function_declaration', 'generator_function_declaration', 'function_expression', 'arrow_function', 'method_definition',
  'method_declaration', 'constructor_declaration', 'local_function_statement', 'function_item', 'closure_expression', 'func_literal', 'lambda_expression',
]);

/** The innermost function around a gap in the filled text; outside functions, the top-level node(s) it touches. */
function scopeOf(tree: Tree, span: { start: number; end: number }): { start: number; end: number } {
  const root = tree.rootNode;
  let node: Node | null = root.descendantForIndex(span.start, Math.max(span.start, span.end - 1));
  while (node && node.parent && !FUNCTION_LIKE.has(node.type)) {
    if (node.parent.id === root.id) break;
    node = node.parent;
  }
  if (node && node.id !== root.id) return { start: node.startIndex, end: node.endIndex };
  let start = span.start;
  let end = span.end;
  for (const child of root.children) {
    if (child && child.startIndex <= span.end && child.endIndex >= span.start) {
      start = Math.min(start, child.startIndex);
      end = Math.max(end, child.endIndex);
    }
  }
  return { start, end };
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
  const beforeSpans = gapSpans(pieces, before);
  const afterSpans = gapSpans(pieces, after);
  const old = await withTree(grammar, beforeText, errorSites);
  const [now, scopes] = await withTree(grammar, afterText, (tree) => [errorSites(tree), afterSpans.filter((_, i) => before[i] === '').map((s) => scopeOf(tree, s))] as const);
  const parseMs = performance.now() - t0;
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
    const inScope = scopes.some((sc) => site.start >= sc.start && site.start <= sc.end);
    const left = key && !inScope ? (oldKeys.get(key) ?? 0) : 0;
    if (key && left > 0) {
      oldKeys.set(key, left - 1);
      continue;
    }
    added.push({ ...site, gap: p.gap, line: lineAt(afterText, site.start) });
  }
  return { added, errorsBefore: old.length, errorsAfter: now.length, parseMs };
}
