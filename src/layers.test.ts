// The layering rule: the engine, the worker, the CLI and the completion module run without an editor, so none of
// them may import `vscode`, directly or through a file they import (say a helper in src/extension/). Only
// src/extension/ talks to VS Code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = __dirname;
const EDITOR_FREE = ['engine', 'worker', 'cli', 'completion', 'models', 'syntax'];

/** Module specifiers of every import, export-from, dynamic import and require in a source text. */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}

test('the specifier scan sees every import form (so the rule below cannot pass by missing one)', () => {
  const src = [
    "import * as vscode from 'vscode';",
    "import type { Uri } from \"vscode\";",
    "import {\n  a,\n  b,\n} from './multi-line';",
    "export { x } from '../re-export';",
    "import './side-effect';",
    "const m = await import('dynamic');",
    "const r = require('required');",
  ].join('\n');
  assert.deepEqual(specifiers(src).sort(), ['../re-export', './multi-line', './side-effect', 'dynamic', 'required', 'vscode', 'vscode'].sort());
});

test('src/engine, src/worker, src/cli, src/completion, src/models and src/syntax never reach `vscode`, directly or through what they import', () => {
  const offenders: string[] = [];
  const seen = new Set<string>();
  const chainOf = new Map<string, string[]>();
  const queue: string[] = [];
  for (const folder of EDITOR_FREE) {
    for (const f of tsFiles(join(SRC, folder))) {
      seen.add(f);
      chainOf.set(f, [f]);
      queue.push(f);
    }
  }
  assert.ok(queue.length > 50, `only ${queue.length} files found under ${EDITOR_FREE.join(', ')}`);
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec === 'vscode' || spec.startsWith('vscode/')) offenders.push(chainOf.get(file)!.map((p) => relative(SRC, p)).join(' -> '));
      if (!spec.startsWith('.')) continue;
      const next = resolveLocal(file, spec);
      if (!next || seen.has(next)) continue;
      seen.add(next);
      chainOf.set(next, [...chainOf.get(file)!, next]);
      queue.push(next);
    }
  }
  assert.deepEqual(offenders, [], 'these import chains reach vscode');
});

test('no two modules under src/ import each other, directly or round a longer circle (type imports included)', () => {
  const files = tsFiles(SRC).filter((f) => !f.endsWith('.test.ts'));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    edges.set(f, specifiers(readFileSync(f, 'utf8')).filter((s) => s.startsWith('.')).map((s) => resolveLocal(f, s)).filter((p): p is string => !!p && p.endsWith('.ts')));
  }
  // Depth-first search with colours: a grey node met again closes a circle.
  const colour = new Map<string, 'grey' | 'black'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    colour.set(f, 'grey');
    for (const next of edges.get(f) ?? []) {
      if (colour.get(next) === 'grey') cycles.push([...path.slice(path.indexOf(next)), next].map((p) => relative(SRC, p)).join(' -> '));
      else if (!colour.has(next)) visit(next, [...path, next]);
    }
    colour.set(f, 'black');
  };
  for (const f of files) if (!colour.has(f)) visit(f, [f]);
  assert.ok(files.length > 100, `only ${files.length} files found`);
  assert.deepEqual(cycles, [], 'these modules import each other in a circle');
});
