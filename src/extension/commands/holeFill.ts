import * as vscode from 'vscode';
import { abortSignalFor } from '../shared/abortBridge';
import { contextBudget, fillSamplerFor, maxDocumentSize, parseCheckMode, refineThreshold } from '../config';
import { skipReason } from '../shared/documentGuard';
import { toLf } from '../../engine/text/eol';
import { gapSpans, type ConfidenceSpan } from '../masks/confidenceSpans';
import { gapWithEol } from '../masks/gapEol';
import { piecesAround, type Hole } from '../masks/findMasks';
import { reanchor, type Span } from '../masks/reanchor';
import { isAbort, type GapResult, type SamplerOptions } from '../model/engineApi';
import { errorText, type ModelHost } from '../model/modelHost';
import type { LiveDenoising } from '../ui/liveDenoising';
import { progressMessage } from '../ui/timeLeft';
import { brokenMessage, errorMarks, parseCheck, textBefore } from './parseCheck';
import type { CheckResult } from '../../syntax/repair';

export interface HoleFillDeps {
  host: ModelHost;
  live: LiveDenoising;
  log: vscode.LogOutputChannel;
}

export type FillOutcome =
  | { kind: 'applied'; lowConfidence: ConfidenceSpan[]; gaps: GapResult[]; parseCheck?: CheckResult<GapResult>['status']; warning?: string }
  | { kind: 'cancelled' | 'refused' | 'failed' | 'skipped'; message: string };

/** Refuses documents the model must not see; shows why in the status bar. */
export function guardDocument(document: vscode.TextDocument): string | undefined {
  const reason = skipReason(document.getText(), maxDocumentSize());
  if (reason) vscode.window.setStatusBarMessage(`DiffuCode: skipped (${reason})`, 8000);
  return reason;
}

/**
 * Fills `holes` of `document` in ONE joint engine call (the gaps see each other, which is what diffusion adds
 * over left-to-right infill), with cancellable progress and the gaps resolving live in the editor. The result
 * lands as one WorkspaceEdit (one undo step). If the user typed meanwhile, the holes are found again by their
 * text and surroundings; when that is ambiguous the fill is refused, never applied over the user's edits.
 */
