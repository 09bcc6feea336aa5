// Shared by the reliability suites: where their figures go (bench/results/reliability.json, one section per suite,
// so one release can be compared with the next), and how to find processes a suite started (a tag in their
// environment, which a forked worker inherits, so other jobs' workers on this machine are never counted).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../integration/helpers';

export const FIGURES = join(ROOT, 'bench', 'results', 'reliability.json');

/** Merges one suite's figures into the JSON file (the suites run one file at a time: --test-concurrency=1). */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  let all: Record<string, unknown> = {};
  try {
    all = existsSync(FIGURES) ? JSON.parse(readFileSync(FIGURES, 'utf8')) : {};
  } catch {
    all = {};
  }
  all.machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
  all[section] = { measuredAt: new Date().toISOString(), ...figures };
  writeFileSync(FIGURES, JSON.stringify(all, null, 2) + '\n');
}

/** Pids of live processes whose environment holds `tag` (set by a suite on the processes it starts). */
export function processesTagged(tag: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      if (env.includes(tag) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/** Resident set size of a process in MB (Linux /proc), or NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}
