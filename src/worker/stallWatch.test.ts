import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK_PLACEHOLDER } from '../engine/types';
import { estimateCanvasTokens, partialResult, seconds, stallLimitMs, stallMessage, STALL_MARGIN } from './stallWatch';

test("the wait is the user's limit unless the model's speed or this request's passes need longer", () => {
  assert.equal(stallLimitMs({ baseMs: 60_000 }), 60_000);
  // 0.5B int4 here: ~1.4 s a 346-token pass; a 7.6B: 23.6 s, so a 2048-token canvas is about 6x that.
  assert.equal(stallLimitMs({ baseMs: 60_000, speed: { fullPassMs: 1400, canvasTokens: 346 }, canvasTokens: 346 }), 60_000);
  assert.equal(stallLimitMs({ baseMs: 60_000, speed: { fullPassMs: 23_600, canvasTokens: 346 }, canvasTokens: 2048 }), Math.ceil(STALL_MARGIN * 23_600 * (2048 / 346)));
  // A smaller canvas than the measured one never shortens the wait below the measured pass's.
  assert.equal(stallLimitMs({ baseMs: 1000, speed: { fullPassMs: 1000, canvasTokens: 346 }, canvasTokens: 50 }), STALL_MARGIN * 1000);
  assert.equal(stallLimitMs({ baseMs: 1000, slowestPassMs: 2500 }), STALL_MARGIN * 2500);
});

test('the canvas estimate: outer pieces within their budgets, inner pieces whole, masks, at most the context', () => {
  const req = { pieces: ['a'.repeat(1000), 'b'.repeat(100), 'c'.repeat(1000)], gaps: [{ maxTokens: 24 }, { maxTokens: 8 }], budget: { prefixTokens: 224, suffixTokens: 96 } };
  assert.equal(estimateCanvasTokens(req, 2048), 2 + 32 + 224 + 50 + 96);
  assert.equal(estimateCanvasTokens({ ...req, budget: undefined }, 2048), 2 + 32 + 500 + 50 + 500);
  assert.equal(estimateCanvasTokens({ ...req, budget: undefined }, 384), 384);
});

test('the message names the setting that sets the limit', () => {
  assert.equal(stallMessage(60_000, 'diffucode.requestTimeoutSeconds'), 'the model made no progress for 60 s (limit: diffucode.requestTimeoutSeconds)');
  assert.deepEqual([seconds(120_400), seconds(2000), seconds(2345), seconds(30)], ['120', '2', '2.3', '0.03']);
});

test('a stalled fill keeps its committed text, masked slots left out, marked partial', () => {
  const M = MASK_PLACEHOLDER;
  const r = partialResult({ step: 5, committed: 5, total: 9, gaps: [`x = f(${M}${M})`, `ok${M}${M}`] }, 'why', { passes: 5, elapsedMs: 1234, algorithm: 'entropy' });
  assert.deepEqual(r.gaps.map((g) => g.text), ['x = f()', 'ok']);
  assert.ok(r.gaps.every((g) => g.partial && g.tokens.length === 0 && !g.stopped));
  assert.deepEqual(r.partial, { reason: 'why', committed: 5, total: 9 });
  assert.equal(r.stats.forwardPasses, 5);
  assert.equal(r.stats.totalMs, 1234);
  assert.equal(r.stats.algorithm, 'entropy');
});
