import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remaskSpans, type GapTokens } from './remaskSpans';
import type { LocatedError } from './addedErrors';
import { wasmDir } from './treeSitter';

const gap = (parts: string[]): GapTokens => ({ text: parts.join(''), tokens: parts.map((text) => ({ text })) });
const error = (start: number, end: number, gapIndex?: number): LocatedError => ({ kind: 'error', type: 'ERROR', start, end, gap: gapIndex, line: 1 });

// "a = 1\n  b = ;\nc = 3" at offset 10 of the document.
const three = gap(['a', ' =', ' 1', '\n  ', 'b', ' =', ' ;', '\n', 'c', ' =', ' 3']);
const at = [{ start: 10, end: 10 + three.text.length }];

test('an error remasks its line with the line break before it and one token each side, on token boundaries', () => {
  const semicolon = three.text.indexOf(';');
  const [s] = remaskSpans([three], at, [error(10 + semicolon, 10 + semicolon + 1, 0)], 0);
  // The line is tokens 3..6 ("\n  " carries its indentation); " 1" before and "\n" after are the neighbours.
  assert.deepEqual({ first: s.first, last: s.last }, { first: 2, last: 8 });
  assert.equal(three.text.slice(s.start, s.end), ' 1\n  b = ;\n');
});

test('wider rounds take a line more each way; two errors in one gap merge into one span', () => {
  const semicolon = 10 + three.text.indexOf(';');
  assert.deepEqual(remaskSpans([three], at, [error(semicolon, semicolon + 1, 0)], 1).map((s) => [s.first, s.last]), [[0, 11]]);
  const spans = remaskSpans([three], at, [error(10, 11, 0), error(semicolon, semicolon + 1, 0)], 0);
  assert.equal(spans.length, 1);
});

test('an error outside every gap remasks the nearest gap whole; tokens that do not add up fall back to the whole text', () => {
  const later = remaskSpans([three, gap(['x'])], [at[0], { start: 100, end: 101 }], [error(60, 61)], 0);
  assert.deepEqual(later.map((s) => [s.gap, s.start, s.end]), [[0, 0, three.text.length]]);
  const odd: GapTokens = { text: 'a = 1\nb = ;', tokens: [{ text: 'a = 1' }, { text: 'b = ;' }] };
  const [s] = remaskSpans([odd], [{ start: 0, end: odd.text.length }], [error(9, 10, 0)], 0);
  assert.deepEqual([s.start, s.end, s.first, s.last], [0, odd.text.length, 0, 2]);
});

test('the grammars load from dist/tree-sitter beside a bundle, else from node_modules; missing ones say where they looked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diffucode-wasm-'));
  try {
    mkdirSync(join(dir, 'tree-sitter'));
    writeFileSync(join(dir, 'tree-sitter', 'tree-sitter.wasm'), '');
    assert.equal(wasmDir(dir), join(dir, 'tree-sitter'));
    assert.match(wasmDir(__dirname), /node_modules[/\\]@vscode[/\\]tree-sitter-wasm[/\\]wasm$/);
    assert.throws(() => wasmDir(join(dir, 'tree-sitter')), /the tree-sitter grammars are missing \(looked in .*tree-sitter[/\\]tree-sitter and node_modules above/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
