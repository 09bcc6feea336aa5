// The editor's fill follows the document's line ending: the model is shown LF (what it was trained on) and its
// answer is given the document's EOL before it is applied. Token texts are converted too, so the confidence marks
// (placed by token text lengths) still line up with the inserted text. No `vscode` import: the caller passes the
// EOL as a string.

import { withEol, type Eol } from '../../engine/text/eol';

export interface GapText {
  text: string;
  tokens: { text: string }[];
}

export function gapWithEol<G extends GapText>(gap: G, eol: Eol): G {
  if (eol === '\n' && !gap.text.includes('\r\n')) return gap;
  return { ...gap, text: withEol(gap.text, eol), tokens: gap.tokens.map((t) => ({ ...t, text: withEol(t.text, eol) })) };
}
