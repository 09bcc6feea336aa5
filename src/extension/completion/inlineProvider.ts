import * as vscode from 'vscode';
import { GhostText } from '../../completion/ghostText';
import { windowSpan } from '../../completion/context/contextWindow';
import { contextBudget, ghostTextEnabledFor, ghostTextSettings, maxDocumentSize, samplerOverrides } from '../config';
import { isAbort } from '../model/engineApi';
import { errorText, type ModelHost } from '../model/modelHost';
import type { LiveDenoising } from '../ui/liveDenoising';
import { abortSignalFor } from '../shared/abortBridge';
import { debounce } from './debounce';
import { SNIFF_CHARS, skipReason } from '../shared/documentGuard';

/**
 * Ghost text in the editor: a thin adapter over the editor-free pipeline (src/completion/ghostText.ts). It reads the
 * document around the cursor and the settings, bridges cancellation to the worker, debounces, shows the gap live
 * while it denoises when asked to, and turns the pipeline's outcome into an inline completion item.
 */
export class DiffuCodeInlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly ghost = new GhostText();

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
    if (!ghostTextEnabledFor(document.languageId)) return undefined;
    // This runs on every keystroke: read the document's size, its head and the window around the cursor,
    // never a copy of the whole document.
    const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    const textIn = (start: number, end: number) => document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
    const skip = skipReason(textIn(0, SNIFF_CHARS), maxDocumentSize(), length);
    if (skip) {
      vscode.window.setStatusBarMessage(`DiffuCode: skipped (${skip})`, 5000);
      return undefined;
    }
    const settings = ghostTextSettings();
    const budget = contextBudget();
    const offset = document.offsetAt(position);
    const span = windowSpan(offset, length, budget);
    const editor = vscode.window.activeTextEditor;
    const ours = editor?.document === document ? editor : undefined;
    const indent = { insertSpaces: ours ? Boolean(ours.options.insertSpaces) : true, tabSize: ours ? Number(ours.options.tabSize) || 4 : 4 };
    const key = document.uri.toString();
    const at = new vscode.Range(position, position);
    const bridge = abortSignalFor(token);
    try {
      // The gate's default is the model's own calibrated value (its manifest), unless the user set one.
      const info = await this.host.load();
      if (!this.host.ghostTextAllowed()) return undefined; // a model too slow for ghost text (model/slowModel.ts)
      const minConfidence = settings.minConfidence ?? info.ghostText?.minConfidence ?? 0;
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      const liveEditor = settings.showDenoising ? ours : undefined;
      const started = Date.now();
      const outcome = await this.ghost.complete(
        { text: textIn(span.start, span.end), offset: offset - span.start, languageId: document.languageId, indent, documentKey: key },
        { lineTokens: settings.lineTokens, blockTokens: settings.blockTokens, ...budget, minConfidence, sampler: samplerOverrides() },
        (request) =>
          this.host.infill(request, {
            signal: bridge.signal,
            supersedeKey: key,
            onProgress: liveEditor ? (p) => !token.isCancellationRequested && this.live.show(liveEditor, [at], p.gaps) : undefined,
          }),
        { beforeRequest: () => (automatic ? debounce(settings.debounceMs, bridge.signal) : Promise.resolve(!bridge.signal.aborted)) },
      );
      const shown = outcome.shown ? JSON.stringify(outcome.text) : `nothing (${outcome.reason})`;
      const conf = outcome.confidence ? ` min p ${outcome.confidence.min.toFixed(3)} (gate ${minConfidence})` : '';
      this.log.debug(`ghost text ${outcome.mode}: ${JSON.stringify(outcome.raw ?? '')} -> ${shown}${conf} in ${Date.now() - started} ms`);
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
}