export async function fillHoles(deps: HoleFillDeps, document: vscode.TextDocument, holes: Hole[], title: string): Promise<FillOutcome> {
  const original = document.getText();
  const pieces = piecesAround(original, holes).map(toLf);
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  let gaps: GapResult[];
  let checked: CheckResult<GapResult> | undefined;
  /** Set when the fill came back unfinished (no progress past the limit): what the user is told. */
  let partial: string | undefined;
  const request = { pieces, gaps: holes.map((h) => ({ maxTokens: h.maxTokens })), sampler: {} as Partial<SamplerOptions>, budget: contextBudget() }; // sampler: set once the model is loaded
  try {
    gaps = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const bridge = abortSignalFor(token);
        const editor = () => vscode.window.visibleTextEditors.find((e) => e.document === document);
        const started = Date.now();
        try {
          // The fill decoder (parallel by default) needs the loaded model's info; the repair rounds reuse it.
          request.sampler = fillSamplerFor(await deps.host.load());
          const supersedeKey = `fill:${document.uri.toString()}`;
          const result = await deps.host.infill(
            request,
            {
              signal: bridge.signal,
              supersedeKey,
              // A fill that stops making progress keeps what it committed (stallWatch.ts), marked unfinished.
              partialOnTimeout: true,
              onProgress: (p) => {
                progress.report({ message: progressMessage(p.committed, p.total, p.step, Date.now() - started) });
                const ed = editor();
                const spans = ed && reanchor(original, document.getText(), holes);
                if (ed && spans) deps.live.show(ed, spans.map((s) => rangeOf(document, s)), p.gaps);
              },
            },
          );
          if (result.partial) partial = partialNotice(result.partial);
          // The whole document is parsed before anything is applied: a fill that breaks it is repaired or refused.
          // An unfinished fill is not: it is marked unsure as a whole, and repairing it would ask the stalled model.
          checked = result.partial
            ? { status: 'unchecked', gaps: result.gaps, added: [], addedByFill: 0, rounds: 0, repairMs: 0, parseMs: 0 }
            : await parseCheck({ ...deps, document, request, before: textBefore(original, holes), gaps: result.gaps, options: { signal: bridge.signal, supersedeKey }, progress });
          // The model saw LF; its answer takes the document's line ending (confidence marks stay aligned).
          return checked.gaps.map((g) => gapWithEol(g, eol));
        } finally {
          bridge.dispose();
          deps.live.clear(editor());
        }
      },
    );
  } catch (err) {
    if (isAbort(err)) return { kind: 'cancelled', message: 'Fill cancelled.' };
    deps.log.error(`fill failed: ${errorText(err)}`);
    return { kind: 'failed', message: `DiffuCode: ${errorText(err)}` };
  }
  const broken = checked?.status === 'broken' ? checked : undefined;
  if (broken && parseCheckMode() !== 'applyMarked') return { kind: 'refused', message: brokenMessage('fill', request, broken, false) };
  // The user may still be typing: an edit computed against one version is rejected when the editor has a
  // newer one, so re-anchor against the newest text and try again a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (document.isClosed) return { kind: 'refused', message: 'DiffuCode: the document was closed during the fill.' };
    const spans = reanchor(original, document.getText(), holes);
    if (!spans) {
      return { kind: 'refused', message: 'DiffuCode: the document changed around the masked regions during the fill; nothing was replaced. Run the fill again.' };
    }
    const edit = new vscode.WorkspaceEdit();
    spans.forEach((s, i) => edit.replace(document.uri, rangeOf(document, s), gaps[i].text));
    if (await vscode.workspace.applyEdit(edit)) {
      deps.log.info(`filled ${holes.length} hole(s): ${gaps.map((g) => JSON.stringify(g.text)).join(', ')}`);
      const lowConfidence = confidenceAfterEdit(spans, gaps, holes);
      if (partial) deps.log.warn(partial);
      if (!broken) return { kind: 'applied', lowConfidence, gaps, parseCheck: checked?.status, warning: partial };
      const at = appliedStarts(spans, gaps);
      return { kind: 'applied', lowConfidence: [...lowConfidence, ...errorMarks(request, broken, at, eol)], gaps, parseCheck: 'broken', warning: brokenMessage('fill', request, broken, true) };
    }
    deps.log.info('the document changed while the fill was being applied; re-anchoring');
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
  return { kind: 'failed', message: 'DiffuCode: the document kept changing; the fill was not applied.' };
}

/** Where each gap's text starts in the document after the edit (earlier replacements shift later ones). */
function appliedStarts(spans: Span[], gaps: GapResult[]): number[] {
  let shift = 0;
  return spans.map((s, i) => {
    const at = s.start + shift;
    shift += gaps[i].text.length - (s.end - s.start);
    return at;
  });
}

/** Where each gap's text now sits (earlier replacements shift later ones) and which of its tokens were unsure. */
function confidenceAfterEdit(spans: Span[], gaps: GapResult[], holes: Hole[]): ConfidenceSpan[] {
  const threshold = refineThreshold();
  let shift = 0;
  const out: ConfidenceSpan[] = [];
  spans.forEach((s, i) => {
    out.push(...gapSpans(gaps[i], holes[i].maxTokens, s.start + shift, threshold));
    shift += gaps[i].text.length - (s.end - s.start);
  });
  return out;
}

export function rangeOf(document: vscode.TextDocument, s: Span): vscode.Range {
  return new vscode.Range(document.positionAt(s.start), document.positionAt(s.end));
}

/** What the user reads when a fill came back unfinished: the limit, what was kept, and how to go on. */
export function partialNotice(p: { reason: string; committed: number; total: number }): string {
  return `DiffuCode: ${p.reason}. The ${p.committed} of ${p.total} tokens it had committed were inserted, marked as unsure: "Refine low-confidence tokens" continues, Ctrl+Z undoes. Raise diffucode.requestTimeoutSeconds if the model needs longer per step.`;
}

export function report(outcome: FillOutcome): void {
  if (outcome.kind === 'refused' || outcome.kind === 'failed') void vscode.window.showWarningMessage(outcome.message);
  else if (outcome.kind === 'applied' && outcome.warning) void vscode.window.showWarningMessage(outcome.warning);
  else if (outcome.kind === 'cancelled') vscode.window.setStatusBarMessage(`DiffuCode: ${outcome.message}`, 5000);
}
