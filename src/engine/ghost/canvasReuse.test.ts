import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildCanvas } from '../canvas/canvas';
import { loadTokenizer } from '../model/tokenizer';
import { keptPrefixText, keptSuffixText, planReuse, type GhostSession } from './canvasReuse';

// The bundled model's byte-level BPE: typed characters merge with the prefix's last tokens, which reuse must handle.
const tokens = { bos: 2, eos: 0, mask: 1 };

async function setup() {
  const tok = await loadTokenizer(join(__dirname, '../../../models/diffucode-tiny/tokenizer.json'));
  const text = { encode: (t: string) => tok.encode(t), bytesOf: (id: number) => tok.bytesOf(id), mask: tokens.mask, pad: tokens.eos };
  const canvasOf = (prefix: string, suffix: string, maxTokens: number, prefixTokens = 224) =>
    buildCanvas({ pieces: [prefix, suffix], gaps: [{ maxTokens }], prefixTokens, suffixTokens: 96, contextLength: 384, encode: text.encode, tokens });
  const sessionOf = (prefix: string, suffix: string, maxTokens: number, prefixTokens = 224): GhostSession => {
    const c = canvasOf(prefix, suffix, maxTokens, prefixTokens);
    const g = c.gaps[0];
    return { win: { length: 0, prefill: async () => new Float32Array(0), step: async () => new Float32Array(0) }, ids: c.ids, cacheIds: c.ids, gapStart: g.start, gapLength: g.length, builtGap: g.length, maxTokens, singleLine: true, keptText: keptPrefixText(c.ids, g.start, prefix, text)!, keptSuffix: keptSuffixText(c.ids, g.start + g.length, text), suffixWhole: keptSuffixText(c.ids, g.start + g.length, text) === suffix, reuses: 0 };
  };
  return { text, canvasOf, sessionOf };
}

test('typed text merging with the last prefix tokens: the reused canvas holds what a fresh one would', async () => {
  const { text, canvasOf, sessionOf } = await setup();
  const prefix = 'def total(items):\n    result = 0\n    for item in ite';
  const suffix = '\n    return result\n';
  const s = sessionOf(prefix, suffix, 24);
  for (const typed of ['m', 'ms', 'ms:', 'ms:\n        result += item.pri']) {
    const r = planReuse(s, { prefix: prefix + typed, suffix, maxTokens: 24, singleLine: true }, text);
    assert.ok('ids' in r, `reuse for ${JSON.stringify(typed)}: ${JSON.stringify(r)}`);
    const fresh = canvasOf(prefix + typed, suffix, 24);
    // the same prefix tokens as a fresh canvas (its prefix is not trimmed here) ...
    assert.deepEqual(Array.from(r.ids.subarray(0, r.gapStart)), Array.from(fresh.ids.subarray(0, fresh.gaps[0].start)));
    // ... the suffix at the same positions as before, the gap shrunk by what the prefix grew
    assert.equal(r.ids.length, s.ids.length);
    assert.equal(r.gapLength, 24 - r.grew);
    // the size asked in masks; a gap grown by a merge pads its extra slot with end-of-text
    const masks = Math.min(r.gapLength, 24);
    assert.deepEqual(Array.from(r.ids.subarray(r.gapStart, r.gapStart + r.gapLength)), [...Array(masks).fill(tokens.mask), ...Array(r.gapLength - masks).fill(tokens.eos)]);
  }
});

test('the canvas front stays pinned when the caller\'s window slides', async () => {
  const { text, sessionOf } = await setup();
  const lines = Array.from({ length: 60 }, (_, i) => `value_${i} = compute(${i}, scale=${i * 3})\n`).join('');
  const s = sessionOf(lines, '\n', 24, 64); // 64 prefix tokens: the canvas keeps only the tail
  // the editor's context window moved its front by a line; the user typed 'x'
  const r = planReuse(s, { prefix: lines.slice(lines.indexOf('\n') + 1) + 'x', suffix: '\n', maxTokens: 24, singleLine: true }, text);
  assert.ok('ids' in r);
  assert.deepEqual(Array.from(r.ids.subarray(0, s.gapStart - 3)), Array.from(s.ids.subarray(0, s.gapStart - 3)));
});

test('not typing at the cursor is refused with the reason', async () => {
  const { text, sessionOf } = await setup();
  const prefix = 'const limit = options.capacity;\nconst rate = ';
  const s = sessionOf(prefix, ';\n', 24);
  const ask = (p: string, suffix = ';\n', maxTokens = 24) => planReuse(s, { prefix: p, suffix, maxTokens, singleLine: true }, text);
  assert.deepEqual(ask(prefix.replace('limit', 'limits') + 'o'), { reason: 'edit before the cursor' });
  assert.deepEqual(ask(prefix.slice(0, -1)), { reason: 'edit before the cursor' }); // backspace
  assert.deepEqual(ask(prefix + 'o', '\n'), { reason: 'edit after the cursor' });
  assert.deepEqual(ask(prefix + 'o', ';\n', 56), { reason: 'gap shape changed' });
  assert.deepEqual(ask(prefix + 'x'.repeat(80)), { reason: 'typed too much' });
  assert.deepEqual(ask(prefix + 'options.refillPerSecond * elapsed / 1000 + base_rate_'), { reason: 'gap used up' });
  assert.deepEqual(planReuse({ ...s, reuses: 8 }, { prefix: prefix + 'o', suffix: ';\n', maxTokens: 24, singleLine: true }, text), { reason: 'reused 8 times' });
});

test('the suffix: the part the canvas holds must still follow the cursor; past it the caller\'s window may move', async () => {
  const { text, sessionOf } = await setup();
  const prefix = 'def area(w, h):\n    return ';
  const long = '\n' + Array.from({ length: 40 }, (_, i) => `print(area(${i}, ${i + 1}))\n`).join(''); // > 96 tokens
  const s = sessionOf(prefix, long, 24);
  assert.ok(!s.suffixWhole && long.startsWith(s.keptSuffix) && s.keptSuffix.length > 20);
  const ask = (suffix: string) => planReuse(s, { prefix: prefix + 'w', suffix, maxTokens: 24, singleLine: true }, text);
  assert.ok('ids' in ask(long + 'print("done")\n')); // the editor's window reaches further now
  assert.deepEqual(ask('\n# ' + long.slice(1)), { reason: 'edit after the cursor' }); // an edit inside what it holds
  // a canvas that held the whole suffix: anything more after the cursor is an edit
  const w = sessionOf(prefix, '\n', 24);
  assert.ok(w.suffixWhole);
  assert.deepEqual(planReuse(w, { prefix: prefix + 'w', suffix: '\nmore\n', maxTokens: 24, singleLine: true }, text), { reason: 'edit after the cursor' });
});
