import * as vscode from 'vscode';
import { contextBudget, ghostTextEnabledFor, ghostTextSettings, maxDocumentSize, samplerOverrides } from '../config';
import { errorText, isAbort, type ModelHost } from '../model/modelHost';
import type { LiveDenoising } from '../ui/liveDenoising';
import { abortSignalFor } from './abortBridge';
import { contextWindow, windowSpan } from './contextWindow';
import { debounce } from './debounce';
import { SNIFF_CHARS, skipReason } from './documentGuard';
import { postProcess } from './filters/pipeline';
import type { FilterContext } from './filters/types';
import { chooseGap } from './gapSizing';
import { TypingCache } from './typingCache';

const NEXT_LINES = 8;

/**
 * Ghost text. Reads top to bottom: guards, context, cache, debounce, one model request (cancellable down to
 * the worker, superseded per document), filter, cache what is shown, return.
 */
export class DiffuCodeInlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly cache = new TypingCache();

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
    const offset = document.offsetAt(position);
    const span = windowSpan(offset, length, contextBudget());
    const { prefix, suffix } = contextWindow(textIn(span.start, span.end), offset - span.start, contextBudget());
    const line = document.lineAt(position.line).text;
    const linePrefix = line.slice(0, position.character);
    const lineSuffix = line.slice(position.character);
    const previous = [];
    for (let l = Math.max(0, position.line - 8); l < position.line; l++) previous.push(document.lineAt(l).text);
    const gap = chooseGap(linePrefix, lineSuffix, previous, settings);
    const nextLines = [];
    for (let l = position.line + 1; l < Math.min(document.lineCount, position.line + 1 + NEXT_LINES); l++) nextLines.push(document.lineAt(l).text);
    const editor = vscode.window.activeTextEditor;
    const indent = {
      insertSpaces: editor?.document === document ? Boolean(editor.options.insertSpaces) : true,
      tabSize: editor?.document === document ? Number(editor.options.tabSize) || 4 : 4,
    };
    const filterCtx: FilterContext = { linePrefix, lineSuffix, nextLines, mode: gap.mode, indent };
    const key = document.uri.toString();

    const cached = this.cache.get(key, prefix, suffix);
    if (cached !== undefined) {
      const shown = postProcess(cached, filterCtx);
      if (shown !== '') return [new vscode.InlineCompletionItem(shown, new vscode.Range(position, position))];
    }

    const bridge = abortSignalFor(token);
    try {
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      if (automatic && !(await debounce(settings.debounceMs, bridge.signal))) return undefined;
      const liveEditor = settings.showDenoising && editor?.document === document ? editor : undefined;
      const at = new vscode.Range(position, position);
      const started = Date.now();
      const result = await this.host.infill(
        // A line-mode gap ends at its first line break (trimToLine would cut there anyway): the engine then stops
        // spending forward passes on masks past it.
        { pieces: [prefix, suffix], gaps: [{ maxTokens: gap.maxTokens, singleLine: gap.mode === 'line' }], sampler: samplerOverrides(), budget: contextBudget() },
        {
          signal: bridge.signal,
          supersedeKey: key,
          onProgress: liveEditor ? (p) => !token.isCancellationRequested && this.live.show(liveEditor, [at], p.gaps) : undefined,
        },
      );
      const raw = result.gaps[0]?.text ?? '';
      const shown = postProcess(raw, filterCtx);
      // Cache what is shown, not the raw text: the user types what they see (filters may drop a leading
      // space or add a closing bracket), so that is what a later prefix must extend.
      if (shown !== '') this.cache.put(key, prefix, suffix, shown);
      this.log.debug(`ghost text ${gap.mode}/${gap.maxTokens}: ${JSON.stringify(raw)} -> ${JSON.stringify(shown)} in ${Date.now() - started} ms`);
      if (shown === '' || token.isCancellationRequested) return undefined;
      return [new vscode.InlineCompletionItem(shown, at)];
    } catch (err) {
      if (!isAbort(err) && !token.isCancellationRequested) this.log.warn(`ghost text failed: ${errorText(err)}`);
      return undefined;
    } finally {
      bridge.dispose();
      if (editor) this.live.clear(editor);
    }
  }

  /** Forget cached suggestions for a document (e.g. after a fill rewrote it). */
  forget(document: vscode.TextDocument): void {
    this.cache.clear(document.uri.toString());
  }
}
