// The rewrite preview is coloured in the document's language without being that language: a language server
// would lint the preview like a file of the workspace and list its problems in the Problems panel as the user's.
// package.json contributes, per supported language L, a language `diffucode-preview-L` that no language server
// knows, whose grammar only includes L's own grammar (media/preview-syntaxes/L.json). Other languages: plain text.

export const PREVIEW_LANGUAGE_PREFIX = 'diffucode-preview-';

/** The preview's language id for a document in `languageId`, given the language ids VS Code knows. */
export function previewLanguageId(languageId: string | undefined, known: readonly string[]): string {
  const id = `${PREVIEW_LANGUAGE_PREFIX}${languageId}`;
  return languageId && known.includes(id) ? id : 'plaintext';
}
