// The pipeline's settings as the extension's defaults give them (package.json, the one place defaults live).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionSettings } from '../types';

export function defaultSettings(over: Partial<CompletionSettings> = {}): CompletionSettings {
  const props = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).contributes.configuration.properties;
  const d = (k: string) => props[`diffucode.${k}`].default;
  return {
    lineTokens: d('ghostText.lineTokens'),
    blockTokens: d('ghostText.blockTokens'),
    prefixTokens: d('context.prefixTokens'),
    suffixTokens: d('context.suffixTokens'),
    minConfidence: 0,
    ...over,
  };
}
