// Parse-checked fills: after a fill, parse the document; if the fill added syntax errors, mask the tokens at and
// next to the errors again and denoise only those, with everything else (the user's code and the rest of the fill)
// fixed as context, the same re-infill the "Refine low-confidence tokens" command does (the spans become the gaps
// of one ordinary infill request). A few rounds at most; each round widens the spans by a line each way.
// No `vscode` here: the editor, the CLI and the bench call this with their own way to run an infill.

import { addedErrors, assemble, gapSpans, type LocatedError } from './addedErrors';
import type { GrammarName } from './grammars';
import { remaskSpans, type RemaskSpan } from './remaskSpans';

/** Setting `diffucode.fill.parseCheck` and the CLI's --parse-check (default in package.json / args.ts' help). */
export type ParseCheckMode = 'repair' | 'applyMarked' | 'off';
export const PARSE_CHECK_MODES: readonly ParseCheckMode[] = ['repair', 'applyMarked', 'off'];

/** Repair rounds before giving up: each is one more infill of a few lines; three covered what the bench could repair. */
export const MAX_REPAIR_ROUNDS = 3;
/** A span is refilled with room for a couple of tokens more than it had (a stop token shortens it anyway). */
const SLACK = 2;

/** The part of a gap result the check needs and keeps (the engine's GapResult fits). */
export interface FilledGap {
  text: string;
  tokens: { id: number; text: string; confidence: number }[];
  stopped: boolean;
}

/**
 * Sampler fields a repair round sets over the fill's own: the model answers greedily by default, and the same
 * context and size would bring back the same broken answer, so every round samples (a different seed each round).
 * Temperature 0.7: chosen on a small sample of the bench's held-out cases (docs/parse-check.md).
 */
export interface RepairSampler {
  temperature: number;
  topP: number;
  seed: number;
}
export const repairSampler = (round: number): Partial<RepairSampler> => ({ temperature: REPAIR_TEMPERATURE, topP: 0.95, seed: 7919 * round });
const REPAIR_TEMPERATURE = 0.7;

/** Runs one infill: pieces around the gaps, each gap's size, and the sampler fields to set over the fill's. */
export type Refill<G extends FilledGap> = (pieces: string[], gaps: { maxTokens: number }[], sampler: Partial<RepairSampler>) => Promise<G[]>;

export interface CheckInput<G extends FilledGap> {
  /** undefined: a language without a grammar, passed through unchanged. */
  grammar: GrammarName | undefined;
  mode: ParseCheckMode;
  /** Text around the gaps, LF line endings (what the model saw). */
  pieces: string[];
  /** Each gap's text before the fill: '' for a mask marker, the old text for a selection or a refined span. */
  before: string[];
  /** The fill, as the engine returned it. */
  gaps: G[];
  /** The gaps' sizes as asked (a refilled empty gap gets its full size back). */
  maxTokens: number[];
  refill: Refill<G>;
  maxRounds?: number;
}

export interface CheckResult<G extends FilledGap> {
  /** 'unchecked': off, or no grammar for the language; 'clean': no added error; 'repaired': clean after rounds;
   *  'broken': still adds errors after the last round (gaps then hold the try with the fewest added errors). */
  status: 'unchecked' | 'clean' | 'repaired' | 'broken';
  gaps: G[];
  /** Added errors of the returned gaps (empty unless broken), in the filled text's offsets (LF). */
  added: LocatedError[];
  /** Errors the first fill added (what the repair started from). */
  addedByFill: number;
  rounds: number;
  /** Time in the repair rounds' infills, and in parsing. */
  repairMs: number;
  parseMs: number;
  /** Set when the parser itself failed (grammar files missing or unreadable): the fill then goes through unchecked. */
  skipped?: string;
}

