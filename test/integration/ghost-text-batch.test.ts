// `diffucode batch` and `batch --ghost-text` end to end with the embedded model: one output line per input line,
// errors that name their line, and the confidence gate's behaviour on the real model (what it shows depends on the
// weights, so only the gate's rules are asserted: nothing below the gate, everything the filters keep without one).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postProcess } from '../../src/completion/filters/pipeline';
import { cli, buildOnce, removeTemps } from './helpers';

before(buildOnce);
after(removeTemps);

const CASES = [
  { prefix: 'def add(a, b):\n    return ', suffix: '\n', language: 'python' },
  { prefix: 'import os\nimport ', suffix: '\n', language: 'python' },
  { prefix: 'function area(w, h) {\n  return ', suffix: ';\n}\n', language: 'javascript' },
  { prefix: 'for i in range(10):\n    print(', suffix: ')\n', language: 'python' },
];
// Strings go in verbatim (blank and broken lines), objects as JSON.
const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

test('batch answers every input line in order: blank and broken lines get an error naming their line', () => {
  const r = cli(['batch', '--ghost-text'], jsonl([CASES[0], '', 'not json', { prefix: 'x = ', suffix: '\n', mode: 'sideways' }, CASES[1]]));
  assert.equal(r.status, 1);
  const out = parse(r.stdout);
  assert.equal(out.length, 5);
  assert.equal(typeof out[0].shown, 'boolean');
  assert.deepEqual(out[1], { error: 'line 2: empty line' });
  assert.match(out[2].error, /^line 3: not JSON/);
  assert.match(out[3].error, /^line 4: "mode" must be "line" or "block"/);
  assert.equal(typeof out[4].shown, 'boolean');
  assert.match(r.stderr, /3 of 5 lines failed/);
});

test('raw batch: an engine error (an oversized gap) names its line too', () => {
  const r = cli(['batch'], jsonl([{ prefix: 'x = ', suffix: '\n', maxTokens: 3 }, { prefix: 'x = ', suffix: '\n', maxTokens: 100000 }]));
  const out = parse(r.stdout);
  assert.equal(typeof out[0].middle, 'string');
  assert.match(out[1].error, /^line 2: .*maxTokens/);
  assert.match(r.stderr, /1 of 2 lines failed/);
});

test('gate 1 shows nothing from the real model; gate 0 shows exactly what the filters keep of its answer', () => {
  const closed = parse(cli(['batch', '--ghost-text', '--min-confidence', '1'], jsonl(CASES)).stdout);
  for (const o of closed) {
    assert.equal(o.middle, '');
    assert.equal(o.shown, false);
    assert.ok(['low-confidence', 'empty'].includes(o.reason), o.reason);
  }
  const open = parse(cli(['batch', '--ghost-text', '--min-confidence', '0'], jsonl(CASES)).stdout);
  open.forEach((o, i) => {
    const c = CASES[i];
    const line = c.prefix.slice(c.prefix.lastIndexOf('\n') + 1);
    const expected = postProcess(o.raw, {
      linePrefix: line, lineSuffix: c.suffix.split('\n')[0], nextLines: c.suffix.split('\n').slice(1, 9), mode: o.mode,
      indent: { insertSpaces: true, tabSize: 4 }, languageId: c.language,
    });
    assert.equal(o.middle, expected, JSON.stringify(o));
    assert.equal(o.shown, expected !== '');
    if (o.shown) assert.ok(o.confidence.min > 0 && o.confidence.min <= o.confidence.geomean && o.confidence.geomean <= o.confidence.mean);
  });
  assert.ok(open.some((o) => o.shown), 'without a gate the model shows something somewhere');
});
