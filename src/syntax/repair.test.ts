// The repair loop with the real parser and a scripted refill (the real model runs it in
// test/integration/parse-check.test.ts): which spans it remasks, what the refill sees, how results splice back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFill, describeError, type FilledGap } from './repair';
import { addedErrors } from './addedErrors';
import type { GrammarName } from './grammars';

/** A gap result whose tokens are the text's words, spaces, punctuation and line breaks (with their indentation). */
function gap(text: string): FilledGap {
  const parts = text.match(/\n *|[ ]+|\w+|[^\w\s]/g) ?? [];
  return { text, tokens: parts.map((t, i) => ({ id: i, text: t, confidence: 0.9 })), stopped: true };
}

const pieces = ['def sign(x):\n    if x > 0:\n', '\n    return 0\n'];
const brokenFill = '        return 1\n  else:\n        return -1';

test('a dedented else is remasked (its line, the line break before it and a token each side) and refilled in one round', async () => {
  const seen: { pieces: string[]; gaps: { maxTokens: number }[] }[] = [];
  const result = await checkFill({
    grammar: 'python',
    mode: 'repair',
    pieces,
    before: [''],
    gaps: [gap(brokenFill)],
    maxTokens: [32],
    refill: async (p, g) => {
      seen.push({ pieces: p, gaps: g });
      return [gap('1\n    else:\n        ')];
    },
  });
  assert.equal(result.status, 'repaired');
  assert.equal(result.rounds, 1);
  assert.equal(result.addedByFill > 0, true);
  assert.equal(seen.length, 1);
  // Everything but the remasked span is context, byte for byte: the user's code and the rest of the fill.
  assert.equal(seen[0].pieces.length, 2);
  assert.equal(seen[0].pieces[0], 'def sign(x):\n    if x > 0:\n        return ');
  assert.equal(seen[0].pieces[1], 'return -1\n    return 0\n');
  assert.equal(seen[0].gaps[0].maxTokens, 5 + 2); // "1", "\n  ", "else", ":", "\n        " + the slack
  assert.equal(result.gaps[0].text, '        return 1\n    else:\n        return -1');
  assert.equal(result.gaps[0].tokens.map((t) => t.text).join(''), result.gaps[0].text);
  assert.deepEqual((await addedErrors('python', pieces, [''], [result.gaps[0].text])).added, []);
});

test('a fill that stays broken gives up after the last round, widening each time, and keeps its fewest-error try', async () => {
  const sizes: number[] = [];
  const result = await checkFill({
    grammar: 'python',
    mode: 'repair',
    pieces,
    before: [''],
    gaps: [gap(brokenFill)],
    maxTokens: [32],
    refill: async (_p, g) => {
      sizes.push(g[0].maxTokens);
      return [gap('\n  else:\n')];
    },
  });
  assert.equal(result.status, 'broken');
  assert.equal(result.rounds, 3);
  assert.ok(sizes[1] > sizes[0], `round 2 remasks more than round 1 (${sizes})`);
  assert.ok(result.added.length > 0);
  assert.match(describeError(pieces, result.gaps, result.added[0]), /line \d+ \(`/);
});

test('a clean fill, a language without a grammar and mode off never call the model again', async () => {
  const refill = async (): Promise<FilledGap[]> => assert.fail('refill must not run');
  const clean = await checkFill({ grammar: 'python', mode: 'repair', pieces, before: [''], gaps: [gap('        return 1')], maxTokens: [32], refill });
  assert.equal(clean.status, 'clean');
  assert.equal(clean.rounds, 0);
  const unknown = await checkFill({ grammar: undefined, mode: 'repair', pieces, before: [''], gaps: [gap(brokenFill)], maxTokens: [32], refill });
  assert.equal(unknown.status, 'unchecked');
  assert.equal(unknown.gaps[0].text, brokenFill);
  const off = await checkFill({ grammar: 'python', mode: 'off', pieces, before: [''], gaps: [gap(brokenFill)], maxTokens: [32], refill });
  assert.equal(off.status, 'unchecked');
});

test('two holes: only the broken one is remasked, and the refill request holds the other fill as context', async () => {
  const two = ['function f(a: number) {\n  const b = ', ';\n  return ', ';\n}\n'];
  let asked: string[] = [];
  const result = await checkFill({
    grammar: 'typescript',
    mode: 'repair',
    pieces: two,
    before: ['', ''],
    gaps: [gap('a * 2'), gap('b + ) 1')],
    maxTokens: [8, 8],
    refill: async (p) => {
      asked = p;
      return [gap('b + 1')];
    },
  });
  assert.equal(result.status, 'repaired');
  assert.equal(asked.length, 2);
  assert.ok(asked[0].includes('const b = a * 2;'), JSON.stringify(asked));
  assert.deepEqual(result.gaps.map((g) => g.text), ['a * 2', 'b + 1']);
});

test('a parser that cannot load (a grammar file missing) passes the fill through unchecked and says why', async () => {
  const result = await checkFill({
    grammar: 'no-such-grammar' as GrammarName,
    mode: 'repair',
    pieces,
    before: [''],
    gaps: [gap(brokenFill)],
    maxTokens: [32],
    refill: async () => assert.fail('refill must not run'),
  });
  assert.equal(result.status, 'unchecked');
  assert.equal(result.gaps[0].text, brokenFill);
  assert.match(result.skipped ?? '', /^the parse check was skipped: .*tree-sitter-no-such-grammar\.wasm/);
});

test('a failing refill (the model, a cancel) is not mistaken for a parser failure: it propagates', async () => {
  const cancel = new Error('cancelled');
  await assert.rejects(
    checkFill({ grammar: 'python', mode: 'repair', pieces, before: [''], gaps: [gap(brokenFill)], maxTokens: [32], refill: async () => Promise.reject(cancel) }),
    (e) => e === cancel,
  );
});
