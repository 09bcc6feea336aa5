import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, log, openFile, test, waitFor } from './harness';

test('activates without starting the model, and contributes its commands', async () => {
  const a = await api();
  assert.equal(a.host.state.state, 'idle', 'the worker must start lazily, on the first request');
  assert.match(a.statusText(), /DiffuCode/);
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['diffucode.fillMasked', 'diffucode.rewriteSelection', 'diffucode.refineLowConfidence', 'diffucode.selectModel', 'diffucode.getModel', 'diffucode.convertCheckpoint', 'diffucode.setHubToken', 'diffucode.showLog', 'diffucode.toggleGhostText']) {
    assert.ok(commands.includes(c), `${c} is not registered`);
  }
  log(`VS Code ${vscode.version}, Node ${process.version}, status: ${a.statusText()}`);
});

test('"Toggle ghost text" turns ghost text off and on, and the status bar says so', async () => {
  const a = await api();
  const editor = await openFile('def add(a, b):\n    return \n');
  const invoke: vscode.InlineCompletionContext = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined };
  await vscode.commands.executeCommand('diffucode.toggleGhostText');
  try {
    await waitFor('the status bar to show ghost text off', () => a.statusText().includes('ghost text off'), 30_000);
    const items = await a.inline.provideInlineCompletionItems(editor.document, new vscode.Position(1, 11), invoke, new vscode.CancellationTokenSource().token);
    assert.equal(items, undefined, 'no ghost text while it is off');
  } finally {
    await vscode.commands.executeCommand('diffucode.toggleGhostText');
  }
  await waitFor('the status bar to show ghost text on', () => !a.statusText().includes('ghost text off'), 30_000);
});

test('workspace settings cannot choose the model folder', async () => {
  const a = await api();
  const bundled = a.host.modelDir();
  const config = vscode.workspace.getConfiguration('diffucode');
  // The setting is machine-scoped: VS Code refuses to write it into workspace settings, and even a value
  // put there by hand (a cloned repository's .vscode/settings.json) is not read.
  const written = await config.update('modelPath', '/tmp/evil-model', vscode.ConfigurationTarget.Workspace).then(
    () => true,
    (err: unknown) => {
      log(`writing modelPath to workspace settings was refused: ${err instanceof Error ? err.message : err}`);
      return false;
    },
  );
  try {
    assert.equal(a.host.modelDir(), bundled);
  } finally {
    if (written) await config.update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('executionProvider "auto" (the default): the bundled model runs on the CPU, and the tooltip says why', async () => {
  const a = await api();
  assert.equal(vscode.workspace.getConfiguration('diffucode').get('executionProvider'), 'auto');
  const info = await a.host.load();
  assert.equal(info.provider, 'cpu');
  await waitFor('the ready state with the reason', () => /auto chose the CPU: this model is small/.test(a.statusText()), 60_000);
  log(`status after load: ${a.statusText()}`);
});
