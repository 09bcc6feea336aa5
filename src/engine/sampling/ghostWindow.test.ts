import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ghostWindow } from './denoiseForward';
import { StepRows } from './denoisePlan';

const M = 1; // mask

function rowsAt(positions: number[], shifted: boolean): StepRows {
  const r = new StepRows(positions.length);
  positions.forEach((p, j) => {
    r.pos[j] = p;
    r.rows[j] = shifted ? p - 1 : p;
  });
  r.n = positions.length;
  return r;
}

test('the window runs from the first changed position to the last slot asked for; masks again past it wait', () => {
  // cache: the last suggestion's tokens at 6..13; now: 'x' typed at 5, the gap masked again from 6
  const seen = Int32Array.from([9, 9, 9, 9, 9, 40, 41, 42, 43, 44, 45, 46, 47, 48, 9, 9]);
  const ids = Int32Array.from([9, 9, 9, 9, 9, 50, M, M, M, M, M, M, M, M, 9, 9]);
  assert.deepEqual(ghostWindow(ids, seen, rowsAt([6, 7, 8, 9], false), M), [5, 10]);
  // shifted logits: the row before each slot is asked for, and the window still covers the slots themselves
  assert.deepEqual(ghostWindow(ids, seen, rowsAt([6, 7, 8, 9], true), M), [5, 10]);
});

test('a stop\'s fill past the rows is recomputed (the rows must see where the line ends)', () => {
  const seen = Int32Array.from([9, 9, 9, M, M, M, M, M, 9]);
  const ids = Int32Array.from([9, 9, 9, M, M, M, 0, 0, 9]); // a line stop filled slots 6 and 7
  assert.deepEqual(ghostWindow(ids, seen, rowsAt([3, 4], false), M), [3, 8]);
  // nothing changed before or after the rows: the window is just the rows
  assert.deepEqual(ghostWindow(seen, seen, rowsAt([3, 4], false), M), [3, 5]);
});
