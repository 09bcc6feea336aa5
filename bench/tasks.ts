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

/** `quick`: 16 single + 4 multi; `limit`: the first `limit` single-line and ceil(limit/4) multi-line tasks (smoke runs). */
export function loadTasks(root: string, quick: boolean, limit?: number): BenchTask[] {
  const all: BenchTask[] = readFileSync(join(root, 'bench/tasks/tasks.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const single = limit ?? (quick ? 16 : Infinity);
  const multi = limit !== undefined ? Math.ceil(limit / 4) : quick ? 4 : Infinity;
  return [...all.filter((t) => t.kind === 'single').slice(0, single), ...all.filter((t) => t.kind === 'multi').slice(0, multi)];
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

/**
 * Edit similarity (1 - Levenshtein / longer length) between the cut code and the fill, on the same lines exact
 * match compares, trimmed: graded credit where exact match is all or nothing (and 0 for a weak model).
 */
export function editSimilarity(task: BenchTask, fill: string): number {
  const n = task.middle.split('\n').length;
  const want = task.middle.split('\n').map((l) => l.trimEnd()).join('\n').trim();
  const got = fill.split('\n').slice(0, n).map((l) => l.trimEnd()).join('\n').trim();
  if (want === got) return 1;
  if (!want || !got) return 0;
  let prev = Array.from({ length: got.length + 1 }, (_, j) => j);
  for (let i = 1; i <= want.length; i++) {
    const cur = [i];
    for (let j = 1; j <= got.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (want[i - 1] === got[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return 1 - prev[got.length] / Math.max(want.length, got.length);
}
