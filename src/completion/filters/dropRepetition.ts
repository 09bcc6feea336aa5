import type { Filter } from './types';

/**
 * Cuts the loops a small model falls into when a gap is longer than its answer (peers.md: Tabby's
 * removeRepetitiveLines/Blocks): the same line or block of lines three times back to back, and the same short piece
 * typed over and over to the end of a line ("/docs/docs/docs/docs"). The loop's first copy is kept. Repetition that
 * real code has is left alone: lines that recur with other code between them (`break;` in a switch), runs of short
 * closers (`end`, `}`), literal lists (`[0, 0, 0, 0, 0, 0, 0, 0]`), separators (`--------`).
 */
export const dropRepetition: Filter = (text) => cutLineLoop(cutBlockLoop(text));

const MAX_BLOCK = 4;

/** A block worth calling a loop: at least one line with 6 or more visible characters. */
function substantial(block: string[]): boolean {
  return block.some((l) => l.replace(/\s/g, '').length >= 6);
}

/** The first place where a block of 1..MAX_BLOCK lines comes three times in a row; cut after its first copy. */
function cutBlockLoop(text: string): string {
  const lines = text.split('\n');
  const key = lines.map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    for (let n = 1; n <= MAX_BLOCK && i + 3 * n <= lines.length; n++) {
      let same = true;
      for (let j = 0; j < n && same; j++) same = key[i + j] === key[i + n + j] && key[i + j] === key[i + 2 * n + j];
      if (same && substantial(lines.slice(i, i + n))) return lines.slice(0, i + n).join('\n').replace(/\s+$/, '');
    }
  }
  return text;
}

// A piece of 2..16 characters typed 6 times or more in a row, running to the end of the line (at most 3 characters
// after it): where real code repeats a piece that often, it is a literal list, which is skipped below.
const LOOP = /(.{2,16}?)\1{5,}(.{0,3})$/su;
// One literal and its separator: `0, ` `0x00, ` `1.5, ` `None, ` `null, ` `'', ` `"a", `.
const LITERAL = /^\s*(?:[-+]?(?:0x[0-9a-f]+|\d+(?:\.\d+)?)|None|null|undefined|true|false|True|False|'[^']*'|"[^"]*")\s*[,;]?\s*$/i;

/** The loop may start mid-literal (`00, 0x` in `0x00, 0x00, ...`): any rotation of the piece may be the literal. */
function literal(piece: string): boolean {
  for (let r = 0; r < piece.length; r++) if (LITERAL.test(piece.slice(r) + piece.slice(0, r))) return true;
  return false;
}

function cutLineLoop(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = LOOP.exec(lines[i].replace(/\s+$/, ''));
    if (!m || new Set(m[1]).size < 2 || literal(m[1])) continue;
    // keep the first copy of the piece: the model's answer up to where it started looping
    const kept = lines[i].slice(0, m.index + m[1].length).replace(/\s+$/, '');
    return [...lines.slice(0, i), kept].join('\n').replace(/\s+$/, '');
  }
  return text;
}
