/**
 * Why a document must not be sent to the model, or undefined when it may. Huge documents would stall the
 * worker's tokenizer, binary ones are not code; both are skipped with a status message instead.
 */
/** How much of a document's start is inspected for binary content. */
export const SNIFF_CHARS = 8192;

export function skipReason(text: string, maxSize: number, length = text.length): string | undefined {
  // `length` lets a caller pass just the head of a document with the document's real size.
  if (length > maxSize) return `document larger than ${maxSize} characters`;
  // NUL and other C0 controls (besides tab/newline/CR/form feed) in the first kilobytes: binary content.
  const head = text.slice(0, SNIFF_CHARS);
  if (/[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/.test(head)) return 'binary content';
  return undefined;
}
