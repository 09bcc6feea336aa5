import * as vscode from 'vscode';
import type { Hole } from '../masks/findMasks';
import type { ConfidenceMarks } from '../ui/confidenceMarks';
import { fillHoles, guardDocument, report, type FillOutcome, type HoleFillDeps } from './holeFill';

/** Slack over a span's token count: the refill may need a token more, and a stop token shortens it anyway. */
const SLACK = 2;

/**
 * "DiffuCode: Refine low-confidence tokens": re-masks only the spans the last fill was unsure about and
 * refills them jointly, with everything the model was sure about (and the user's code) as context.
 */
export async function refineCommand(deps: HoleFillDeps & { marks: ConfidenceMarks }): Promise<FillOutcome | undefined> {
  const editor = vscode.window.activeTextEditor;
  const spans = editor ? deps.marks.get(editor.document) : [];
  if (!editor || spans.length === 0) {
    void vscode.window.showInformationMessage('DiffuCode: no low-confidence tokens are marked in this editor (run a fill first).');
    return undefined;
  }
  const skipped = guardDocument(editor.document);
  if (skipped) return { kind: 'skipped', message: skipped };
  const holes: Hole[] = spans.map((s) => ({ start: s.start, end: s.end, maxTokens: s.tokens + SLACK }));
  const outcome = await fillHoles(deps, editor.document, holes, `DiffuCode: refining ${holes.length} span${holes.length === 1 ? '' : 's'}`);
  if (outcome.kind === 'applied') deps.marks.set(editor.document, outcome.lowConfidence);
  report(outcome);
  return outcome;
}
