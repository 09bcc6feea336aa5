// Mask markers in a text file: `<|mask|>` (default size) or `<|mask:24|>` (24 tokens). The marker is configurable;
// it is split into an opening and a closing part so the `:N` length can sit between them.

export interface MarkerSyntax {
  open: string;
  close: string;
}

export interface ParsedMasks {
  pieces: string[];
  gaps: { maxTokens: number }[];
}

/** `<|mask|>` -> open `<|mask`, close `|>`; a marker with no `|>` ending uses `:N` right after the whole marker. */
export function markerSyntax(marker: string): MarkerSyntax {
  if (marker.length === 0) throw new Error('the mask marker must not be empty');
  if (marker.endsWith('|>') && marker.length > 2) return { open: marker.slice(0, -2), close: '|>' };
  return { open: marker, close: '' };
}

export function parseMasks(text: string, syntax: MarkerSyntax, defaultTokens: number, maxTokens = 4096): ParsedMasks {
  const pieces: string[] = [];
  const gaps: { maxTokens: number }[] = [];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = syntax.close
    ? new RegExp(`${esc(syntax.open)}(?::(\\d+))?${esc(syntax.close)}`, 'g')
    : new RegExp(`${esc(syntax.open)}(?::(\\d+)\\b)?`, 'g');
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = m[1] === undefined ? defaultTokens : Number(m[1]);
    if (!Number.isInteger(n) || n < 1 || n > maxTokens)
      throw new Error(`mask marker "${m[0]}" asks for ${m[1]} tokens; use 1..${maxTokens}`);
    pieces.push(text.slice(last, m.index));
    gaps.push({ maxTokens: n });
    last = m.index + m[0].length;
  }
  pieces.push(text.slice(last));
  return { pieces, gaps };
}

/** Re-assemble the text with each gap replaced by its fill; pieces are written back byte for byte. */
export function assemble(pieces: string[], fills: string[]): string {
  let s = pieces[0];
  for (let i = 0; i < fills.length; i++) s += fills[i] + pieces[i + 1];
  return s;
}
