// The syntax errors of a parse, as tree-sitter reports them: ERROR nodes (text it had to skip) and MISSING nodes
// (a token it had to invent, zero width). Only the innermost ERROR nodes are kept: tree-sitter often wraps a
// whole function in an ERROR around the real culprit, and the wrapper's range says nothing about where the fault
// is (a `def` ... dedented `else:` gives ERROR(def ... ERROR(else:)); the inner one points at the `else`).

import type { Node, Tree } from '@vscode/tree-sitter-wasm';

export interface ErrorSite {
  kind: 'error' | 'missing';
  /** For a MISSING node, the token that was expected (`identifier`, `}`); 'ERROR' otherwise. */
  type: string;
  /** UTF-16 offsets into the parsed text, [start, end). */
  start: number;
  end: number;
}

export function errorSites(tree: Tree): ErrorSite[] {
  const out: ErrorSite[] = [];
  // Walk only subtrees that contain an error (hasError is cached per node, so this skips clean code quickly).
  const visit = (node: Node): boolean => {
    if (node.isMissing) {
      out.push({ kind: 'missing', type: node.type, start: node.startIndex, end: node.endIndex });
      return true;
    }
    let inner = false;
    if (node.hasError) {
      for (const child of node.children) if (child && visit(child)) inner = true;
    }
    if (node.isError && !inner) {
      out.push({ kind: 'error', type: 'ERROR', start: node.startIndex, end: node.endIndex });
      return true;
    }
    return inner || node.isError;
  };
  visit(tree.rootNode);
  // An empty block where tree-sitter already reports an error (touching it) is that error's echo, not a second one.
  for (const b of emptyBlocks(tree)) if (!out.some((e) => b.start >= e.start && b.start <= e.end)) out.push(b);
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Blocks with nothing in them. tree-sitter-python accepts `def f(x):` followed by a dedented line, giving the function
 * a zero-width `block` and no ERROR or MISSING node, where CPython says "expected an indented block" (the bundled
 * model wrote exactly that into `npm run demo`). A zero-width block is reported as a missing one; in the braced
 * grammars a block always spans its braces (MISSING ones included), so the rule only ever fires for indentation.
 * A cursor walk over the whole tree: a few milliseconds for a source file, and cheaper than `children` arrays.
 */
function emptyBlocks(tree: Tree): ErrorSite[] {
  const out: ErrorSite[] = [];
  const c = tree.walk();
  try {
    for (;;) {
      if (c.nodeType === 'block' && c.startIndex === c.endIndex) out.push({ kind: 'missing', type: 'block', start: c.startIndex, end: c.endIndex });
      if (c.gotoFirstChild() || c.gotoNextSibling()) continue;
      let up = false;
      while (c.gotoParent()) {
        if (c.gotoNextSibling()) {
          up = true;
          break;
        }
      }
      if (!up) break;
    }
  } finally {
    c.delete();
  }
  return out;
}
