import * as vscode from 'vscode';
import type { ConfidenceSpan } from '../masks/confidenceSpans';
import { shiftSpans } from '../masks/shiftSpans';

/**
 * Remembers, per document, the low-confidence spans of the last fill and shows them (dotted underline, hover
 * with the confidence). Spans follow the user's edits and are forgotten once edited, so "Refine" only ever
 * re-masks text the model wrote. The context key drives the Refine command's menus and keybinding.
 */
export class ConfidenceMarks implements vscode.Disposable {
  private readonly spans = new Map<string, ConfidenceSpan[]>();
  private readonly type = vscode.window.createTextEditorDecorationType({
    borderStyle: 'none none dotted none',
    borderWidth: '0 0 2px 0',
    borderColor: new vscode.ThemeColor('editorWarning.foreground'),
  });
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    this.subs.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        const current = this.spans.get(key);
        if (!current || e.contentChanges.length === 0) return;
        const changes = e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text }));
        this.store(e.document, shiftSpans(current, changes));
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidCloseTextDocument((d) => this.spans.delete(d.uri.toString())),
    );
  }

  set(document: vscode.TextDocument, spans: ConfidenceSpan[]): void {
    this.store(document, spans);
  }

  get(document: vscode.TextDocument): ConfidenceSpan[] {
    return this.spans.get(document.uri.toString()) ?? [];
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.type.dispose();
  }

  private store(document: vscode.TextDocument, spans: ConfidenceSpan[]): void {
    if (spans.length === 0) this.spans.delete(document.uri.toString());
    else this.spans.set(document.uri.toString(), spans);
    this.refresh();
  }

  private refresh(): void {
    const editor = vscode.window.activeTextEditor;
    const spans = editor ? this.get(editor.document) : [];
    void vscode.commands.executeCommand('setContext', 'diffucode.hasLowConfidence', spans.length > 0);
    for (const e of vscode.window.visibleTextEditors) {
      const mine = this.get(e.document);
      e.setDecorations(
        this.type,
        mine.map((s) => ({
          range: new vscode.Range(e.document.positionAt(s.start), e.document.positionAt(s.end)),
          hoverMessage: new vscode.MarkdownString(
            (s.note
              ? `**DiffuCode**: ${s.note}. `
              : s.unfinished
                ? '**DiffuCode**: unfinished (the fill stopped here before every token was decided). '
                : `**DiffuCode**: low confidence (${Math.round(s.confidence * 100)}%, ${s.tokens} token${s.tokens === 1 ? '' : 's'}). `) +
              'Run *DiffuCode: Refine low-confidence tokens* to regenerate the marked spans.',
          ),
        })),
      );
    }
  }
}