/** Splices a refill of `spans` (in gap order) into the gaps' texts and token lists. */
function splice<G extends FilledGap>(gaps: G[], spans: RemaskSpan[], refilled: G[]): G[] {
  const out = gaps.map((g) => ({ ...g, tokens: [...g.tokens] }));
  // Right to left inside a gap, so earlier spans' offsets stay valid.
  for (let k = spans.length - 1; k >= 0; k--) {
    const s = spans[k];
    const g = out[s.gap];
    g.text = g.text.slice(0, s.start) + refilled[k].text + g.text.slice(s.end);
    g.tokens.splice(s.first, s.last - s.first, ...refilled[k].tokens);
  }
  return out as G[];
}

/** The whole text cut around the spans: the pieces of the refill request. */
function piecesAroundSpans(pieces: string[], gaps: FilledGap[], spans: RemaskSpan[]): string[] {
  const text = assemble(pieces, gaps.map((g) => g.text));
  const where = gapSpans(pieces, gaps.map((g) => g.text));
  const out: string[] = [];
  let at = 0;
  for (const s of spans) {
    const start = where[s.gap].start + s.start;
    out.push(text.slice(at, start));
    at = where[s.gap].start + s.end;
  }
  out.push(text.slice(at));
  return out;
}

/** A broken parser must not cost the user the fill: it is passed through unchecked, saying why. */
export async function checkFill<G extends FilledGap>(input: CheckInput<G>): Promise<CheckResult<G>> {
  try {
    return await checkAndRepair(input);
  } catch (e) {
    if (!(e instanceof ParserError)) throw e;
    return { status: 'unchecked', gaps: input.gaps, added: [], addedByFill: 0, rounds: 0, repairMs: 0, parseMs: 0, skipped: e.message };
  }
}

class ParserError extends Error {}

async function checkAndRepair<G extends FilledGap>(input: CheckInput<G>): Promise<CheckResult<G>> {
  const { grammar, pieces, before } = input;
  if (!grammar || input.mode === 'off') return { status: 'unchecked', gaps: input.gaps, added: [], addedByFill: 0, rounds: 0, repairMs: 0, parseMs: 0 };
  let gaps = input.gaps;
  let parseMs = 0;
  let repairMs = 0;
  const compare = async (g: G[]) => {
    const c = await addedErrors(grammar, pieces, before, g.map((x) => x.text)).catch((e: unknown) => {
      throw new ParserError(`the parse check was skipped: ${e instanceof Error ? e.message : String(e)}`);
    });
    parseMs += c.parseMs;
    return c.added;
  };
  let added = await compare(gaps);
  const addedByFill = added.length;
  let best = { gaps, added };
  const maxRounds = input.maxRounds ?? MAX_REPAIR_ROUNDS;
  let rounds = 0;
  while (added.length > 0 && rounds < maxRounds) {
    // Round 1 remasks the error lines, each later round a line more each way.
    const spans = remaskSpans(gaps, gapSpans(pieces, gaps.map((g) => g.text)), added, rounds);
    if (spans.length === 0) break;
    rounds++;
    const t0 = performance.now();
    const refilled = await input.refill(
      piecesAroundSpans(pieces, gaps, spans),
      spans.map((s) => ({ maxTokens: s.last > s.first ? s.last - s.first + SLACK : input.maxTokens[s.gap] })),
      repairSampler(rounds),
    );
    repairMs += performance.now() - t0;
    gaps = splice(gaps, spans, refilled);
    added = await compare(gaps);
    if (added.length < best.added.length) best = { gaps, added };
  }
  if (added.length === 0) return { status: rounds === 0 ? 'clean' : 'repaired', gaps, added: [], addedByFill, rounds, repairMs, parseMs };
  return { status: 'broken', gaps: best.gaps, added: best.added, addedByFill, rounds, repairMs, parseMs };
}

/** One line for the user: where the first added error is, in the text as it would read after the fill. */
export function describeError(pieces: string[], gaps: FilledGap[], error: LocatedError): string {
  const text = assemble(pieces, gaps.map((g) => g.text));
  const lineStart = text.lastIndexOf('\n', error.start - 1) + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
  const what = error.kind === 'missing' ? `a missing ${error.type}` : 'a syntax error';
  return `${what} at line ${error.line}${line ? ` (\`${line.length > 60 ? line.slice(0, 57) + '...' : line}\`)` : ''}`;
}
