import * as vscode from 'vscode';
import type { Span } from '../masks/reanchor';
import { previewLanguageId } from './previewLanguage';

export const PREVIEW_SCHEME = 'diffucode-preview';

export interface PendingRewrite {
  document: vscode.TextDocument;
  /** The document text the rewrite was computed against. */
  original: string;
  span: Span;
  text: string;
}

/**
 * Holds the one pending rewrite and serves its "after" text as a read-only virtual document, shown against
 * the real document in VS Code's diff editor. A context key shows the Apply/Discard buttons while it is open.
 * Closing the diff tab discards the rewrite, like the Discard button.
 */
export class RewritePreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private pending?: PendingRewrite;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly settled = new vscode.EventEmitter<PendingRewrite>();
  /** The pending rewrite was applied or discarded, by whatever route (button, key, command, closing the tab). */
  readonly onDidSettle = this.settled.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  private readonly tabWatch = vscode.window.tabGroups.onDidChangeTabs((e) => {
    const uri = this.uri?.toString();
    if (this.pending && uri && e.closed.some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uri)) this.take();
  });
  private readonly languageWatch = vscode.workspace.onDidOpenTextDocument((doc) => {
    // Coloured in the document's language through a twin language no language server lints (previewLanguage.ts):
    // linting the preview would list its problems in the Problems panel as if they were the user's.
    if (doc.uri.scheme !== PREVIEW_SCHEME) return;
    const source = this.pending?.document.languageId;
    void vscode.languages.getLanguages().then((known) => {
      const id = previewLanguageId(source, known);
      if (!doc.isClosed && doc.languageId !== id) void vscode.languages.setTextDocumentLanguage(doc, id);
    });
  });
  private counter = 0;
  uri?: vscode.Uri;

  provideTextDocumentContent(uri: vscode.Uri): string {
    const p = this.pending;
    if (!p || uri.toString() !== this.uri?.toString()) return '';
    return p.original.slice(0, p.span.start) + p.text + p.original.slice(p.span.end);
  }

  set(p: PendingRewrite): vscode.Uri {
    this.pending = p;
    const name = p.document.uri.path.split('/').pop() ?? 'document';
    this.uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name}`, query: String(++this.counter) });
    void vscode.commands.executeCommand('setContext', 'diffucode.rewritePreviewOpen', true);
    return this.uri;
  }

  peek(): PendingRewrite | undefined {
    return this.pending;
  }

  take(): PendingRewrite | undefined {
    const p = this.pending;
    this.pending = undefined;
    void vscode.commands.executeCommand('setContext', 'diffucode.rewritePreviewOpen', false);
    if (p) this.settled.fire(p);
    return p;
  }

  /** Closes the diff tab of the preview, if it is still open. */
  async close(): Promise<void> {
    const uri = this.uri?.toString();
    if (!uri) return;
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
      const input = t.input;
      return input instanceof vscode.TabInputTextDiff && input.modified.toString() === uri;
    });
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  }

  dispose(): void {
    this.registration.dispose();
    this.tabWatch.dispose();
    this.languageWatch.dispose();
    this.changed.dispose();
    this.settled.dispose();
  }
}

/**
 * Opens the diff and says how to apply or discard it, without a modal dialog (the user can keep reading the diff).
 * The note is a progress notification because that is the kind VS Code lets an extension close: it closes as soon
 * as the rewrite is applied or discarded by any route; its Cancel discards.
 */
export async function fillPreview(preview: RewritePreview, p: PendingRewrite): Promise<void> {
  const uri = preview.set(p);
  await vscode.commands.executeCommand('vscode.diff', p.document.uri, uri, 'Rewrite with DiffuCode (preview)', { preview: true });
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'DiffuCode: rewrite ready. Apply: Ctrl+Enter or ✓ in the diff title; Cancel or ✕ discards.', cancellable: true },
    (_progress, token) =>
      new Promise<void>((resolve) => {
        if (preview.peek() !== p) return resolve();
        const settled = preview.onDidSettle((done) => done === p && finish());
        const cancelled = token.onCancellationRequested(() => preview.peek() === p && void vscode.commands.executeCommand('diffucode.discardRewrite'));
        function finish() {
          settled.dispose();
          cancelled.dispose();
          resolve();
        }
      }),
  );
}
