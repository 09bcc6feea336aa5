// The licence a folder states, as training/hf/manifest.py read_license reads it, on the forms model cards use.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readLicense } from './license';
import { py } from './testing/python';

const tmp = mkdtempSync(join(tmpdir(), 'diffucode-license-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FOLDERS: Record<string, Record<string, string>> = {
  spdx: { 'README.md': '---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# x\n' },
  quoted: { 'README.md': "---\r\nlicense: 'mit'\r\n---\r\n" },
  other: { 'README.md': '---\nlicense: other\nlicense_name: apple-amlr\nlicense_link: https://example.org/LICENSE\n---\n' },
  otherNoName: { 'README.md': '---\nlicense: other\n---\n' },
  noFront: { 'README.md': '# no front matter\nlicense: mit\n', LICENSE: '\n\n  Apache License  \nVersion 2.0\n' },
  longLicence: { 'LICENSE.txt': `${'Ü'.repeat(100)}\n` },
  emptyLicence: { 'LICENSE.md': '\n \n' },
  none: { 'README.md': '---\ntags: [code]\n---\n' },
};

test('licence from README front matter or a LICENSE file equals read_license\'s', () => {
  for (const [name, files] of Object.entries(FOLDERS)) {
    mkdirSync(join(tmp, name));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(tmp, name, f), text);
  }
  const names = Object.keys(FOLDERS);
  const ref = JSON.parse(py(['-c', `
import json, os, sys
from training.hf.manifest import read_license
print(json.dumps([read_license(os.path.join(sys.argv[1], n)) for n in sys.argv[2:]]))`, tmp, ...names]));
  assert.deepEqual(names.map((n) => readLicense(join(tmp, n)) ?? null), ref);
  assert.equal(readLicense(join(tmp, 'other')), 'apple-amlr (https://example.org/LICENSE)');
});
