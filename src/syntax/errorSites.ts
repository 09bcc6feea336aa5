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
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
