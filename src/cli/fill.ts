// `diffucode fill`: read a file (or stdin), fill every mask marker in one joint request, print or write back.
// The user's file is never clobbered: invalid UTF-8 is refused, markers are checked against the model's context
// before anything runs, the model sees LF and the fill is written with the file's own line ending, and
// --in-place keeps a backup and the file's mode, owner and kind (see inPlace.ts).

import { readFileSync } from 'node:fs';
import type { InfillRequest, InfillResult } from '../engine/types';
import { detectEol, toLf, withEol } from '../engine/text/eol';
import { assemble, findMarkers, markerSyntax, piecesAround } from '../engine/text/maskMarkers';
import { grammarFor, grammarForFile } from '../syntax/grammars';
import { checkFill, describeError } from '../syntax/repair';
import type { CliArgs } from './args';
import { fileError } from './fileErrors';
import { isLink, prepareInPlace, writeInPlace, type InPlaceTarget } from './inPlace';

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

export interface FillInput {
  /** The file as the user named it, or "standard input". */
  name: string;
  text: string;
  /** Set with --in-place: the checked file to write back. */
  inPlace?: InPlaceTarget;
}

/** Reads (and for --in-place checks) the input before the model loads, so a bad path fails at once. */
export async function readFillInput(args: Pick<CliArgs, 'file' | 'inPlace'>): Promise<FillInput> {
  if (!args.file) return { name: 'standard input', text: decodeUtf8(await readStdin(), 'standard input') };
  const inPlace = args.inPlace ? prepareInPlace(args.file) : undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(inPlace?.target ?? args.file);
  } catch (e) {
    throw fileError(e, args.file);
  }
  return { name: args.file, text: decodeUtf8(bytes, args.file), inPlace };
}

export interface FillClient {
  infill(request: InfillRequest, opts?: { partialOnTimeout?: boolean }): Promise<InfillResult>;
}

/** The fill stopped making progress past --timeout: `output` is the text with what it had committed (not written
 *  in place: an unfinished fill never replaces the user's file). */
export class PartialFillError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'PartialFillError';
  }
}

/** Fills `input` on the loaded model; returns the text to print ('' when it was written back in place). */
export async function runFill(
  args: Pick<CliArgs, 'marker' | 'tokens' | 'sampler' | 'prefixTokens' | 'suffixTokens' | 'stats'> & Partial<Pick<CliArgs, 'parseCheck' | 'language'>>,
  input: FillInput,
  client: FillClient,
  model: { name: string; contextLength: number },
  err: (s: string) => void,
): Promise<string> {
  const { name, text } = input;
  const markers = findMarkers(text, markerSyntax(args.marker), { defaultTokens: args.tokens, maxTokens: model.contextLength, modelName: model.name, defaultSource: '--tokens' });
  if (markers.length === 0) throw new Error(`no mask marker (${args.marker}) found in ${name}`);
  const pieces = piecesAround(text, markers);
  const eol = detectEol(text);
  const budget = { prefixTokens: args.prefixTokens, suffixTokens: args.suffixTokens };
  const lf = pieces.map(toLf);
  const result = await client.infill({ pieces: lf, gaps: markers.map((m) => ({ maxTokens: m.maxTokens })), sampler: args.sampler, budget }, { partialOnTimeout: true });
  const p = result.partial;
  if (p) {
    // Unfinished (no progress past --timeout): what was committed is not thrown away, nor parse-checked (a repair
    // would ask the stalled model again), nor written in place.
    const out = assemble(pieces, result.gaps.map((g) => withEol(g.text, eol)));
    const where = input.inPlace ? `${input.inPlace.path} was not changed; the unfinished fill is on standard output` : 'printed the unfinished fill';
    throw new PartialFillError(`${p.reason}: ${where} (${p.committed} of ${p.total} tokens committed; raise --timeout if the model needs longer per step)`, out);
  }
  // The whole file is parsed before writing anything: a fill that breaks its syntax is repaired, or refused.
  const mode = args.parseCheck ?? 'repair';
  const checked = await checkFill({
    grammar: args.language ? grammarFor(args.language) : grammarForFile(name), // standard input: no extension, no check
    mode,
    pieces: lf,
    before: markers.map(() => ''),
    gaps: result.gaps,
    maxTokens: markers.map((m) => m.maxTokens),
    refill: async (p, gaps, repair) => (await client.infill({ pieces: p, gaps, sampler: { ...args.sampler, ...repair }, budget })).gaps,
  });
  if (checked.skipped) err(`diffucode: ${checked.skipped}`);
  if (checked.status === 'repaired') err(`parse check: the fill broke the syntax; repaired in ${checked.rounds} round(s) (${Math.round(checked.repairMs)} ms)`);
  if (checked.status === 'broken') {
    const where = describeError(lf, checked.gaps, checked.added[0]);
    if (mode === 'repair') throw new Error(`the fill would break the syntax of ${name}: ${where}, still after ${checked.rounds} repair round(s); nothing was written (--parse-check applyMarked writes it anyway, --parse-check off skips the check)`);
    err(`parse check: the fill leaves ${where} in ${name} (${checked.added.length} error(s) the fill added, ${checked.rounds} repair round(s)); written anyway (--parse-check applyMarked)`);
  }
  // The pieces go back byte for byte; only the generated text takes the file's line ending.
  const out = assemble(pieces, checked.gaps.map((g) => withEol(g.text, eol)));
  if (args.stats) err(JSON.stringify({ ...result.stats, parseCheck: { status: checked.status, rounds: checked.rounds, addedByFill: checked.addedByFill, repairMs: Math.round(checked.repairMs), parseMs: Math.round(checked.parseMs) } }));
  if (!input.inPlace) return out;
  const t = input.inPlace;
  const written = writeInPlace(t, out);
  const via = isLink(t.path) ? ` through the link to ${t.target}` : '';
  err(`filled ${markers.length} gap(s) in ${t.path}${via} (original kept as ${written.backup})`);
  return '';
}
