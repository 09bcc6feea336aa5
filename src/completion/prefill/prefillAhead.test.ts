import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InfillRequest } from '../../engine/types';
import { GhostText } from '../ghostText';
import { defaultSettings } from '../testing/settings';
import { PrefillAhead } from './prefillAhead';

const input = { text: 'def f(x):\n    return \n', offset: 21, languageId: 'python', indent: { insertSpaces: true, tabSize: 4 }, documentKey: 'file:///f.py' };

function recorder() {
  const sent: { req: InfillRequest; signal: AbortSignal }[] = [];
  const send = (req: InfillRequest, signal: AbortSignal) =>
    new Promise<unknown>((resolve, reject) => {
      sent.push({ req, signal });
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      setTimeout(resolve, 5);
    });
  return { sent, send };
}

test('a prefill asks for the canvas the next suggestion at the cursor needs, decoding nothing', async () => {
  const { sent, send } = recorder();
  const ghost = new GhostText();
  const p = new PrefillAhead(ghost, send);
  p.now(input, defaultSettings());
  await p.idle();
  assert.equal(sent.length, 1);
  const req = sent[0].req;
  assert.deepEqual(req.ghostText, { document: 'file:///f.py', prefillOnly: true });
  // the same pieces and gap as the suggestion itself
  let asked: InfillRequest | undefined;
  await ghost.complete(input, defaultSettings(), async (r) => {
    asked = r;
    return { gaps: [{ text: '', tokens: [], stopped: true }], stats: {} as never };
  });
  assert.deepEqual(req.pieces, asked!.pieces);
  assert.deepEqual(req.gaps, asked!.gaps);
  assert.equal(p.counts.finished, 1);
});

test('a keystroke drops the running prefill; a reused answer is refreshed after a pause, others are not', async () => {
  const { sent, send } = recorder();
  const p = new PrefillAhead(new GhostText(), send, 20);
  p.now(input, defaultSettings());
  p.cancel();
  assert.equal(sent[0].signal.aborted, true);
  p.answered(input, defaultSettings(), 'no canvas');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 1);
  p.answered(input, defaultSettings(), 'reused');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 2);
  p.answered(input, defaultSettings(), 'reused');
  p.cancel(); // typed again before the pause ended
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 2);
  p.answered(input, defaultSettings(), 'reused', 6); // a canvas with most of its reuses left is not refreshed yet
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 2);
  p.answered(input, defaultSettings(), 'reused', 4);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sent.length, 3);
  p.dispose();
});
