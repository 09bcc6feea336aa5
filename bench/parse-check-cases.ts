// Cuts the parse check's held-out cases (bench/tasks/parse-check.jsonl): functions with a multi-line hole
// (`<|mask:32|>` over 2-4 whole lines of the body), from permissively licensed code on this machine that the
// bundled model never trained on: pip packages of the project's .venv that training/corpus.py and corpus_extra.py
// do not read, and npm packages in node_modules that they do not install. Source, path and licence of every case
// are recorded; each case's reference (the cut lines put back) parses without an error.
//
//   node --import tsx bench/parse-check-cases.ts [--python 100] [--ts 45] [--js 25]
//
// Run once; the output is committed so the measurement (bench/parse-check.ts) runs on the same cases anywhere.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Node } from '@vscode/tree-sitter-wasm';
import { Prng } from '../src/engine/sampling/prng';
import type { GrammarName } from '../src/syntax/grammars';
import { withTree } from '../src/syntax/treeSitter';

const root = join(__dirname, '..');
const site = readdirSync(join(root, '.venv/lib')).map((v) => join(root, '.venv/lib', v, 'site-packages')).find(existsSync)!;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

export const HOLE = '<|mask:32|>';

export interface ParseCheckCase {
  id: string;
  lang: 'python' | 'typescript' | 'javascript';
  source: string;
  licence: string;
  path: string;
  /** The function with the hole. */
  text: string;
  /** The cut lines (what the reference puts back). */
  reference: string;
}

interface Source {
  name: string;
  lang: ParseCheckCase['lang'];
  licence: string;
  dir: string;
  ext: string[];
}

// Not read by training/corpus.py (stdlib, Debian numpy/torch, NPM_PACKAGES) nor corpus_extra.py (its DEBIAN, PIP and
// NPM_EXTRA tables). The licence is the one the package's METADATA / package.json states (checked below for npm).
const PY: [string, string][] = [
  ['matplotlib', 'Matplotlib License (PSF-based)'], ['PIL', 'MIT-CMU'], ['markupsafe', 'BSD-3-Clause'], ['charset_normalizer', 'MIT'],
  ['filelock', 'MIT'], ['regex', 'Apache-2.0 AND CNRI-Python'], ['contourpy', 'BSD-3-Clause'], ['safetensors', 'Apache-2.0'],
  ['ml_dtypes', 'Apache-2.0'], ['cycler', 'BSD-3-Clause'], ['kiwisolver', 'BSD-3-Clause'], ['flatbuffers', 'Apache-2.0'], ['google/protobuf', 'BSD-3-Clause'],
];
const TS = ['@huggingface/hub/src', '@huggingface/tasks/src', 'onnxruntime-web/lib', '@azure/msal-common/src', '@azure/msal-node/src', 'cheerio/src'];
const JS = ['semver', 'debug/src', 'fastq', 'braces', 'fill-range', 'micromatch', 'picomatch/lib', 'minimatch', 'qs/lib', 'mime', 'tmp/lib', 'yauzl', 'lru-cache'];
const ALLOWED = /^(MIT|ISC|BSD-2-Clause|BSD-3-Clause|Apache-2\.0|BlueOak-1\.0\.0)$/;

function npmSource(spec: string, lang: 'typescript' | 'javascript'): Source | undefined {
  const parts = spec.split('/');
  const pkgDir = join(root, 'node_modules', ...parts.slice(0, spec.startsWith('@') ? 2 : 1));
  const dir = join(root, 'node_modules', ...parts);
  if (!existsSync(dir)) return undefined;
  const licence = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).license;
  if (typeof licence !== 'string' || !ALLOWED.test(licence)) return undefined;
  return { name: `npm:${parts.slice(0, spec.startsWith('@') ? 2 : 1).join('/')}`, lang, licence, dir, ext: lang === 'typescript' ? ['.ts'] : ['.js'] };
}

function files(dir: string, ext: string[]): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return n === 'node_modules' || n === '__pycache__' || n.startsWith('.') ? [] : files(p, ext);
      return ext.some((e) => n.endsWith(e)) && !n.endsWith('.d.ts') && !n.endsWith('.min.js') ? [p] : [];
    });
}

const FUNCTION_TYPES = ['function_definition', 'function_declaration', 'method_definition', 'generator_function_declaration'];

/** Functions of 6-40 lines with a body, dedented; methods of TS/JS wrapped in a class so they parse alone. */
async function functionsOf(src: Source, text: string): Promise<string[]> {
  const grammar: GrammarName = src.lang;
  return withTree(grammar, text, (tree) => {
    const out: string[] = [];
    const visit = (n: Node) => {
      if (FUNCTION_TYPES.includes(n.type)) {
        const lines = n.endPosition.row - n.startPosition.row + 1;
        if (lines >= 6 && lines <= 40) {
          const indent = n.startPosition.column;
          const body = text.slice(n.startIndex - indent, n.endIndex).split('\n');
          if (body.every((l) => l.trim() === '' || l.slice(0, indent).trim() === '')) {
            const fn = body.map((l) => l.slice(indent)).join('\n');
            out.push(n.type === 'method_definition' ? `class C {\n${fn.split('\n').map((l) => (l ? '  ' + l : l)).join('\n')}\n}\n` : fn + '\n');
          }
        }
      }
      for (const c of n.namedChildren) if (c) visit(c);
    };
    visit(tree.rootNode);
    return out;
  });
}

