// The model's state as the user sees it: a model loads as soon as it is selected, and when ghost text is off for a
// model too slow for it, the status bar, an explicit trigger (Alt+\) and the notice say so and why.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, log, openFile, setSetting, test, waitFor } from './harness';

test('a model loads right after it is selected, with no keystroke', async () => {
  const a = await api();
  a.host.reset('test: start from an unloaded model');
  assert.equal(a.host.state.state, 'idle');
  const previous = vscode.workspace.getConfiguration('diffucode').inspect<string>('modelPath')?.globalValue;
  const states: string[] = [];
  const sub = a.host.onDidChangeState((s) => states.push(s.state));
  try {
    const picked = vscode.commands.executeCommand<string | undefined>('diffucode.selectModel');
    let done = false;
    void picked.then(() => (done = true), () => (done = true));
    // Enter on the first entry (the bundled model), as the user would; the quick pick opens asynchronously.
    for (let i = 0; i < 100 && !done; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.equal(await picked, '', 'the bundled model was selected');
    await waitFor('the selected model to be loaded', () => a.host.state.state === 'ready', 120_000);
    log(`states after selecting: ${states.join(' > ')}`);
    assert.ok(states.includes('loading'), 'it loaded after the selection');
  } finally {
    sub.dispose();
    await setSetting('modelPath', previous);
  }
});

test('a model too slow for ghost text: the status bar says why, Alt+\\ says why, "Turn on anyway" turns it on', async () => {
  const a = await api();
  const info = await a.host.load();
  assert.ok(info.speed, 'the extension measures the model after loading');
  // The bundled model is fast here, so the host is given a slow measurement (7B-like on a laptop CPU); the verdict
  // itself is tested in slowModel.test.ts. Everything after it is the real status bar, trigger and settings.
  const slow = { ...info, speed: { ...info.speed!, fullPassMs: 1500, windowPassMs: 150, coldMs: 5100, warmMs: 1200, ghostTextMs: 5100 } };
  // No explicit choice in the settings (an earlier toggle leaves one), so the verdict applies.
  await setSetting('ghostText.enabled', undefined);
  await waitFor('the setting to be unset', () => vscode.workspace.getConfiguration('diffucode').inspect<boolean>('ghostText.enabled')?.globalValue === undefined, 10_000);
  const before = a.ghostTextNotices().length;
  a.host.judgeSpeed(slow);
  try {
    await waitFor('the status bar to say ghost text is off', () => a.statusText().includes('ghost text off'), 30_000);
    log(`status: ${a.statusText()}`);
    assert.match(a.statusText(), /Ghost text off: model too slow here: ~5\.1 s per suggestion/);
    assert.equal(a.ghostTextNotices().length, before + 1, `the notice comes once when the slow model loads: ${JSON.stringify(a.ghostTextNotices())} (${before} before)`);
    assert.match(a.ghostTextNotices().at(-1)!, /ghost text is off for diffucode-tiny: it needs ~5\.1 s per suggestion/);
    assert.doesNotMatch(a.ghostTextNotices().at(-1)!, /set diffucode\.ghostText\.enabled/);

    // Alt+\ is VS Code's "Trigger inline suggestion": with ghost text off for the model it says why.
    const editor = await openFile('def add(a, b):\n    return \n');
    editor.selection = new vscode.Selection(1, 11, 1, 11);
    const n = a.ghostTextNotices().length;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('the trigger to say why there is no ghost text', () => a.ghostTextNotices().length > n, 60_000);
    assert.match(a.ghostTextNotices().at(-1)!, /~5\.1 s per suggestion/);

    // The notice's and the menu's "Turn on anyway".
    await vscode.commands.executeCommand('diffucode.ghostTextOnAnyway');
    await waitFor('ghost text to be on again', () => !a.statusText().includes('ghost text off'), 30_000);
    assert.equal(a.host.ghostTextAllowed(), true);
    assert.equal(vscode.workspace.getConfiguration('diffucode').inspect<boolean>('ghostText.enabled')?.globalValue, true);
  } finally {
    await setSetting('ghostText.enabled', undefined);
    a.host.judgeSpeed(info);
  }
  await waitFor('the real verdict again', () => !a.statusText().includes('ghost text off'), 30_000);
});
