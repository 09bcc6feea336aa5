// Writes bench/typing/trace.json: someone typing parts of the three source files in bench/typing/sources/ back in,
// at 80-200 ms per key with pauses (after a line, now and then mid-line), new lines with the editor's indentation
// in one event, and edits in the middle of lines (the cursor moves there, code stays right of it). Seeded, so the
// file is reproducible:  node --import tsx bench/typing/make-trace.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../../src/engine/sampling/prng';
import type { Trace, TraceEvent } from './trace';

/** Per file, the text removed from the opened document and typed back, in typing order. */
const HOLES: { file: string; languageId: string; holes: string[] }[] = [
  {
    file: 'inventory.py',
    languageId: 'python',
    holes: [
      '        if amount > self.quantity:\n            raise ValueError(f"only {self.quantity} of {self.sku} in stock")\n        self.quantity -= amount\n        self.history.append(("out", amount))',
      ', key=lambda i: i.quantity',
    ],
  },
  {
    file: 'rateLimiter.ts',
    languageId: 'typescript',
    holes: ['    const b = this.bucket(key);\n    if (b.tokens < cost) return false;\n    b.tokens -= cost;\n    return true;', ' * this.options.refillPerSecond'],
  },
  {
    file: 'csvTable.js',
    languageId: 'javascript',
    holes: ['  return rows.reduce((total, row) => total + Number(row[column] || 0), 0);', ', trim = true'],
  },
];

const SEED = 23;

function keystrokes(text: string): string[] {
  // A line break and the next line's indentation come in one event (the editor indents); the rest one key each.
  const keys: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\n') {
      keys.push(text[i]);
      continue;
    }
    let j = i + 1;
    while (j < text.length && text[j] === ' ') j++;
    keys.push(text.slice(i, j));
    i = j - 1;
  }
  return keys;
}

function main(): void {
  const root = join(__dirname, '..', '..');
  const rng = new Prng(SEED);
  const between = (lo: number, hi: number) => Math.round(lo + (hi - lo) * rng.next());
  const events: TraceEvent[] = [];
  const final: Record<string, string> = {};
  let t = 0;
  for (const spec of HOLES) {
    const source = readFileSync(join(root, 'bench/typing/sources', spec.file), 'utf8');
    final[spec.file] = source;
    // Where each hole sits in the final text; the opened document lacks all of them.
    const spans = spec.holes.map((h) => {
      const at = source.indexOf(h);
      if (at < 0 || source.indexOf(h, at + 1) >= 0) throw new Error(`hole not found exactly once in ${spec.file}: ${JSON.stringify(h.slice(0, 40))}`);
      return { at, text: h };
    });
    let text = source;
    for (const s of [...spans].sort((a, b) => b.at - a.at)) text = text.slice(0, s.at) + text.slice(s.at + s.text.length);
    const offsetOf = (k: number) => spans[k].at - spans.filter((s, i) => i > k && s.at < spans[k].at).reduce((a, s) => a + s.text.length, 0);
    events.push({ t, doc: spec.file, op: 'open', languageId: spec.languageId, text, offset: offsetOf(0) });
    t += between(800, 1500);
    spans.forEach((span, k) => {
      if (k > 0) {
        events.push({ t, doc: spec.file, op: 'move', offset: offsetOf(k) });
        t += between(300, 700);
      }
      let typed = 0;
      for (const key of keystrokes(span.text)) {
        typed += key.length;
        // What is still missing of this line: a trained model's suggestion here ends with it.
        const rest = span.text.slice(typed);
        events.push({ t, doc: spec.file, op: 'type', text: key, answer: rest.slice(0, rest.includes('\n') ? rest.indexOf('\n') : rest.length) });
        const r = rng.next();
        t += key.startsWith('\n') || r < 0.04 ? (rng.next() < 0.5 ? between(500, 1500) : between(80, 200)) : between(80, 200);
      }
      t += between(600, 1200);
    });
  }
  const trace: Trace = {
    description: 'Typing parts of three source files (Python, TypeScript, JavaScript) back in: lines typed at the end of a block, new lines, mid-line edits with code to the right, pauses.',
    seed: SEED,
    events,
    final,
  };
  writeFileSync(join(root, 'bench/typing/trace.json'), JSON.stringify(trace, null, 0).replace(/\{"t"/g, '\n{"t"') + '\n');
  const keys = events.filter((e) => e.op === 'type').length;
  process.stdout.write(`wrote bench/typing/trace.json: ${events.length} events, ${keys} keystrokes, ${(t / 1000).toFixed(1)} s\n`);
}

main();
