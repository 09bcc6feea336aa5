// Golden fixtures (fixtures/*.txt): a source file with the cursor marked █, the model's answer (scripted, with the
// probability of each part), and what the editor must show. One test runs them all through the whole pipeline:
// context window, gap sizing, the real engine over the scripted model, the confidence gate and the filters.
//
// Format, sections in this order ("settings" is optional):
//   --- settings      JSON, fields of CompletionSettings over the extension's defaults (minConfidence 0 otherwise)
//   --- model         JSON [[text, probability], ...]
//   --- shows         a JSON string, or `nothing: REASON`
//   --- source.EXT    the file; EXT gives the language (py, ts, js)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GhostText } from './ghostText';
import { scriptedInfill } from './testing/scriptedInfill';
import { defaultSettings } from './testing/settings';

const CURSOR = '█';
const LANGUAGE: Record<string, string> = { py: 'python', ts: 'typescript', js: 'javascript' };
const dir = join(__dirname, 'fixtures');

function parse(name: string) {
  const sections: Record<string, string> = {};
  let key = '';
  for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
    const m = /^--- (\S+)$/.exec(line);
    if (m) sections[(key = m[1])] = '';
    else if (key) sections[key] += (sections[key] === '' ? '' : '\n') + line;
  }
  const sourceKey = Object.keys(sections).find((k) => k.startsWith('source.'));
  assert.ok(sourceKey && sections.model && sections.shows, `${name}: needs model, shows and source.EXT sections`);
  const source = sections[sourceKey];
  assert.equal(source.split(CURSOR).length, 2, `${name}: mark the cursor with one ${CURSOR}`);
  const shows = sections.shows.trim();
  return {
    settings: sections.settings ? JSON.parse(sections.settings) : {},
    answer: JSON.parse(sections.model),
    expected: shows.startsWith('nothing:') ? { shown: false, reason: shows.slice('nothing:'.length).trim() } : { shown: true, text: JSON.parse(shows) as string },
    language: LANGUAGE[sourceKey.slice('source.'.length)] ?? 'plaintext',
    text: source.replace(CURSOR, ''),
    offset: source.indexOf(CURSOR),
  };
}

test('golden fixtures: the pipeline shows exactly the expected suggestion (or nothing, for the expected reason)', async () => {
  const names = readdirSync(dir).filter((n) => n.endsWith('.txt')).sort();
  assert.ok(names.length >= 10, 'the fixtures are there');
  for (const name of names) {
    const f = parse(name);
    const outcome = await new GhostText().complete(
      { text: f.text, offset: f.offset, languageId: f.language, indent: { insertSpaces: true, tabSize: f.language === 'python' ? 4 : 2 }, documentKey: name },
      defaultSettings(f.settings),
      scriptedInfill(f.answer),
    );
    const got = outcome.shown ? { shown: true, text: outcome.text } : { shown: false, reason: outcome.reason };
    assert.deepEqual(got, f.expected, name);
  }
});
