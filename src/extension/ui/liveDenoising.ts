import * as vscode from 'vscode';
import { MASK_PLACEHOLDER } from '../model/engineApi';
import { previewText } from './previewText';

/**
 * Shows a gap resolving live while the worker denoises it: after each step the decoration after the gap's
 * position shows the committed tokens, with ░ for slots still masked. This is what only a diffusion model can
 * show: the whole span sharpening at once instead of text streaming left to right.
 */
export class LiveDenoising implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' },
  });
  private readonly markerType = vscode.window.createTextEditorDecorationType({ opacity: '0.35' });

  /** `anchors[i]` is where gap i is (an empty range for ghost text, the marker's range for a fill). */
  show(editor: vscode.TextEditor, anchors: vscode.Range[], gaps: string[]): void {
    const options = anchors.map((range, i) => ({
      range: new vscode.Range(range.end, range.end),
      renderOptions: { after: { contentText: previewText(gaps[i] ?? '') || MASK_PLACEHOLDER } },
    }));
    editor.setDecorations(this.type, options);
    editor.setDecorations(this.markerType, anchors.filter((r) => !r.isEmpty));
  }

  clear(editor: vscode.TextEditor | undefined): void {
    if (!editor) return;
    editor.setDecorations(this.type, []);
    editor.setDecorations(this.markerType, []);
  }

  dispose(): void {
    this.type.dispose();
    this.markerType.dispose();
  }
}
