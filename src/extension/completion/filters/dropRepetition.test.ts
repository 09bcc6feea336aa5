import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropRepetition } from './dropRepetition';
import { ctx } from './testContext';

const block = ctx({ mode: 'block' });

test('a line that keeps coming back is cut at its second copy', () => {
  const text = 'map: {\n    map: exports.map,\n    map: exports.map,\n    map: exports.map,\n    2,';
  assert.equal(dropRepetition(text, block), 'map: {\n    map: exports.map,');
});

test('a two-line loop is cut where it starts over', () => {
  const text = ' * @example\n * import { Array } from "effect"\n *\n * import { Array } from "effect"\n *\n * import { Array } from "effect"\n *';
  assert.equal(dropRepetition(text, block), ' * @example\n * import { Array } from "effect"\n *');
});

test('a line that comes twice is real code, not a loop', () => {
  const text = 'if (a) {\n  return x;\n} else {\n  return x;\n}';
  assert.equal(dropRepetition(text, block), text);
});

test('closers and blank lines never count as repeats', () => {
  const text = 'a();\n}\n\nb();\n}\n\nc();\n}';
  assert.equal(dropRepetition(text, block), text);
});

test('a piece typed over and over inside a line keeps its first copy', () => {
  assert.equal(dropRepetition("export { pipe } from './internal//Web/docs/Web/docs/Web/docs/Web/docs/Web/docs/Web/docs/Web/docs>", ctx()), "export { pipe } from './internal//Web/docs");
  assert.equal(dropRepetition('function get(this.cons, value, value, value, value, value, value, value, value', ctx()), 'function get(this.cons, value');
});

test('short runs, separators and ordinary repetition in code are left alone', () => {
  for (const text of ['np.zeros([0, 0, 0, 0])', '# ----------------------', '"""\n    ----------\n    x : int', 'a = b = c = d', 'x = [1, 1, 2, 2]'])
    assert.equal(dropRepetition(text, block), text);
});
