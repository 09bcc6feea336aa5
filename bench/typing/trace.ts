// The typing trace the ghost-text bench replays (bench/typing/trace.json, made by make-trace.ts from the code in
// bench/typing/sources/): documents opened, the cursor moved, text typed, each event at its time since the start.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type TraceEvent =
  /** A document is opened with `text`, the cursor at `offset`. */
  | { t: number; doc: string; op: 'open'; languageId: string; text: string; offset: number }
  /** The cursor moves (a click or arrow keys) to `offset`. */
  | { t: number; doc: string; op: 'move'; offset: number }
  /** A keystroke at the cursor: one character, or a line break with the indentation the editor adds. `answer`: what
   *  the line still lacks after it (a trained model's suggestion ends there; forced decoding stops there). */
  | { t: number; doc: string; op: 'type'; text: string; answer: string };

export interface Trace {
  description: string;
  seed: number;
  events: TraceEvent[];
  /** Each document's text once every event is applied (the source file): the replay checks it. */
  final: Record<string, string>;
}

export function loadTrace(root: string): Trace {
  return JSON.parse(readFileSync(join(root, 'bench/typing/trace.json'), 'utf8')) as Trace;
}

/** A document as the trace edits it. */
export class TraceDocument {
  constructor(
    readonly name: string,
    readonly languageId: string,
    public text: string,
    public offset: number,
  ) {}

  type(s: string): void {
    this.text = this.text.slice(0, this.offset) + s + this.text.slice(this.offset);
    this.offset += s.length;
  }

  line(offset = this.offset): number {
    let n = 0;
    for (let i = 0; i < offset; i++) if (this.text.charCodeAt(i) === 10) n++;
    return n;
  }
}
