/**
 * Remembers raw filled gaps so that typing what was suggested reuses the suggestion instead of asking the
 * model again (a diffusion model has no token stream to keep following, so reuse matters more than for
 * autoregressive peers). An entry matches when the current prefix is the entry's prefix plus a beginning of
 * its text, and the text after the cursor is unchanged. The shown (filtered) text is stored, since that is
 * what the user types; filters run again on what is left, in the new context.
 *
 * Typing an opening bracket or quote of the suggestion makes the editor insert its closer right of the cursor
 * (auto-closing). The entry still matches then: the filters, run on the rest with the closer now on the line, end
 * the rest before it, so the editor's closer is kept rather than doubled or lost.
 */
interface Entry {
  key: string;
  prefixTail: string;
  suffixHead: string;
  text: string;
}

export class TypingCache {
  private entries: Entry[] = []; // most recent last

  constructor(
    private readonly capacity = 64,
    private readonly tail = 400,
  ) {}

  put(key: string, prefix: string, suffix: string, text: string): void {
    const entry: Entry = { key, prefixTail: prefix.slice(-this.tail), suffixHead: suffix.slice(0, this.tail), text };
    this.entries = this.entries.filter((e) => !(e.key === key && e.prefixTail === entry.prefixTail && e.suffixHead === entry.suffixHead));
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** The part of a cached text still ahead of the cursor, or undefined. */
  get(key: string, prefix: string, suffix: string): string | undefined {
    const suffixHead = suffix.slice(0, this.tail);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.key !== key) continue;
      const autoClosed = autoClosedBy(suffixHead, e.suffixHead, this.tail);
      if (autoClosed === undefined) continue;
      // Try every length of "typed so far": the prefix ends with entry prefix + text[0..k).
      for (let k = 0; k < e.text.length; k++) {
        const typed = e.text.slice(0, k);
        if (!prefix.endsWith(typed) || !autoClosed.every((c) => typed.includes(OPENER_OF[c]))) continue;
        if (prefix.slice(0, prefix.length - k).endsWith(e.prefixTail)) {
          this.entries.splice(i, 1);
          this.entries.push(e); // refresh recency
          return e.text.slice(k);
        }
      }
    }
    return undefined;
  }

  clear(key?: string): void {
    this.entries = key === undefined ? [] : this.entries.filter((e) => e.key !== key);
  }
}

const OPENER_OF: Record<string, string> = { ')': '(', ']': '[', '}': '{', '"': '"', "'": "'", '`': '`' };

/**
 * The closers the editor put in front of the cached suffix since (at most three, the pairs a user opens in a few
 * keystrokes), [] when the suffix is unchanged, undefined when it changed otherwise.
 */
function autoClosedBy(now: string, then: string, tail: number): string[] | undefined {
  for (let n = 0; n <= 3; n++) {
    const added = now.slice(0, n);
    if (![...added].every((c) => c in OPENER_OF)) return undefined;
    if (now.slice(n) === then.slice(0, tail - n)) return [...added];
  }
  return undefined;
}
