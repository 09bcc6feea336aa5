import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../../src/extension/commands/holeFill';
import { api, log, openFile, setSetting, test } from './harness';

const DOCS = [
  'numbers = [1, 2, 3]\ntotal = sum(<|mask:8|>)\nprint(<|mask:8|>)\n',
  'def area(w, h):\n    return <|mask:8|>\n\n\ndef perimeter(w, h):\n    return <|mask:12|>\n',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + <|mask:8|>\n',
  'def square(x):\n    return <|mask:6|>\n\nprint(square(3))\n',
  'import <|mask:4|>\n\n\ndef main():\n    <|mask:16|>\n',
  'x = <|mask:8|>\ny = <|mask:8|>\nprint(x + y)\n',
];

test('after a fill, low-confidence tokens are marked and "Refine" refills just those', async () => {
  const a = await api();
  // Mark every token as uncertain so the test does not depend on what the model is sure about.
  await setSetting('refine.confidenceThreshold', 1);
  try {
    // Whitespace is never marked, and the small model sometimes fills a hole with nothing else: try a few.
    let editor: vscode.TextEditor | undefined;
    let spans: ReturnType<typeof a.marks.get> = [];
    for (const doc of DOCS) {
      editor = await openFile(doc);
      const fill = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
      assert.equal(fill?.kind, 'applied');
      spans = a.marks.get(editor.document);
      log(`filled ${JSON.stringify(editor.document.getText())}; marked spans: ${JSON.stringify(spans)}`);
      if (spans.length > 0) break;
    }
    assert.ok(editor && spans.length > 0, 'low-confidence spans are marked');
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
