// `diffucode batch`: JSONL in, JSONL out, one output line per input line (line N of the output answers line N of the
// input, blank lines included), so a caller can pair them without ids. This is how a model is evaluated.
//   raw:          {prefix, suffix, maxTokens?, singleLine?, id?} -> {middle, stats}: the model's fill as it is
//   --ghost-text: {prefix, suffix, language?, mode?, id?} -> {middle, shown, reason?, source?, mode, confidence?,
//                 raw?, stats?}: what the editor would show with the cursor between prefix and suffix ("" when nothing),
//                 through the same pipeline (src/completion/ghostText.ts) with the extension's default settings.
// A line that fails is {error: "line N: why"}; a summary of the failures goes to standard error.

import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { extensionDefaults } from '../completion/defaults';
import { GhostText } from '../completion/ghostText';
import type { CompletionSettings } from '../completion/types';
import type { InfillStats } from '../engine/types';
import type { WorkerClient } from '../worker/client';

/** A local worker or a model server (src/cli/remoteClient.ts): what batch needs of either. */
type BatchClient = Pick<WorkerClient, 'load' | 'infill'>;
import type { CliArgs } from './args';
import { packageRoot } from '../worker/paths';

type Row = { prefix?: unknown; suffix?: unknown; maxTokens?: unknown; singleLine?: unknown; id?: unknown; language?: unknown; mode?: unknown };

export async function runBatch(args: CliArgs, client: BatchClient, write: (line: string) => void, warn: (line: string) => void = () => undefined): Promise<number> {
  // Before the line reader exists: lines read while nothing iterates the reader yet would be lost.
  const ghost = args.ghostText ? await ghostTextSettings(args, client) : undefined;
  const input = args.file ? createReadStream(args.file) : process.stdin;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let failures = 0;
  let n = 0;
  for await (const raw of lines) {
    n++;
    let row: Row = {};
    const echo = (o: Record<string, unknown>) => write(JSON.stringify(row.id !== undefined ? { id: row.id, ...o } : o));
    try {
      if (raw.trim() === '') throw new Error('empty line');
      try {
        row = JSON.parse(raw);
      } catch (e) {
        throw new Error(`not JSON (${(e as Error).message})`);
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        row = {};
        throw new Error('needs a JSON object with string fields "prefix" and "suffix"');
      }
      if (typeof row.prefix !== 'string' || typeof row.suffix !== 'string') throw new Error('needs string fields "prefix" and "suffix"');
      echo(ghost ? await ghostTextRow(row as Row & { prefix: string; suffix: string }, n, ghost, client) : await rawRow(row as Row & { prefix: string; suffix: string }, args, client));
    } catch (e) {
      failures++;
      echo({ error: `line ${n}: ${(e as Error).message}` });
    }
  }
  if (failures > 0) warn(`diffucode: ${failures} of ${n} lines failed`);
  return failures;
}

async function rawRow(row: Row & { prefix: string; suffix: string }, args: CliArgs, client: BatchClient): Promise<Record<string, unknown>> {
  const maxTokens = row.maxTokens === undefined ? args.tokens : row.maxTokens;
  const r = await client.infill({
    pieces: [row.prefix, row.suffix],
    gaps: [{ maxTokens: maxTokens as number, singleLine: row.singleLine === true }],
    sampler: args.sampler,
    budget: { prefixTokens: args.prefixTokens, suffixTokens: args.suffixTokens },
  });
  return { middle: r.gaps[0].text, stats: r.stats };
}

/** The extension's defaults (package.json), the model's gate unless --min-confidence, the CLI's budget and sampler flags. */
async function ghostTextSettings(args: CliArgs, client: BatchClient): Promise<CompletionSettings> {
  const info = await client.load();
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  const defaults = extensionDefaults(pkg, args.minConfidence ?? info.ghostText?.minConfidence ?? 0);
  return {
    ...defaults,
    prefixTokens: args.prefixTokens ?? defaults.prefixTokens,
    suffixTokens: args.suffixTokens ?? defaults.suffixTokens,
    sampler: args.sampler,
  };
}

async function ghostTextRow(row: Row & { prefix: string; suffix: string }, n: number, settings: CompletionSettings, client: BatchClient): Promise<Record<string, unknown>> {
  if (row.language !== undefined && typeof row.language !== 'string') throw new Error('"language" must be a string (a VS Code language id)');
  if (row.mode !== undefined && row.mode !== 'line' && row.mode !== 'block') throw new Error('"mode" must be "line" or "block"');
  let stats: InfillStats | undefined;
  // A fresh pipeline per line: its typing cache must not carry one case's suggestion into another.
  const outcome = await new GhostText().complete(
    {
      text: row.prefix + row.suffix,
      offset: row.prefix.length,
      languageId: (row.language as string | undefined) ?? 'plaintext',
      indent: indentOf(row.prefix),
      documentKey: `line ${n}`,
      mode: row.mode as 'line' | 'block' | undefined,
    },
    settings,
    async (request) => {
      const r = await client.infill(request);
      stats = r.stats;
      return r;
    },
  );
  const { text: _shown, ...rest } = outcome.shown ? outcome : { ...outcome, text: '' };
  return { middle: outcome.shown ? outcome.text : '', ...rest, ...(stats ? { stats } : {}) };
}

/** The indentation style the prefix uses (the editor would know it from its options): tabs when lines start with one. */
function indentOf(prefix: string): { insertSpaces: boolean; tabSize: number } {
  const tabs = (prefix.match(/^\t/gm) ?? []).length;
  const spaces = (prefix.match(/^ {2}/gm) ?? []).length;
  return { insertSpaces: tabs <= spaces, tabSize: 4 };
}
