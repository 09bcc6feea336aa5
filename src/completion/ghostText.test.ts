import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GhostText } from './ghostText';
import { scriptedInfill } from './testing/scriptedInfill';
import { defaultSettings } from './testing/settings';
import type { CompletionInput, Infill } from './types';

const input = (text: string, offset = text.length): CompletionInput => ({ text, offset, languageId: 'python', indent: { insertSpaces: true, tabSize: 4 }, documentKey: 'a.py' });

function counting(infill: Infill): { infill: Infill; calls: () => number } {
  let n = 0;
  return { infill: (r) => (n++, infill(r)), calls: () => n };
}

test('typing the suggestion reuses it without asking the model again', async () => {
  const g = new GhostText();
  const model = counting(scriptedInfill([['compute(1)', 0.95]]));
  const first = await g.complete(input('x = '), defaultSettings(), model.infill);
  assert.deepEqual([first.shown, first.shown && first.text], [true, 'compute(1)']);
  const next = await g.complete(input('x = comp'), defaultSettings(), model.infill);
  assert.deepEqual(next, { shown: true, text: 'ute(1)', source: 'cache', mode: 'line' });
  assert.equal(model.calls(), 1);
});

test('typing an opening bracket the editor auto-closes keeps the editor\'s closer: the rest stops before it', async () => {
  const g = new GhostText();
  const model = counting(scriptedInfill([['(a, b)', 0.95]]));
  const text = 'def f(a, b):\n    return g';
  const first = await g.complete(input(text + '\n', text.length), defaultSettings(), model.infill).then((o) => o.shown && o.text);
  assert.equal(first, '(a, b)');
  // The user types '(' and the editor inserts ')' after the cursor.
  const typed = text + '()\n';
  const next = await g.complete(input(typed, text.length + 1), defaultSettings(), model.infill);
  assert.deepEqual(next, { shown: true, text: 'a, b', source: 'cache', mode: 'line' });
  assert.equal(model.calls(), 1);
});

test('a withdrawn request (typed again while waiting) never reaches the model', async () => {
  const model = counting(scriptedInfill([['1', 0.95]]));
  const out = await new GhostText().complete(input('x = '), defaultSettings(), model.infill, { beforeRequest: async () => false });
  assert.deepEqual(out, { shown: false, reason: 'cancelled', mode: 'line' });
  assert.equal(model.calls(), 0);
});

test('the outcome carries the answer\'s confidence (min, mean, geometric mean) and the gate compares the geometric mean', async () => {
  const answer: [string, number][] = [['abs(y)', 0.9], [' + zz', 0.2]];
  const hidden = await new GhostText().complete(input('x = '), defaultSettings({ minConfidence: 0.5 }), scriptedInfill(answer));
  assert.ok(!hidden.shown && hidden.reason === 'low-confidence');
  const c = hidden.confidence!;
  assert.equal(c.tokens, 11);
  assert.ok(c.min >= 0.2 && c.min < 0.21 && c.min < c.geomean && c.geomean < c.mean);
  const shown = await new GhostText().complete(input('x = '), defaultSettings({ minConfidence: c.geomean - 1e-6 }), scriptedInfill(answer));
  assert.ok(shown.shown && shown.text === 'abs(y) + zz');
});

test('a forced mode overrides the gap sizing (evaluation of line and block cases)', async () => {
  const sizes: number[] = [];
  const spy: Infill = (r) => (sizes.push(r.gaps[0].maxTokens), scriptedInfill([['x', 0.95]])(r));
  const s = defaultSettings();
  await new GhostText().complete({ ...input('    '), mode: 'block' }, s, spy);
  await new GhostText().complete({ ...input('    '), mode: 'line' }, s, spy);
  assert.deepEqual(sizes, [s.blockTokens, s.lineTokens]);
});
