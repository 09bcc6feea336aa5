// One file-naming convention across src/: camelCase (`rowSampler.ts`, `inPlace.test.ts`), the convention of most
// files (the extension and the completion module) and of VS Code's own sources. No exceptions: the kebab-case
// files of engine/, worker/ and cli/ were all renamed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = __dirname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [relative(SRC, p)] : [];
  });
}

test('every TypeScript file under src/ is named in camelCase', () => {
  const camel = /^[a-z][a-zA-Z0-9]*(\.test)?\.ts$/;
  const bad = tsFiles(SRC).filter((f) => !camel.test(f.split('/').pop()!));
  assert.deepEqual(bad, [], 'rename these to camelCase');
});
