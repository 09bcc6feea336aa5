// The pipeline's settings as the extension's defaults give them, read from package.json's contributed configuration
// (the one place defaults live) by callers outside the editor: `diffucode batch --ghost-text`, the bench, the tests.

import type { CompletionSettings } from './types';

type PackageJson = { contributes: { configuration: { properties: Record<string, { default?: unknown }> } } };

/** minConfidence is the model's (its manifest), not the extension's: pass it in. */
export function extensionDefaults(pkg: PackageJson, minConfidence: number): CompletionSettings {
  const props = pkg.contributes.configuration.properties;
  const num = (key: string): number => {
    const v = props[`diffucode.${key}`]?.default;
    if (typeof v !== 'number') throw new Error(`package.json has no numeric default for diffucode.${key}`);
    return v;
  };
  return {
    lineTokens: num('ghostText.lineTokens'),
    blockTokens: num('ghostText.blockTokens'),
    prefixTokens: num('context.prefixTokens'),
    suffixTokens: num('context.suffixTokens'),
    minConfidence,
    debounceMs: num('ghostText.debounceMs'),
  };
}
