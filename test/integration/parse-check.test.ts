// Parse-checked fills with the real bundled model through the real worker (the CLI's `diffucode fill`, whose
// --parse-check repair is the default): held-out functions whose raw fill breaks the syntax come back repaired
// (and then parse), or are refused with the error's line and leave the file as it was.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addedErrors } from '../../src/syntax/addedErrors';
import { buildOnce, cli, removeTemps, ROOT, tempDir } from './helpers';

before(buildOnce);
after(removeTemps);

interface Case {
  id: string;
  lang: string;
  text: string;
}
const cases: Case[] = readFileSync(join(ROOT, 'bench/tasks/parse-check.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const EXT: Record<string, string> = { python: 'py', typescript: 'ts', javascript: 'js' };

const parses = async (lang: string, text: string) => (await addedErrors(lang === 'python' ? 'python' : lang === 'typescript' ? 'typescript' : 'javascript', [text], [], [])).errorsAfter === 0;

test('fills that break the syntax are repaired (and parse) or refused (file untouched), never written broken', async (t) => {
  const dir = tempDir();
  let broke = 0;
  let repaired = 0;
  let refused = 0;
  // The first cases of each language; the raw fill (--parse-check off) shows which ones the model breaks.
  for (const c of ['python', 'typescript', 'javascript'].flatMap((l) => cases.filter((x) => x.lang === l).slice(0, 4))) {
    const file = join(dir, `${c.id}.${EXT[c.lang]}`);
    writeFileSync(file, c.text);
    const raw = cli(['fill', file, '--parse-check', 'off']);
    assert.equal(raw.status, 0, raw.stderr);
    if (await parses(c.lang, raw.stdout)) continue;
    broke++;
    const r = cli(['fill', file, '--in-place']);
    if (r.status === 0) {
      repaired++;
      assert.match(r.stderr, /parse check: the fill broke the syntax; repaired in [1-3] round\(s\)/, c.id);
      assert.ok(await parses(c.lang, readFileSync(file, 'utf8')), `${c.id}: the repaired file parses`);
      assert.equal(readFileSync(file + '.bak', 'utf8'), c.text);
    } else {
      refused++;
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`the fill would break the syntax of .*${c.id}\\.${EXT[c.lang]}: a (syntax error|missing \\S+) at line \\d+.*still after 3 repair round\\(s\\); nothing was written`), c.id);
      assert.equal(r.stdout, '');
      assert.equal(readFileSync(file, 'utf8'), c.text, `${c.id}: the refused file is untouched`);
      assert.ok(!existsSync(file + '.bak'), `${c.id}: no backup for a write that did not happen`);
    }
  }
  assert.ok(broke >= 3, `the bundled model broke only ${broke} of 12 fills; the test needs broken ones to check`);
  assert.ok(repaired >= 1, `none of ${broke} broken fills was repaired`);
  t.diagnostic(`${broke} of 12 raw fills broke the syntax: ${repaired} repaired, ${refused} refused`);
});

test('--parse-check applyMarked writes a fill that stays broken and names the line', async () => {
  const dir = tempDir();
  for (const c of cases.filter((x) => x.lang === 'javascript')) {
    const file = join(dir, `${c.id}.js`);
    writeFileSync(file, c.text);
    const r = cli(['fill', file, '--parse-check', 'applyMarked']);
    assert.equal(r.status, 0, r.stderr);
    if (!/written anyway/.test(r.stderr)) continue;
    assert.match(r.stderr, /parse check: the fill leaves a (syntax error|missing \S+) at line \d+/);
    assert.ok(!(await parses('javascript', r.stdout)));
    return;
  }
  assert.fail('no JavaScript case stayed broken after repair; nothing to check');
});
