import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorLines, LINES_AROUND } from './cursorLines';

test('splits the cursor line and takes the lines around it, CRLF or LF', () => {
  const text = 'a\r\nb\nc = 1|2\nd\r\ne';
  const at = text.indexOf('|');
  assert.deepEqual(cursorLines(text.replace('|', ''), at), { linePrefix: 'c = 1', lineSuffix: '2', previousLines: ['a', 'b'], nextLines: ['d', 'e'] });
});

test('at most LINES_AROUND lines on each side', () => {
  const lines = Array.from({ length: 40 }, (_, i) => `l${i}`);
  const text = lines.join('\n');
  const r = cursorLines(text, text.indexOf('l20') + 1);
  assert.equal(r.previousLines.length, LINES_AROUND);
  assert.equal(r.previousLines.at(-1), 'l19');
  assert.equal(r.nextLines.length, LINES_AROUND);
  assert.equal(r.nextLines[0], 'l21');
  assert.deepEqual([r.linePrefix, r.lineSuffix], ['l', '20']);
});
