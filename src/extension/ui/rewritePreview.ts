import * as vscode from 'vscode';
import type { Span } from '../masks/reanchor';

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
 */
export class RewritePreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private pending?: PendingRewrite;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
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
    this.changed.dispose();
  }
}

/** Opens the diff and offers Apply/Discard without a modal dialog (the user can keep reading the diff). */
export async function fillPreview(preview: RewritePreview, p: PendingRewrite): Promise<void> {
  const uri = preview.set(p);
  await vscode.commands.executeCommand('vscode.diff', p.document.uri, uri, 'Rewrite with DiffuCode (preview)', { preview: true });
  void vscode.window.showInformationMessage('DiffuCode: apply the rewrite?', 'Apply', 'Discard').then((choice) => {
    if (preview.peek() !== p) return; // already handled through the editor buttons
    if (choice === 'Apply') void vscode.commands.executeCommand('diffucode.acceptRewrite');
    else if (choice === 'Discard') void vscode.commands.executeCommand('diffucode.discardRewrite');
  });
}
