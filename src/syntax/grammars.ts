// The one table of languages the parse check knows: VS Code language ids and file extensions (for the CLI) mapped
// to the tree-sitter grammars VS Code itself ships (@vscode/tree-sitter-wasm). A language not in this table is
// not checked: its fills pass through unchanged.
//
// C has no grammar of its own in the package; C files use the C++ grammar. It accepts the C that code is written in
// (designated initialisers, `new`/`class` as identifiers, K&R-free prototypes) and the check only counts errors a
// fill ADDS, so the rare C the C++ grammar rejects (e.g. some old-style declarations) is an error before and after
// the fill and does not count.

import { extname } from 'node:path';

export type GrammarName = 'python' | 'typescript' | 'tsx' | 'javascript' | 'java' | 'go' | 'rust' | 'cpp' | 'c-sharp';

interface GrammarRow {
  grammar: GrammarName;
  /** VS Code language ids served by the grammar. */
  languageIds: string[];
  /** File extensions (lower case, with the dot) the CLI maps to the grammar. */
  extensions: string[];
}

export const GRAMMARS: readonly GrammarRow[] = [
  { grammar: 'python', languageIds: ['python'], extensions: ['.py', '.pyi', '.pyw'] },
  { grammar: 'typescript', languageIds: ['typescript'], extensions: ['.ts', '.mts', '.cts'] },
  { grammar: 'tsx', languageIds: ['typescriptreact'], extensions: ['.tsx'] },
  // The JavaScript grammar parses JSX too.
  { grammar: 'javascript', languageIds: ['javascript', 'javascriptreact'], extensions: ['.js', '.mjs', '.cjs', '.jsx'] },
  { grammar: 'java', languageIds: ['java'], extensions: ['.java'] },
  { grammar: 'go', languageIds: ['go'], extensions: ['.go'] },
  { grammar: 'rust', languageIds: ['rust'], extensions: ['.rs'] },
  { grammar: 'cpp', languageIds: ['c', 'cpp', 'cuda-cpp'], extensions: ['.c', '.h', '.cc', '.cpp', '.cxx', '.c++', '.hh', '.hpp', '.hxx', '.h++', '.cu'] },
  { grammar: 'c-sharp', languageIds: ['csharp'], extensions: ['.cs'] },
];

/** The grammar for a VS Code language id, or undefined (not checked). */
export function grammarForLanguage(languageId: string): GrammarName | undefined {
  return GRAMMARS.find((g) => g.languageIds.includes(languageId))?.grammar;
}

/** The grammar for a file name by its extension, or undefined (not checked). */
export function grammarForFile(fileName: string): GrammarName | undefined {
  const ext = extname(fileName).toLowerCase();
  return ext ? GRAMMARS.find((g) => g.extensions.includes(ext))?.grammar : undefined;
}

/** The grammar for what the user named: a language id or a file extension (`py`, `.py`). */
export function grammarFor(idOrExtension: string): GrammarName | undefined {
  const s = idOrExtension.toLowerCase();
  return grammarForLanguage(s) ?? (GRAMMARS.some((g) => g.grammar === s) ? (s as GrammarName) : undefined) ?? grammarForFile(`x${s.startsWith('.') ? s : `.${s}`}`);
}

export const GRAMMAR_FILES = ['tree-sitter.wasm', ...GRAMMARS.map((g) => `tree-sitter-${g.grammar}.wasm`)];
