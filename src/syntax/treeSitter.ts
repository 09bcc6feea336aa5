// Loads the tree-sitter runtime and grammars from @vscode/tree-sitter-wasm (the grammars VS Code ships). The wasm
// files are found next to the bundle (dist/tree-sitter/, copied there by esbuild.mjs and shipped in the VSIX), or,
// when the sources run under tsx, in node_modules. Each grammar is loaded once, on first use.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Language, Parser, type Tree } from '@vscode/tree-sitter-wasm';
import type { GrammarName } from './grammars';

/** Where the bundle keeps the wasm files (relative to dist/*.js); esbuild.mjs copies them there. */
export const BUNDLED_WASM_FOLDER = 'tree-sitter';

/** The folder holding tree-sitter.wasm and the grammars: beside the bundle, else the package's node_modules. */
export function wasmDir(start = __dirname): string {
  const bundled = join(start, BUNDLED_WASM_FOLDER);
  if (existsSync(join(bundled, 'tree-sitter.wasm'))) return bundled;
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
    if (existsSync(join(candidate, 'tree-sitter.wasm'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`the tree-sitter grammars are missing (looked in ${bundled} and node_modules above ${start})`);
  }
}

let runtime: Promise<void> | undefined;
const languages = new Map<GrammarName, Promise<Language>>();

function init(dir: string): Promise<void> {
  runtime ??= Parser.init({ locateFile: (file: string) => join(dir, file) }).catch((e: unknown) => {
    runtime = undefined;
    throw e;
  });
  return runtime;
}

async function language(grammar: GrammarName): Promise<Language> {
  const dir = wasmDir();
  await init(dir);
  let lang = languages.get(grammar);
  if (!lang) {
    lang = Language.load(join(dir, `tree-sitter-${grammar}.wasm`));
    languages.set(grammar, lang);
    lang.catch(() => languages.delete(grammar));
  }
  return lang;
}

/**
 * Parses `text` with `grammar` and hands the tree to `use`; the tree (wasm memory) is freed afterwards, so callers
 * never hold one. One parser per call: parses are synchronous, so a shared one would also do, but this keeps the
 * module free of state beyond the loaded grammars.
 */
export async function withTree<T>(grammar: GrammarName, text: string, use: (tree: Tree) => T): Promise<T> {
  const lang = await language(grammar);
  const parser = new Parser();
  try {
    parser.setLanguage(lang);
    const tree = parser.parse(text);
    if (!tree) throw new Error(`tree-sitter could not parse the text as ${grammar}`);
    try {
      return use(tree);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}
