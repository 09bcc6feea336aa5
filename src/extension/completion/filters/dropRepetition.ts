import type { Filter } from './types';

/**
 * Cuts the loops a small model falls into when a gap is longer than its answer (peers.md: Tabby's
 * removeRepetitiveLines/Blocks): a line that comes back again and again in the suggestion, and a run of the same
 * short piece typed again and again inside one line ("/docs/docs/docs/docs"). The loop's first copy is kept.
 */
export const dropRepetition: Filter = (text) => cutLineLoop(cutRepeatedLines(text));

/** Lines too generic to count as a repeat: blank lines and lone closers (`}`, `});`, `]`). */
function generic(line: string): boolean {
  return line.trim().replace(/[\s{}()[\];,]/g, '').length < 3;
}

/** A line that comes 3 times or more is a loop (twice happens in real code: two `return x;` branches). */
function cutRepeatedLines(text: string): string {
  const lines = text.split('\n');
  const count = new Map<string, number>();
  for (const l of lines) if (!generic(l)) count.set(l.trim(), (count.get(l.trim()) ?? 0) + 1);
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const key = lines[i].trim();
    if (generic(lines[i]) || (count.get(key) ?? 0) < 3) continue;
    if (seen.has(key)) return lines.slice(0, i).join('\n').replace(/\s+$/, '');
    seen.add(key);
  }
  return text;
}

// A piece of 2..16 characters typed 6 times or more in a row: real code rarely does that (`[0, 0, 0, 0]` stops
// short of it) outside separators (`----`, `====`), which are one character repeated and are left alone.
const LOOP = /(.{2,16}?)\1{5,}/su;

function cutLineLoop(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = LOOP.exec(lines[i]);
    if (!m || new Set(m[1]).size < 2) continue;
    // keep the first copy of the piece: the model's answer up to where it started looping
    const kept = lines[i].slice(0, m.index + m[1].length).replace(/\s+$/, '');
    return [...lines.slice(0, i), kept].join('\n').replace(/\s+$/, '');
  }
  return text;
}
