// The pipeline's settings as the extension's defaults give them, for the tests (no gate unless a test sets one).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extensionDefaults } from '../defaults';
import type { CompletionSettings } from '../types';

export function defaultSettings(over: Partial<CompletionSettings> = {}): CompletionSettings {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  return { ...extensionDefaults(pkg, 0), ...over };
}