const clean = (grammar: GrammarName, text: string) => withTree(grammar, text, (t) => !t.rootNode.hasError);

const IN_TEXT = ['string', 'string_content', 'comment', 'template_string', 'concatenated_string', 'line_comment', 'block_comment'];

/** Whether the first character of each line in [a, b) is code, not inside a string (a docstring) or a comment. */
function codeLines(grammar: GrammarName, fn: string, a: number, b: number): Promise<boolean> {
  return withTree(grammar, fn, (tree) => {
    const lines = fn.split('\n');
    for (let row = a; row < b; row++) {
      const col = lines[row].search(/\S/);
      if (col < 0) continue;
      for (let n: Node | null = tree.rootNode.descendantForPosition({ row, column: col }); n; n = n.parent) if (IN_TEXT.includes(n.type)) return false;
    }
    return true;
  });
}

/** A hole over 2-4 whole body lines (not the first line, not the last two), 40-120 characters of code. */
async function cut(grammar: GrammarName, fn: string, prng: Prng): Promise<{ text: string; reference: string } | undefined> {
  const lines = fn.split('\n');
  const first = lines[0].startsWith('class C {') ? 2 : 1;
  const last = lines.length - 3; // the closing line(s) stay
  for (let tries = 0; tries < 8; tries++) {
    const n = 2 + Math.floor(prng.next() * 3);
    const a = first + Math.floor(prng.next() * Math.max(1, last - first - n));
    const b = a + n;
    if (b > last) continue;
    const reference = lines.slice(a, b).join('\n');
    const code = lines.slice(a, b).filter((l) => l.trim() && !/^\s*(#|\/\/|\*|\/\*)/.test(l));
    if (code.length < 2 || reference.length < 40 || reference.length > 120 || reference.includes('<|') || !(await codeLines(grammar, fn, a, b))) continue;
    return { text: [...lines.slice(0, a), HOLE, ...lines.slice(b)].join('\n'), reference };
  }
  return undefined;
}

async function casesFor(sources: Source[], want: number, prefix: string): Promise<ParseCheckCase[]> {
  // Round-robin over the sources (no package dominates), at most 2 functions per file, files in a seeded order.
  const pools: { src: Source; files: string[] }[] = sources.map((src) => {
    const fs = files(src.dir, src.ext);
    const prng = new Prng(fs.length + 7);
    for (let i = fs.length - 1; i > 0; i--) {
      const j = Math.floor(prng.next() * (i + 1));
      [fs[i], fs[j]] = [fs[j], fs[i]];
    }
    return { src, files: fs };
  });
  const out: ParseCheckCase[] = [];
  while (out.length < want && pools.some((p) => p.files.length)) {
    for (const pool of pools) {
      if (out.length >= want) break;
      while (pool.files.length) {
        const file = pool.files.shift()!;
        const text = readFileSync(file, 'utf8');
        if (text.length > 400_000) continue;
        const fns = await functionsOf(pool.src, text);
        const prng = new Prng(text.length);
        let taken = 0;
        for (const fn of fns) {
          if (taken === 2 || prng.next() < 0.5 || !(await clean(pool.src.lang, fn))) continue;
          const c = await cut(pool.src.lang, fn, prng);
          if (!c) continue;
          const rel = pool.src.lang === 'python' ? relative(site, file) : relative(join(root, 'node_modules'), file);
          out.push({ id: `${prefix}${String(out.length + 1).padStart(3, '0')}`, lang: pool.src.lang, source: pool.src.name, licence: pool.src.licence, path: rel, ...c });
          taken++;
        }
        if (taken) break;
      }
    }
  }
  return out;
}

async function main() {
  const py: Source[] = PY.filter(([d]) => existsSync(join(site, d))).map(([d, licence]) => ({ name: `pip:${d}`, lang: 'python', licence, dir: join(site, d), ext: ['.py'] }));
  const ts = TS.map((s) => npmSource(s, 'typescript')).filter((s): s is Source => !!s);
  const js = JS.map((s) => npmSource(s, 'javascript')).filter((s): s is Source => !!s);
  const cases = [...(await casesFor(py, arg('python', 100), 'py')), ...(await casesFor(ts, arg('ts', 45), 'ts')), ...(await casesFor(js, arg('js', 25), 'js'))];
  writeFileSync(join(root, 'bench/tasks/parse-check.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const by = new Map<string, number>();
  for (const c of cases) by.set(`${c.lang} ${c.source} (${c.licence})`, (by.get(`${c.lang} ${c.source} (${c.licence})`) ?? 0) + 1);
  for (const [k, n] of [...by].sort()) console.log(`${String(n).padStart(4)}  ${k}`);
  console.log(`${cases.length} cases -> bench/tasks/parse-check.jsonl`);
}

if (require.main === module) void main();
