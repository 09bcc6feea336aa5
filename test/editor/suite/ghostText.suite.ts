import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, log, openFile, test, waitFor } from './harness';

type Api = Awaited<ReturnType<typeof api>>;
type Provide = Api['inline']['provideInlineCompletionItems'];

function texts(items: vscode.InlineCompletionItem[] | undefined): string[] {
  return (items ?? []).map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value));
}

const neverCancelled: vscode.CancellationToken = new vscode.CancellationTokenSource().token;
const invoke: vscode.InlineCompletionContext = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined };

test('VS Code asks the provider for ghost text and gets a suggestion from the real worker and model', async () => {
  const a = await api();
  const editor = await openFile('import math\n\n\ndef add(a, b):\n    return \n');
  editor.selection = new vscode.Selection(4, 11, 4, 11);
  const real: Provide = a.inline.provideInlineCompletionItems.bind(a.inline);
  const seen: string[][] = [];
  a.inline.provideInlineCompletionItems = async (...args) => {
    const items = await real(...args);
    if (!args[3].isCancellationRequested) seen.push(texts(items));
    return items;
  };
  try {
    // The same command as Alt+\ : the editor calls every inline provider for the cursor position.
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('VS Code to call the provider', () => seen.length > 0, 180_000);
    log(`ghost text offered to VS Code: ${JSON.stringify(seen[0])}; model state ${a.host.state.state}`);
    assert.equal(seen[0].length, 1, 'one suggestion');
    assert.ok(seen[0][0].trim().length > 0, 'the suggestion is not empty');
    assert.ok(!seen[0][0].includes('\n'), 'single-line mode at the end of a line');
  } finally {
    a.inline.provideInlineCompletionItems = real;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  }
});

test('typing what was suggested reuses the cached suggestion instead of asking the model again', async () => {
  const a = await api();
  const editor = await openFile('def mul(a, b):\n    return \n');
  const at = new vscode.Position(1, 11);
  const real = a.host.infill.bind(a.host);
  let calls = 0;
  a.host.infill = (req, opts) => {
    calls++;
    return real(req, opts);
  };
  try {
    const first = texts(await a.inline.provideInlineCompletionItems(editor.document, at, invoke, neverCancelled));
    log(`first suggestion: ${JSON.stringify(first)}`);
    assert.equal(calls, 1);
    assert.equal(first.length, 1);
    const typed = first[0][0];
    await editor.edit((e) => e.insert(at, typed));
    const next = texts(await a.inline.provideInlineCompletionItems(editor.document, at.translate(0, 1), invoke, neverCancelled));
    log(`after typing ${JSON.stringify(typed)}: ${JSON.stringify(next)}`);
    assert.equal(calls, 1, 'no second model request');
    if (first[0].length > 1) assert.deepEqual(next, [first[0].slice(1)]);
  } finally {
    a.host.infill = real;
  }
});

test('a cancelled request is stopped and shows nothing', async () => {
  const a = await api();
  const editor = await openFile('def sub(a, b):\n    return \n');
  const source = new vscode.CancellationTokenSource();
  const pending = a.inline.provideInlineCompletionItems(editor.document, new vscode.Position(1, 11), invoke, source.token);
  source.cancel();
  assert.equal(await pending, undefined);
});
