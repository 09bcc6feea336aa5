import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropRepetition } from './dropRepetition';
import { ctx } from './testContext';

const block = ctx({ mode: 'block' });

test('a line repeated back to back is cut after its first copy', () => {
  const text = 'map: {\n    map: exports.map,\n    map: exports.map,\n    map: exports.map,\n    2,';
  assert.equal(dropRepetition(text, block), 'map: {\n    map: exports.map,');
});

test('a two-line loop is cut where it starts over', () => {
  const text = ' * @example\n * import { Array } from "effect"\n *\n * import { Array } from "effect"\n *\n * import { Array } from "effect"\n *';
  assert.equal(dropRepetition(text, block), ' * @example\n * import { Array } from "effect"\n *');
});

test('lines that recur with code between them are real code, not a loop', () => {
  const sw = 'switch (k) {\n  case 1:\n    a();\n    break;\n  case 2:\n    b();\n    break;\n  case 3:\n    c();\n    break;\n}';
  assert.equal(dropRepetition(sw, block), sw);
  const java = '@Override\npublic int a() { return 1; }\n@Override\npublic int b() { return 2; }\n@Override\npublic int c() { return 3; }';
  assert.equal(dropRepetition(java, block), java);
  const twice = 'if (a) {\n  return x;\n} else {\n  return x;\n}';
  assert.equal(dropRepetition(twice, block), twice);
});

test('runs of short closers are not loops', () => {
  for (const text of ['      x += 1\n    end\n  end\nend', 'a();\n      }\n    }\n  }\n}', 'f(\n  g(\n    h()\n  )\n)\n)\n)'])
    assert.equal(dropRepetition(text, block), text);
});

test('a piece typed over and over to the end of a line keeps its first copy', () => {
  assert.equal(dropRepetition("export { pipe } from './internal//Web/docs/Web/docs/Web/docs/Web/docs/Web/docs/Web/docs/Web/docs>", ctx()), "export { pipe } from './internal//Web/docs");
  assert.equal(dropRepetition('function get(this.cons, value, value, value, value, value, value, value, value', ctx()), 'function get(this.cons, value');
});

test('literal lists, separators and ordinary repetition are left alone', () => {
  for (const text of [
    'm = [0, 0, 0, 0, 0, 0, 0, 0]',
    'data = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]',
    'row = [None, None, None, None, None, None, None]',
    "pad = ['', '', '', '', '', '', '', '']",
    '# ----------------------',
    '"""\n    ----------\n    x : int',
    'a = b = c = d',
    'x = [1, 1, 2, 2]',
  ])
    assert.equal(dropRepetition(text, block), text);
});
