// `diffucode fill`: read a file (or stdin), fill every mask marker in one joint request, print or write back.
// The user's file is never clobbered: invalid UTF-8 is refused, --in-place keeps FILE.bak and writes atomically.

import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { InfillResult } from '../engine/types';
import type { WorkerClient } from '../worker/client';
import type { CliArgs } from './args';
import { assemble, markerSyntax, parseMasks } from './markers';

export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    // ignoreBOM: a leading BOM stays in the text and is written back unchanged.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${name} is not valid UTF-8 text (binary file?); nothing was changed`);
  }
}

export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function runFill(args: CliArgs, client: WorkerClient, err: (s: string) => void): Promise<string> {
  const name = args.file ?? 'standard input';
  const bytes = args.file ? readFileSync(args.file) : await readStdin();
  const text = decodeUtf8(bytes, name);
  const { pieces, gaps } = parseMasks(text, markerSyntax(args.marker), args.tokens);
  if (gaps.length === 0) throw new Error(`no mask marker (${args.marker}) found in ${name}`);
  const result: InfillResult = await client.infill({
    pieces,
    gaps,
    sampler: args.sampler,
    budget: { prefixTokens: args.prefixTokens, suffixTokens: args.suffixTokens },
  });
  const out = assemble(pieces, result.gaps.map((g) => g.text));
  if (args.stats) err(JSON.stringify(result.stats));
  if (args.inPlace && args.file) {
    copyFileSync(args.file, args.file + '.bak');
    const tmp = `${args.file}.diffucode-${process.pid}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, args.file);
    err(`filled ${gaps.length} gap(s) in ${args.file} (original kept as ${args.file}.bak)`);
    return '';
  }
  return out;
}
