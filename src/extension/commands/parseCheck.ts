// The editor's side of parse-checked fills (src/syntax/repair.ts does the work): which grammar the document has,
// what each gap held before, the refill through the same model host (same sampler, context budget and
// cancellation as the fill), and what the user is told. The fill, refine and rewrite commands call this between
// the model's answer and the edit.

import * as vscode from 'vscode';
import { parseCheckMode, markerSyntax } from '../config';
import { findMasks, type Hole } from '../masks/findMasks';
import type { ConfidenceSpan } from '../masks/confidenceSpans';
import type { GapResult, InfillOptions, InfillRequest } from '../model/engineApi';
import type { ModelHost } from '../model/modelHost';
import { grammarForLanguage } from '../../syntax/grammars';
import { checkFill, describeError, type CheckResult } from '../../syntax/repair';
import { gapSpans } from '../../syntax/addedErrors';
import { toLf, withEol, type Eol } from '../../engine/text/eol';

export interface ParseCheckInput {
  host: ModelHost;
  log: vscode.LogOutputChannel;
  document: vscode.TextDocument;
  /** The request the fill ran (its pieces are what the check parses, gaps and all). */
  request: InfillRequest;
  /** Each gap's text before the fill ('' for a mask marker). */
  before: string[];
  gaps: GapResult[];
  options: Pick<InfillOptions, 'signal' | 'supersedeKey'>;
  progress?: vscode.Progress<{ message?: string }>;
}

/** A hole's text before the fill: a mask marker held no code ('' ), a selection or a refined span held its text. */
export function textBefore(original: string, holes: Hole[]): string[] {
  return holes.map((h) => {
    const text = original.slice(h.start, h.end);
    const markers = findMasks(text, markerSyntax());
    return markers.length === 1 && markers[0].start === 0 && markers[0].end === text.length ? '' : text;
  });
}

export async function parseCheck(input: ParseCheckInput): Promise<CheckResult<GapResult>> {
  const { request, document } = input;
  let round = 0;
  const result = await checkFill<GapResult>({
    grammar: grammarForLanguage(document.languageId),
    mode: parseCheckMode(),
    pieces: request.pieces,
    before: input.before,
    gaps: input.gaps,
    maxTokens: request.gaps.map((g) => g.maxTokens),
    refill: async (pieces, gaps, repair) => {
      input.progress?.report({ message: `the fill broke the syntax; refilling ${gaps.length} span${gaps.length === 1 ? '' : 's'} (round ${++round})` });
      return (await input.host.infill({ ...request, pieces, gaps, sampler: { ...request.sampler, ...repair } }, input.options)).gaps;
    },
  });
  if (result.skipped) {
    input.log.warn(result.skipped);
    vscode.window.setStatusBarMessage('DiffuCode: the parse check was skipped (see DiffuCode: Show log)', 8000);
  }
  if (result.status !== 'clean' && result.status !== 'unchecked')
    input.log.info(`parse check (${document.languageId}): ${result.status}; the fill added ${result.addedByFill} error(s), ${result.rounds} repair round(s), ${Math.round(result.repairMs)} ms`);
  return result;
}

/** The message for a fill that still breaks the syntax: where, and what the user can do. */
export function brokenMessage(what: 'fill' | 'rewrite', request: InfillRequest, result: CheckResult<GapResult>, applied: boolean): string {
  const where = describeError(request.pieces, result.gaps, result.added[0]);
  const rounds = `after ${result.rounds} repair round${result.rounds === 1 ? '' : 's'}`;
  return applied
    ? `DiffuCode: the ${what} leaves ${where} (${rounds}); ${what === 'fill' ? 'applied and marked' : 'previewed anyway'}, as diffucode.fill.parseCheck is "applyMarked".`
    : `DiffuCode: the ${what} would break the syntax: ${where}, still ${rounds}; nothing was applied. Run it again, or set diffucode.fill.parseCheck to "applyMarked" to apply it marked.`;
}

/**
 * The added errors inside the gaps as marks on the applied text (the gaps start at `appliedAt`, in the document
 * after the edit, with its line ending), so the user sees them and "Refine low-confidence tokens" can refill them.
 * A missing token marks the character where it was expected. Errors outside every gap are named in the message.
 */
export function errorMarks(request: InfillRequest, result: CheckResult<GapResult>, appliedAt: number[], eol: Eol): ConfidenceSpan[] {
  const lf = gapSpans(request.pieces, result.gaps.map((g) => toLf(g.text)));
  const out: ConfidenceSpan[] = [];
  for (const e of result.added) {
    if (e.gap === undefined) continue;
    const text = toLf(result.gaps[e.gap].text);
    const from = Math.max(0, Math.min(e.start - lf[e.gap].start, text.length - 1));
    const to = Math.max(from + 1, Math.min(e.end - lf[e.gap].start, text.length));
    const at = (n: number) => appliedAt[e.gap!] + withEol(text.slice(0, n), eol).length;
    const note = `the fill left ${e.kind === 'missing' ? `a missing ${e.type}` : 'a syntax error'} here (line ${e.line})`;
    // tokens: what Refine asks the model for; a rough count of the marked text's tokens (~3 characters each).
    if (text.length > 0) out.push({ start: at(from), end: at(to), confidence: 0, tokens: Math.max(1, Math.ceil((to - from) / 3)), note });
  }
  return out;
}
