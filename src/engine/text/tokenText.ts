// Text of generated tokens. The tokenizer library gives no offsets, so the engine tracks text per token itself:
// each id maps to its raw UTF-8 bytes, and a streaming TextDecoder turns the byte stream into characters. A
// character split across two tokens comes out with the token that completes it (the first gets ''), so the
// per-token texts always concatenate to exactly the gap's text.

export interface TokenBytes {
  /** Raw bytes a token stands for; special tokens give an empty array (they never appear in text). */
  bytesOf(id: number): Uint8Array;
}

export interface TokenPiece {
  id: number;
  text: string;
}

/** Per-token texts of a run of ids; the concatenation is the decoded text. Incomplete UTF-8 at the end becomes U+FFFD. */
export function tokensToText(bytes: TokenBytes, ids: ArrayLike<number>): TokenPiece[] {
  const dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const out: TokenPiece[] = [];
  for (let i = 0; i < ids.length; i++) {
    out.push({ id: ids[i], text: dec.decode(bytes.bytesOf(ids[i]), { stream: true }) });
  }
  const tail = dec.decode();
  if (tail && out.length > 0) out[out.length - 1].text += tail;
  return out;
}

/**
 * Live view of a gap: committed tokens as text, masks as `placeholder`. Bytes pending before a mask are flushed
 * (shown as U+FFFD) so the view never merges bytes across a hole.
 */
export function renderSlots(bytes: TokenBytes, ids: ArrayLike<number>, isMask: (id: number) => boolean, placeholder: string): string {
  const dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (isMask(id)) s += dec.decode() + placeholder;
    else s += dec.decode(bytes.bytesOf(id), { stream: true });
  }
  return s + dec.decode();
}
