import * as vscode from 'vscode';
import { GhostText } from '../../completion/ghostText';
import { windowSpan } from '../../completion/context/contextWindow';
import { contextBudget, ghostTextEnabledFor, ghostTextSettings, maxDocumentSize, samplerOverrides } from '../config';
import { isAbort } from '../model/engineApi';
import { errorText, type ModelHost } from '../model/modelHost';
import type { LiveDenoising } from '../ui/liveDenoising';
import { abortSignalFor } from '../shared/abortBridge';
import { debounce } from './debounce';
import { PrefillAhead } from '../../completion/prefill/prefillAhead';
import type { CompletionInput } from '../../completion/types';
import { SNIFF_CHARS, skipReason } from '../shared/documentGuard';

/**
 * Ghost text in the editor: a thin adapter over the editor-free pipeline (src/completion/ghostText.ts). It reads the
 * document around the cursor and the settings, bridges cancellation to the worker, debounces, shows the gap live
 * while it denoises when asked to, and turns the pipeline's outcome into an inline completion item.
 */
export class DiffuCodeInlineProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly ghost = new GhostText();
  /** Background prefills (completion/prefill/prefillAhead.ts): the worker drops them for any real request. */
  private readonly prefill = new PrefillAhead(this.ghost, (request, signal) =>
    this.host.infill(request, { signal, supersedeKey: `prefill:${request.ghostText?.document ?? ''}`, background: true }),
  );

  constructor(
    private readonly host: ModelHost,
    private readonly live: LiveDenoising,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    this.prefill.cancel(); // a keystroke: the model is needed for real
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    if (!ghostTextEnabledFor(document.languageId)) {
      if (explicit) this.host.explainGhostTextOff(); // Alt+\ while ghost text is off: say why, not nothing
      return undefined;
    }
    const at0 = inputAt(document, position);
    if (typeof at0 === 'string') {
      vscode.window.setStatusBarMessage(`DiffuCode: skipped (${at0})`, 5000);
      return undefined;
    }
    const { input, ours } = at0;
    const settings = ghostTextSettings();
    const budget = contextBudget();
    const key = input.documentKey;
    const at = new vscode.Range(position, position);
    const bridge = abortSignalFor(token);
    try {
      // The gate's default is the model's own calibrated value (its manifest), unless the user set one.
      const info = await this.host.load();
      if (!this.host.ghostTextAllowed()) {
        if (explicit) this.host.explainGhostTextOff(); // a model too slow for ghost text (model/slowModel.ts): say so
        return undefined;
      }
      const minConfidence = settings.minConfidence ?? info.ghostText?.minConfidence ?? 0;
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      const liveEditor = settings.showDenoising ? ours : undefined;
      const started = Date.now();
      const pipeline = { lineTokens: settings.lineTokens, blockTokens: settings.blockTokens, ...budget, minConfidence, sampler: samplerOverrides() };
      let reuse: string | undefined;
      let reusesLeft: number | undefined;
      const outcome = await this.ghost.complete(
        input,
        pipeline,
        async (request) => {
          const result = await this.host.infill(request, {
            signal: bridge.signal,
            supersedeKey: key,
            onProgress: liveEditor ? (p) => !token.isCancellationRequested && this.live.show(liveEditor, [at], p.gaps) : undefined,
          });
          reuse = result.stats.reuse;
          reusesLeft = result.stats.reusesLeft;
          return result;
        },
        { beforeRequest: () => (automatic ? debounce(settings.debounceMs, bridge.signal) : Promise.resolve(!bridge.signal.aborted)) },
      );
      if (!token.isCancellationRequested) this.prefill.answered(input, pipeline, reuse, reusesLeft);
      const shown = outcome.shown ? JSON.stringify(outcome.text) : `nothing (${outcome.reason})`;
      const conf = outcome.confidence ? ` min p ${outcome.confidence.min.toFixed(3)} (gate ${minConfidence})` : '';
      this.log.debug(`ghost text ${outcome.mode}: ${JSON.stringify(outcome.raw ?? '')} -> ${shown}${conf} in ${Date.now() - started} ms${reuse ? ` (canvas: ${reuse})` : ''}`);
      if (!outcome.shown || token.isCancellationRequested) return undefined;
      return [new vscode.InlineCompletionItem(outcome.text, at)];
    } catch (err) {
      if (!isAbort(err) && !token.isCancellationRequested) this.log.warn(`ghost text failed: ${errorText(err)}`);
      return undefined;
    } finally {
      bridge.dispose();
      if (ours) this.live.clear(ours);
    }
  }

  /** Forget cached suggestions for a document (e.g. after a fill rewrote it). */
  forget(document: vscode.TextDocument): void {
    this.ghost.forget(document.uri.toString());
  }

  /**
   * Prefill ahead (completion/prefill/prefillAhead.ts) when an editor comes to the front or its cursor moves to
   * another line by keyboard or mouse, so the first suggestion there finds a warm canvas. Only with the model already
   * loaded and allowed to run ghost text: opening a file never loads a model by itself.
   */
  watchCursor(): vscode.Disposable {
    const lines = new WeakMap<vscode.TextEditor, number>();
    const prefillAt = (editor: vscode.TextEditor | undefined) => {
      if (!editor || !['ready', 'busy'].includes(this.host.state.state) || !this.host.ghostTextAllowed()) return;
      if (!ghostTextEnabledFor(editor.document.languageId) || !editor.selection.isEmpty) return;
      const at = inputAt(editor.document, editor.selection.active);
      if (typeof at === 'string') return;
      const s = ghostTextSettings();
      this.prefill.now(at.input, { lineTokens: s.lineTokens, blockTokens: s.blockTokens, ...contextBudget(), minConfidence: 0, sampler: samplerOverrides() });
    };
    return vscode.Disposable.from(
      vscode.window.onDidChangeActiveTextEditor((e) => prefillAt(e)),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const line = e.selections[0]?.active.line ?? -1;
        const before = lines.get(e.textEditor);
        lines.set(e.textEditor, line);
        const moved = e.kind === vscode.TextEditorSelectionChangeKind.Keyboard || e.kind === vscode.TextEditorSelectionChangeKind.Mouse;
        if (moved && before !== undefined && before !== line) prefillAt(e.textEditor);
      }),
    );
  }

  dispose(): void {
    this.prefill.dispose();
  }
}

/**
 * The pipeline's input at a position: the window around the cursor only (this runs on every keystroke: never a copy
 * of the whole document), or why the document is skipped.
 */
function inputAt(document: vscode.TextDocument, position: vscode.Position): { input: CompletionInput; ours?: vscode.TextEditor } | string {
  const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
  const textIn = (start: number, end: number) => document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
  const skip = skipReason(textIn(0, SNIFF_CHARS), maxDocumentSize(), length);
  if (skip) return skip;
  const offset = document.offsetAt(position);
  const span = windowSpan(offset, length, contextBudget());
  const editor = vscode.window.activeTextEditor;
  const ours = editor?.document === document ? editor : undefined;
  const indent = { insertSpaces: ours ? Boolean(ours.options.insertSpaces) : true, tabSize: ours ? Number(ours.options.tabSize) || 4 : 4 };
  return { input: { text: textIn(span.start, span.end), offset: offset - span.start, languageId: document.languageId, indent, documentKey: document.uri.toString() }, ours };
}

