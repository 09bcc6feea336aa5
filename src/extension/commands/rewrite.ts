import * as vscode from 'vscode';
import { reanchor } from '../masks/reanchor';
import { fillPreview, type PendingRewrite, type RewritePreview } from '../ui/rewritePreview';
import { abortSignalFor } from '../shared/abortBridge';
import { contextBudget, fillSamplerFor, parseCheckMode } from '../config';
import { isAbort } from '../model/engineApi';
import { errorText } from '../model/modelHost';
import { guardDocument, rangeOf, type HoleFillDeps } from './holeFill';
import { tokensForSelection } from './fillMasked';
import { progressMessage } from '../ui/timeLeft';
import { brokenMessage, parseCheck } from './parseCheck';
import type { GapResult, SamplerOptions } from '../model/engineApi';
import type { CheckResult } from '../../syntax/repair';

export const REWRITE_TITLE = 'Rewrite with DiffuCode';

/**
 * Offered on a selection (refactor) and on lines with an error diagnostic (quick fix); once, never both: the
 * quick-fix menu lists refactors too, so a selection with an error would show "Rewrite with DiffuCode" twice. With
 * an error the quick fix covers the selection and the error's lines together, listed after the language's fixes.
 */
export class RewriteActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const wants = (k: vscode.CodeActionKind) => !context.only || context.only.contains(k);
    const error = wants(vscode.CodeActionKind.QuickFix) ? context.diagnostics.find((d) => d.severity === vscode.DiagnosticSeverity.Error) : undefined;
    const kind = error ? vscode.CodeActionKind.QuickFix : vscode.CodeActionKind.RefactorRewrite;
    if (!error && (range.isEmpty || !wants(kind))) return [];
    const target = error ? (range.isEmpty ? error.range : range.union(error.range)) : range;
    const lines = new vscode.Range(target.start.line, 0, target.end.line, document.lineAt(target.end.line).text.length);
    const a = new vscode.CodeAction(REWRITE_TITLE, kind);
    // After the language's own fixes, never the one Ctrl+. then Enter applies: VS Code lists actions tied to a
    // diagnostic first and preferred ones first among those, so this one is tied to none and never preferred.
    a.isPreferred = false;
    a.command = { command: 'diffucode.rewriteSelection', title: REWRITE_TITLE, arguments: [document.uri, error ? lines : range] };
    return [a];
  }
}

/** Whole lines: a rewrite regenerates complete lines so the model never has to splice into half a statement. */
function wholeLines(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return new vscode.Range(range.start.line, 0, endLine, document.lineAt(endLine).text.length);
}

/**
 * Re-masks the block and regenerates it with the surrounding code as context, then opens a diff preview; the
 * user applies it (editor title button, Ctrl+Enter, or the notification) or discards it.
 */
export async function rewriteCommand(
  deps: HoleFillDeps & { preview: RewritePreview },
  uri?: vscode.Uri,
  range?: vscode.Range,
): Promise<PendingRewrite | undefined> {
  const editor = vscode.window.activeTextEditor;
  const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
  const target = range ?? (editor && !editor.selection.isEmpty ? editor.selection : undefined);
  if (!document || !target) {
    void vscode.window.showInformationMessage('DiffuCode: select the code to rewrite first.');
    return undefined;
  }
  if (guardDocument(document)) return undefined;
  const block = wholeLines(document, target);
  const original = document.getText();
  const start = document.offsetAt(block.start);
  const end = document.offsetAt(block.end);
  const blockText = original.slice(start, end);
  let text: string;
  let checked: CheckResult<GapResult> | undefined;
  const request = { pieces: [original.slice(0, start), original.slice(end)], gaps: [{ maxTokens: tokensForSelection(blockText, 16) }], sampler: {} as Partial<SamplerOptions>, budget: contextBudget() }; // sampler: set once the model is loaded
  try {
    text = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'DiffuCode: rewriting', cancellable: true },
      async (progress, token) => {
        const bridge = abortSignalFor(token);
        const started = Date.now();
        try {
          // The fill decoder (parallel by default) needs the loaded model's info; the repair rounds reuse it.
          request.sampler = fillSamplerFor(await deps.host.load());
          const supersedeKey = `rewrite:${document.uri.toString()}`;
          const result = await deps.host.infill(request, {
            signal: bridge.signal,
            supersedeKey,
            partialOnTimeout: true,
            onProgress: (p) => progress.report({ message: progressMessage(p.committed, p.total, p.step, Date.now() - started) }),
          });
          const p = result.partial;
          if (p) {
            // Unfinished (the model stopped making progress): previewed anyway, since nothing is applied before the
            // user reads it; not parse-checked (a repair would ask the stalled model again).
            void vscode.window.showWarningMessage(`DiffuCode: ${p.reason}. The preview holds the ${p.committed} of ${p.total} tokens committed by then. Raise diffucode.requestTimeoutSeconds if the model needs longer per step.`);
            return result.gaps[0].text;
          }
          // Errors the block had before do not count; a rewrite that adds some is repaired, or not offered.
          checked = await parseCheck({ ...deps, document, request, before: [blockText], gaps: result.gaps, options: { signal: bridge.signal, supersedeKey }, progress });
          return checked.gaps[0].text;
        } finally {
          bridge.dispose();
        }
      },
    );
  } catch (err) {
    if (!isAbort(err)) void vscode.window.showWarningMessage(`DiffuCode: rewrite failed: ${errorText(err)}`);
    return undefined;
  }
  if (checked?.status === 'broken') {
    const marked = parseCheckMode() === 'applyMarked';
    void vscode.window.showWarningMessage(brokenMessage('rewrite', request, checked, marked));
    if (!marked) return undefined;
  }
  const pending: PendingRewrite = { document, original, span: { start, end }, text };
  await fillPreview(deps.preview, pending);
  return pending;
}

/** Applies the previewed rewrite as one edit, at the block's current place (the user may have typed since). */
export async function acceptRewrite(preview: RewritePreview): Promise<boolean> {
  const pending = preview.take();
  if (!pending) return false;
  await preview.close();
  const spans = reanchor(pending.original, pending.document.getText(), [pending.span]);
  if (!spans) {
    void vscode.window.showWarningMessage('DiffuCode: the rewritten block changed since the preview; nothing was replaced.');
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(pending.document.uri, rangeOf(pending.document, spans[0]), pending.text);
  return vscode.workspace.applyEdit(edit);
}
