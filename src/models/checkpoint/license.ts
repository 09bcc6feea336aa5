// The licence a checkpoint folder states (training/hf/manifest.py read_license): `license:` (with `license_name:`
// for "other", and `license_link:`) from the model card's YAML front matter, else a LICENSE file's first line.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILES = ['LICENSE', 'LICENSE.txt', 'LICENSE.md'];
const stripQuotes = (s: string) => s.replace(/^['"]+|['"]+$/g, '');

export function readLicense(dir: string): string | undefined {
  const readme = join(dir, 'README.md');
  if (existsSync(readme)) {
    // Python reads in text mode: universal newlines.
    const text = readFileSync(readme, 'utf8').replace(/\r\n?/g, '\n');
    const m = /^---\s*\n([\s\S]*?)\n---/.exec(text);
    if (m) {
      const front: Record<string, string> = {};
      for (const f of m[1].matchAll(/^(license(?:_name|_link)?):\s*(.+?)\s*$/gm)) front[f[1]] = f[2];
      if (Object.hasOwn(front, 'license')) {
        let lic = stripQuotes(front.license);
        if (lic === 'other' && Object.hasOwn(front, 'license_name')) lic = stripQuotes(front.license_name);
        return lic + (Object.hasOwn(front, 'license_link') ? ` (${front.license_link})` : '');
      }
    }
  }
  for (const name of LICENSE_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const first = readFileSync(path, 'utf8').replace(/\r\n?/g, '\n').split('\n').map((l) => l.trim()).find((l) => l) ?? '';
      // Python slices code points, not UTF-16 units.
      return first ? `see LICENSE (${Array.from(first).slice(0, 80).join('')})` : 'see LICENSE';
    }
  }
  return undefined;
}
