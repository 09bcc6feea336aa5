// `diffucode batch`: JSONL in ({prefix, suffix, maxTokens?, singleLine?, id?} per line), JSONL out ({middle, stats} or
// {error} per line, in input order). This is how a model is evaluated on an infill benchmark.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WorkerClient } from '../worker/client';
import type { CliArgs } from './args';

export async function runBatch(args: CliArgs, client: WorkerClient, write: (line: string) => void): Promise<number> {
  const input = args.file ? createReadStream(args.file) : process.stdin;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let failures = 0;
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (raw.trim() === '') continue;
    let row: { prefix?: unknown; suffix?: unknown; maxTokens?: unknown; singleLine?: unknown; id?: unknown };
    const echo = (o: Record<string, unknown>) => write(JSON.stringify(row?.id !== undefined ? { id: row.id, ...o } : o));
    try {
      row = JSON.parse(raw);
    } catch (e) {
      row = {};
      failures++;
      echo({ error: `line ${n}: not JSON (${(e as Error).message})` });
      continue;
    }
    try {
      if (typeof row !== 'object' || row === null || typeof row.prefix !== 'string' || typeof row.suffix !== 'string')
        throw new Error(`line ${n}: needs string fields "prefix" and "suffix"`);
      const maxTokens = row.maxTokens === undefined ? args.tokens : row.maxTokens;
      const r = await client.infill({
        pieces: [row.prefix, row.suffix],
        gaps: [{ maxTokens: maxTokens as number, singleLine: row.singleLine === true }],
        sampler: args.sampler,
        budget: { prefixTokens: args.prefixTokens, suffixTokens: args.suffixTokens },
      });
      echo({ middle: r.gaps[0].text, stats: r.stats });
    } catch (e) {
      failures++;
      echo({ error: (e as Error).message });
    }
  }
  return failures;
}
