import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../../src/extension/commands/holeFill';
import { api, log, openFile, setSetting, test } from './harness';

test('after a fill, low-confidence tokens are marked and "Refine" refills just those', async () => {
  const a = await api();
  // Mark every token as uncertain so the test does not depend on what the model is sure about.
  await setSetting('refine.confidenceThreshold', 1);
  try {
    const editor = await openFile('def square(x):\n    return <|mask:6|>\n\nprint(square(3))\n');
    const fill = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
    assert.equal(fill?.kind, 'applied');
    const spans = a.marks.get(editor.document);
    log(`marked spans: ${JSON.stringify(spans)}`);
    assert.ok(spans.length > 0, 'low-confidence spans are marked');
    const before = editor.document.getText();
    const first = spans[0].start;
    const last = spans[spans.length - 1].end;
    const refine = await vscode.commands.executeCommand<FillOutcome>('diffucode.refineLowConfidence');
    assert.equal(refine?.kind, 'applied');
    const after = editor.document.getText();
    log(`refined: ${JSON.stringify(after)}`);
    assert.ok(after.startsWith(before.slice(0, first)), 'text before the marked spans is unchanged');
    assert.ok(after.endsWith(before.slice(last)), 'text after the marked spans is unchanged');
  } finally {
    await setSetting('refine.confidenceThreshold', undefined);
  }
});
