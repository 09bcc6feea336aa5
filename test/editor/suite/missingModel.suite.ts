import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../../src/extension/commands/holeFill';
import { api, log, openFile, setSetting, test, waitFor } from './harness';

test('a missing model folder shows a clear error in the status bar and loses nothing', async () => {
  const a = await api();
  const missing = '/nonexistent/diffucode-model';
  const previous = vscode.workspace.getConfiguration('diffucode').inspect<string>('modelPath')?.globalValue;
  await setSetting('modelPath', missing);
  try {
    await waitFor('the new model path to apply', () => a.host.modelDir() === missing, 30_000);
    const editor = await openFile('x = <|mask:4|>\n');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
    log(`status with a missing model: ${a.statusText()}`);
    assert.equal(outcome?.kind, 'failed');
    assert.match(a.statusText(), /error/);
    assert.match(a.statusText(), /Model folder not found: \/nonexistent\/diffucode-model/);
    assert.equal(editor.document.getText(), 'x = <|mask:4|>\n', 'the document is untouched');
  } finally {
    await setSetting('modelPath', previous);
  }
  await waitFor('the previous model to be chosen again', () => a.host.modelDir() !== missing, 30_000);
});

test('a relative model path is refused with the fix, in the status bar, and loses nothing', async () => {
  const a = await api();
  const relative = 'models/dream';
  const previous = vscode.workspace.getConfiguration('diffucode').inspect<string>('modelPath')?.globalValue;
  await setSetting('modelPath', relative);
  try {
    await waitFor('the new model path to apply', () => a.host.modelDir() === relative, 30_000);
    const editor = await openFile('x = <|mask:4|>\n');
    const outcome = await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked');
    log(`status with a relative model path: ${a.statusText()}`);
    assert.equal(outcome?.kind, 'failed');
    assert.match(a.statusText(), /diffucode\.modelPath "models\/dream" is not an absolute path/);
    assert.equal(editor.document.getText(), 'x = <|mask:4|>\n', 'the document is untouched');
  } finally {
    await setSetting('modelPath', previous);
  }
  await waitFor('the previous model to be chosen again', () => a.host.modelDir() !== relative, 30_000);
});
