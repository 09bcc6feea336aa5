// The bench's task set and its scoring. Tasks live in bench/tasks/tasks.jsonl (cut by make-tasks.ts from the
// trainer's held-out test split; source, path and licence of every task are recorded in the file).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchTask {
  id: string;
  kind: 'single' | 'multi';
  lang: string;
  source: string;
  path: string;
  licence: string;
  prefix: string;
  suffix: string;
  /** The code that was cut out. */
  middle: string;
  /** Gap size given to the model: the editor's fixed sizes, not the oracle length. */
  maxTokens: number;
}

export function loadTasks(root: string, quick: boolean): BenchTask[] {
  const all: BenchTask[] = readFileSync(join(root, 'bench/tasks/tasks.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  if (!quick) return all;
  return [...all.filter((t) => t.kind === 'single').slice(0, 16), ...all.filter((t) => t.kind === 'multi').slice(0, 4)];
}

/**
 * Exact match after the editor's own post-processing: a single-line task is judged on the first line of the fill
 * (ghost text shows one line), a multi-line task on as many lines as the answer has; trailing whitespace ignored.
 */
export function exactMatch(task: BenchTask, fill: string): boolean {
  const want = task.middle.split('\n').map((l) => l.trimEnd());
  const got = fill.split('\n').slice(0, want.length).map((l) => l.trimEnd());
  return got.length === want.length && got.every((l, i) => l === want[i]);
}
