import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREVIEW_LANGUAGE_PREFIX, previewLanguageId } from './previewLanguage';

const ROOT = join(__dirname, '..', '..', '..');
const contributes = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).contributes;

test('a document language with a preview twin gets the twin; any other gets plain text', () => {
  const known = ['python', 'diffucode-preview-python', 'plaintext'];
  assert.equal(previewLanguageId('python', known), 'diffucode-preview-python');
  assert.equal(previewLanguageId('ruby', known), 'plaintext');
  assert.equal(previewLanguageId(undefined, known), 'plaintext');
});

test("every preview language has a grammar that includes its language's grammar, and no name (hidden from the language picker)", () => {
  const langs = (contributes.languages as { id: string; aliases?: string[] }[]).filter((l) => l.id.startsWith(PREVIEW_LANGUAGE_PREFIX));
  assert.ok(langs.length >= 11, 'python, typescript(react), javascript(react), java, go, rust, c, cpp, csharp');
  for (const l of langs) {
    assert.deepEqual(l.aliases, [], l.id);
    const g = (contributes.grammars as { language: string; scopeName: string; path: string; embeddedLanguages: Record<string, string> }[]).find((x) => x.language === l.id);
    assert.ok(g, `${l.id} has a grammar`);
    const file = join(ROOT, g.path);
    assert.ok(existsSync(file), g.path);
    const grammar = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(grammar.scopeName, g.scopeName);
    const included = grammar.patterns.map((p: { include: string }) => p.include);
    assert.deepEqual(Object.keys(g.embeddedLanguages), included, `${l.id}: the included grammar is the embedded language's`);
    assert.equal(Object.values(g.embeddedLanguages)[0], l.id.slice(PREVIEW_LANGUAGE_PREFIX.length));
  }
  // The grammars ship in the VSIX.
  assert.match(readFileSync(join(ROOT, '.vscodeignore'), 'utf8'), /^!media\/preview-syntaxes\/\*\.json$/m);
});
