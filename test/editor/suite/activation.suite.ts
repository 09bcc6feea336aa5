import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, log, test } from './harness';

test('activates without starting the model, and contributes its commands', async () => {
  const a = await api();
  assert.equal(a.host.state.state, 'idle', 'the worker must start lazily, on the first request');
  assert.match(a.statusText(), /DiffuCode/);
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['diffucode.fillMasked', 'diffucode.rewriteSelection', 'diffucode.refineLowConfidence', 'diffucode.selectModel', 'diffucode.showLog', 'diffucode.toggleGhostText']) {
    assert.ok(commands.includes(c), `${c} is not registered`);
  }
  log(`VS Code ${vscode.version}, Node ${process.version}, status: ${a.statusText()}`);
});
