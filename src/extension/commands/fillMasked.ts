import * as vscode from 'vscode';
import { markerSyntax } from '../config';
import { findMasks, MarkerError, type Hole } from '../masks/findMasks';
import type { ConfidenceMarks } from '../ui/confidenceMarks';
import { fillHoles, guardDocument, report, type FillOutcome, type HoleFillDeps } from './holeFill';

/** Roughly how many tokens a selection holds, with room for the model to write a little more. */
export function tokensForSelection(text: string, minimum: number): number {
  return Math.max(minimum, Math.ceil(text.length / 3) + 8);
}

/**
 * "DiffuCode: Fill masked region": every mask marker of the document (or the selection, as one gap) is filled
 * in one joint pass. Returns the outcome for the editor tests; users see it as an edit or a message.
 */
export async function fillMaskedCommand(deps: HoleFillDeps & { marks: ConfidenceMarks }): Promise<FillOutcome | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('DiffuCode: open a document with mask markers first.');
    return undefined;
  }
  const document = editor.document;
  const skipped = guardDocument(document);
  if (skipped) return { kind: 'skipped', message: skipped };
  const syntax = markerSyntax();
  let holes: Hole[];
  if (!editor.selection.isEmpty) {
    const start = document.offsetAt(editor.selection.start);
    const end = document.offsetAt(editor.selection.end);
    holes = [{ start, end, maxTokens: tokensForSelection(document.getText(editor.selection), syntax.defaultTokens) }];
  } else {
    try {
      holes = await findMasksForModel(document.getText(), syntax, deps);
    } catch (e) {
      if (!(e instanceof MarkerError)) throw e;
      const refused: FillOutcome = { kind: 'refused', message: `DiffuCode: ${e.message}` };
      report(refused);
      return refused;
    }
  }
  if (holes.length === 0) {
    void vscode.window.showInformationMessage(
      `DiffuCode: no mask markers (${syntax.open}${syntax.close} or ${syntax.open}:N${syntax.close}) in this document, and no selection.`,
    );
    return undefined;
  }
  const title = `DiffuCode: filling ${holes.length} gap${holes.length === 1 ? '' : 's'}`;
  const outcome = await fillHoles(deps, document, holes, title);
  if (outcome.kind === 'applied') deps.marks.set(document, outcome.lowConfidence);
  report(outcome);
  return outcome;
}

/**
 * Markers are checked against the model's context (the one limit the CLI uses too), which needs the model's
 * info: a bad size is refused before anything is sent. When the model cannot load, the sizes go unchecked here
 * and the fill itself reports the load error, as before.
 */
async function findMasksForModel(text: string, syntax: ReturnType<typeof markerSyntax>, deps: HoleFillDeps): Promise<Hole[]> {
  const holes = findMasks(text, syntax);
  if (holes.length === 0) return holes;
  const info = await deps.host.load().catch(() => undefined);
  return info ? findMasks(text, syntax, info) : holes;
}
