import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../../src/extension/commands/holeFill';
import { api, log, openFile, test, waitFor } from './harness';

const TWO_HOLES = 'def area(w, h):\n    return <|mask:8|>\n\n\ndef perimeter(w, h):\n    return <|mask:12|>\n';

test('"Fill masked region" fills two holes in one edit, and one undo restores the document', async () => {
  const a = await api();
  const editor = await openFile(TWO_HOLES);
  const versionBefore = editor.document.version;
  // Watch the joint request: both gaps in one call, and per-step progress (what the live decoration draws).
  const real = a.host.infill.bind(a.host);
  const requests: number[] = [];
  let steps = 0;
  a.host.infill = (req, opts) => {
    requests.push(req.gaps.length);
    const onProgress = opts.onProgress;
    return real(req, { ...opts, onProgress: onProgress && ((p) => (steps++, onProgress(p))) });
  };
  let outcome: FillOutcome | undefined;
  try {
    outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
  } finally {
    a.host.infill = real;
  }
  assert.deepEqual(requests, [2], 'one engine call holding both gaps');
  assert.ok(steps > 0, 'denoising steps were reported while the fill ran');
  log(`fill outcome: ${outcome?.kind}; text: ${JSON.stringify(editor.document.getText())}`);
  assert.equal(outcome?.kind, 'applied');
  const text = editor.document.getText();
  assert.ok(!text.includes('<|mask'), 'both markers are replaced');
  assert.ok(text.startsWith('def area(w, h):\n    return '), 'text before the first hole is unchanged');
  assert.ok(text.includes('\n\n\ndef perimeter(w, h):\n    return '), 'text between the holes is unchanged');
  assert.equal(editor.document.version, versionBefore + 1, 'one edit for both holes');
  await vscode.commands.executeCommand('undo');
  assert.equal(editor.document.getText(), TWO_HOLES, 'one undo restores the document');
});

test('typing during a fill loses nothing: the fill is re-anchored around the user\'s text', async () => {
  const a = await api();
  const editor = await openFile(TWO_HOLES);
  const running = vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
  // Edit while the model works: wait until the request is in the worker, then type at the top.
  await waitFor('the fill request to start', () => a.host.state.state === 'busy' || a.host.state.state === 'loading', 60_000).catch(() => undefined);
  const typed = '# typed while the model was filling\n';
  assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), typed)), 'the user edit was applied');
  const outcome = await running;
  const text = editor.document.getText();
  log(`fill during typing: ${outcome?.kind} ${outcome && 'message' in outcome ? outcome.message : ''}; text: ${JSON.stringify(text)}`);
  assert.ok(text.startsWith(typed + 'def area(w, h):'), 'the user\'s text survived');
  assert.equal(outcome?.kind, 'applied');
  assert.ok(!text.includes('<|mask'), 'both holes were filled at their new place');
});

test('a document without markers or selection is left alone', async () => {
  const editor = await openFile('x = 1\n');
  const outcome = await vscode.commands.executeCommand<FillOutcome | undefined>('diffucode.fillMasked');
  assert.equal(outcome, undefined);
  assert.equal(editor.document.getText(), 'x = 1\n');
});

test('a huge document is skipped with a status message, not sent to the model', async () => {
  const big = '# filler\n'.repeat(120_000) + 'x = <|mask|>\n';
  const editor = await openFile(big);
  const outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
  assert.equal(outcome?.kind, 'skipped');
  assert.ok(editor.document.getText().endsWith('x = <|mask|>\n'));
});

test('a CRLF document: the model is shown LF and the fill is applied with CRLF (no mixed line endings)', async () => {
  const a = await api();
  const editor = await openFile('def area(w, h):\r\n    <|mask:24|>\r\n\r\n\r\ndef perimeter(w, h):\r\n    return 2 * (w + h)\r\n');
  assert.equal(editor.document.eol, vscode.EndOfLine.CRLF);
  const real = a.host.infill.bind(a.host);
  const shown: string[] = [];
  // The model answers with a line break in the gap, so the test does not depend on what the model writes.
  a.host.infill = async (req, opts) => {
    shown.push(...req.pieces);
    const r = await real(req, opts);
    r.gaps[0] = { ...r.gaps[0], text: 'x = w * h\n    return x', tokens: [{ id: 0, text: 'x = w * h\n    return x', confidence: 1 }] };
    return r;
  };
  let outcome: FillOutcome | undefined;
  try {
    outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
  } finally {
    a.host.infill = real;
  }
  assert.equal(outcome?.kind, 'applied');
  assert.ok(shown.length > 0 && shown.every((p) => !p.includes('\r')), `the model was shown LF text: ${JSON.stringify(shown)}`);
  assert.equal(outcome?.kind === 'applied' && outcome.gaps[0].text, 'x = w * h\r\n    return x');
  const text = editor.document.getText();
  assert.equal(text, 'def area(w, h):\r\n    x = w * h\r\n    return x\r\n\r\n\r\ndef perimeter(w, h):\r\n    return 2 * (w + h)\r\n');
});

test('a marker larger than the model context is refused naming the limit; the document is untouched', async () => {
  const content = 'x = <|mask:99999|>\n';
  const editor = await openFile(content);
  const outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
  assert.equal(outcome?.kind, 'refused');
  assert.match(outcome && 'message' in outcome ? outcome.message : '', /mask marker "<\|mask:99999\|>" asks for 99999 tokens, more than the model .* can hold: its context is \d+ tokens/);
  assert.equal(editor.document.getText(), content);
});
