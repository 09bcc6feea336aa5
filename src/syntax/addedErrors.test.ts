// The syntax check against the real tree-sitter runtime and the real grammars VS Code ships.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addedErrors } from './addedErrors';
import { grammarFor, grammarForFile, grammarForLanguage, GRAMMAR_FILES } from './grammars';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { wasmDir } from './treeSitter';

test('every grammar of the table is a wasm file that loads and parses clean code without errors', async () => {
  const samples: Record<string, string> = {
    python: 'def f(x):\n    return x + 1\n',
    typescript: 'const f = (x: number): number => x + 1;\n',
    tsx: 'const A = () => <div className="a">{1}</div>;\n',
    javascript: 'const A = () => <b>{x}</b>;\nfunction f(x) { return x + 1; }\n',
    java: 'class A { int f(int x) { return x + 1; } }\n',
    go: 'package main\n\nfunc f(x int) int { return x + 1 }\n',
    rust: 'fn f(x: i32) -> i32 { x + 1 }\n',
    cpp: '#include <stdio.h>\nstruct p { int x; };\nint main(void) { struct p v = { .x = 1 }; int *new = 0; printf("%d", v.x); return 0; }\n',
    'c-sharp': 'class A { int F(int x) { return x + 1; } }\n',
  };
  for (const file of GRAMMAR_FILES) assert.ok(existsSync(join(wasmDir(), file)), `${file} is missing`);
  for (const [grammar, code] of Object.entries(samples)) {
    const g = grammarFor(grammar);
    assert.ok(g, grammar);
    const c = await addedErrors(g, [code], [], []);
    assert.equal(c.errorsAfter, 0, `${grammar} found errors in clean code`);
  }
});

test('the table maps VS Code language ids and file extensions; C uses the C++ grammar; unknown languages have none', () => {
  assert.equal(grammarForLanguage('typescriptreact'), 'tsx');
  assert.equal(grammarForLanguage('c'), 'cpp');
  assert.equal(grammarForLanguage('csharp'), 'c-sharp');
  assert.equal(grammarForFile('src/a.PY'), 'python');
  assert.equal(grammarForFile('main.h'), 'cpp');
  assert.equal(grammarFor('py'), 'python');
  assert.equal(grammarFor('.tsx'), 'tsx');
  assert.equal(grammarForLanguage('markdown'), undefined);
  assert.equal(grammarForFile('notes.txt'), undefined);
  assert.equal(grammarForFile('Makefile'), undefined);
});

test('Python: a fill that dedents an `else:` out of its `if` adds an error, on the else line', async () => {
  const pieces = ['def sign(x):\n    if x > 0:\n', '\n    return 0\n'];
  const good = await addedErrors('python', pieces, [''], ['        return 1\n    else:\n        return -1']);
  assert.deepEqual(good.added, []);
  const bad = await addedErrors('python', pieces, [''], ['        return 1\n  else:\n        return -1']);
  assert.ok(bad.added.length > 0);
  assert.equal(bad.added[0].line, 4);
  assert.equal(bad.added[0].gap, 0);
});

test('Python: a fill that leaves a `def` without a body adds an error (tree-sitter accepts it; CPython does not)', async () => {
  const pieces = ['def is_palindrome(text):\n    cleaned = text.lower()\n    return ', '\n\n\nif __name__ == "__main__":\n    print(1)\n'];
  const bad = await addedErrors('python', pieces, [''], ['\n\n\ndef get_par(value):\n']);
  assert.equal(bad.added.length, 1, JSON.stringify(bad.added));
  assert.equal(bad.added[0].kind, 'missing');
  assert.equal(bad.added[0].line, 6);
  assert.deepEqual((await addedErrors('python', pieces, [''], ['cleaned == cleaned[::-1]'])).added, []);
});

test('TypeScript: `user.active = ;` adds a missing expression, a stray `}` adds an error', async () => {
  const pieces = ['function f(user: { active: boolean }) {\n  ', '\n}\n'];
  const missing = await addedErrors('typescript', pieces, [''], ['user.active = ;']);
  assert.equal(missing.added.length, 1);
  assert.equal(missing.added[0].line, 2);
  const stray = await addedErrors('typescript', pieces, [''], ['user.active = true;\n}\n}']);
  assert.ok(stray.added.length > 0);
  assert.ok(stray.added.every((e) => e.kind === 'error'));
  assert.deepEqual((await addedErrors('typescript', pieces, [''], ['user.active = true;'])).added, []);
});

test('errors already in the document elsewhere do not count; new ones next to them do', async () => {
  const broken = 'function g() {\n  return (1 + ;\n}\n';
  const pieces = [broken + 'function f(x: number) {\n  ', '\n}\n' + broken];
  const c = await addedErrors('typescript', pieces, [''], ['return x + 1;']);
  assert.ok(c.errorsBefore >= 2, `the document has errors of its own (${c.errorsBefore})`);
  assert.deepEqual(c.added, []);
  // Error recovery is not local: the broken fill can change how tree-sitter reports the old error below it, which
  // then counts too; the one above the fill stays excused.
  const worse = await addedErrors('typescript', pieces, [''], ['return x + ;']);
  assert.ok(worse.added.length >= 1);
  assert.equal(worse.added[0].line, 5);
  assert.ok(worse.added.every((e) => e.line >= 5), JSON.stringify(worse.added));
});

test('a rewrite that keeps an error the old text had adds nothing; one that breaks clean text adds one', async () => {
  const pieces = ['x = 1\n', '\ny = 2\n'];
  assert.deepEqual((await addedErrors('python', pieces, ['z = (1 +'], ['z = (2 +'])).added, []);
  assert.equal((await addedErrors('python', pieces, ['z = 1'], ['z = (2 +'])).added.length, 1);
});

test('multi-hole fills are checked as one edit: two holes that only parse together pass', async () => {
  const pieces = ['const a = [', '1, 2', '];\n'];
  assert.deepEqual((await addedErrors('typescript', pieces, ['', ''], ['0, ', ', 3'])).added, []);
  assert.ok((await addedErrors('typescript', pieces, ['', ''], ['0, ', ', 3]'])).added.length > 0);
});

test('errors an empty hole leaves around it are the fill\'s to mend: the same `except` without its `try` still counts', async () => {
  const pieces = ['def load(name):\n', '\n    except ImportError:\n        return None\n'];
  const empty = await addedErrors('python', pieces, [''], ['']);
  assert.ok(empty.errorsBefore > 0, 'the hole leaves the except without its try');
  const unrelated = await addedErrors('python', pieces, [''], ['    x = 1\n    y = 2']);
  assert.ok(unrelated.added.length > 0, 'a fill that does not supply the try leaves the file broken');
  assert.deepEqual((await addedErrors('python', pieces, [''], ['    try:\n        return __import__(name)'])).added, []);
});

test('a hole between top-level definitions answers for its own statement only; errors in other functions stay excused', async () => {
  const broken = 'def g(:\n    return 1\n\n';
  const pieces = [broken, '\n\n' + broken.replace('g', 'h')];
  const c = await addedErrors('python', pieces, [''], ['def f(x):\n    return x + 1']);
  assert.ok(c.errorsBefore >= 2);
  assert.deepEqual(c.added, []);
  assert.equal((await addedErrors('python', pieces, [''], ['def f(x):\n    return x +'])).added.length, 1);
});
