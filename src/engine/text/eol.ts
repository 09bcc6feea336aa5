// Line endings around a fill. Models are trained on LF text, so the model is shown LF; what it writes goes back
// with the file's own line ending, so a CRLF file never ends up with mixed endings. Used by `diffucode fill` and
// by the editor's fill (which follows the document's EOL setting).

export type Eol = '\n' | '\r\n';

/** The file's line ending: CRLF when most of its line breaks are CRLF, else LF (also for a text without any). */
export function detectEol(text: string): Eol {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** CRLF -> LF (what the model is shown). A lone CR is left as it is: it is not a line break the model knows. */
export function toLf(text: string): string {
  return text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text;
}

/** Every line break of generated text in the given ending (LF or CRLF in, `eol` out). */
export function withEol(text: string, eol: Eol): string {
  return text.replace(/\r?\n/g, eol);
}
