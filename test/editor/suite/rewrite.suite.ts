import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, log, openFile, test, waitFor } from './harness';

const SOURCE = 'def mean(xs):\n    total = 0\n    for x in xs\n        total += x\n    return total / len(xs)\n';

function titles(actions: vscode.CodeAction[] | undefined): string[] {
  return (actions ?? []).map((a) => a.title);
}

test('the rewrite code action is offered on a selection and as a quick fix on an error line', async () => {
  const editor = await openFile(SOURCE);
  const uri = editor.document.uri;
  const selected = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(1, 0, 3, 18));
  assert.ok(titles(selected).includes('Rewrite with DiffuCode'), `on a selection: ${titles(selected)}`);

  const diagnostics = vscode.languages.createDiagnosticCollection('diffucode-test');
  try {
    diagnostics.set(uri, [new vscode.Diagnostic(new vscode.Range(2, 4, 2, 15), 'expected ":"', vscode.DiagnosticSeverity.Error)]);
    const atError = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', uri, new vscode.Range(2, 6, 2, 6), vscode.CodeActionKind.QuickFix.value,
    );
    const fix = (atError ?? []).find((a) => a.title === 'Rewrite with DiffuCode');
    assert.ok(fix, `quick fix offered: ${titles(atError)}`);
    assert.ok(fix.kind?.contains(vscode.CodeActionKind.QuickFix));
    assert.ok(fix.command, 'the quick fix runs the rewrite command');
    // A selection that holds the error: one entry in the menu (the quick-fix menu lists refactors too).
    const both = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(1, 0, 3, 18));
    assert.equal(titles(both).filter((t) => t === 'Rewrite with DiffuCode').length, 1, `listed once: ${titles(both)}`);

    // Apply it the way the lightbulb does: run its command, then confirm the preview.
    const a = await api();
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    await waitFor('the rewrite preview', () => a.preview.peek() !== undefined);
    const previewTab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.ok(previewTab, 'the preview opens in a diff editor');
    const replacement = a.preview.peek()!.text;
    log(`rewrite of line 3: ${JSON.stringify(replacement)}`);
    assert.equal(await vscode.commands.executeCommand('diffucode.acceptRewrite'), true);
    const text = editor.document.getText();
    const lines = SOURCE.split('\n');
    assert.ok(text.startsWith(lines.slice(0, 2).join('\n') + '\n'), 'lines before the block are unchanged');
    assert.ok(text.endsWith('\n' + lines.slice(3).join('\n')), 'lines after the block are unchanged');
    assert.ok(text.includes(replacement), 'the block is the previewed rewrite');
    assert.equal(a.preview.peek(), undefined, 'the preview is closed');
    assert.ok(!vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputTextDiff), 'the diff tab is closed');
  } finally {
    diagnostics.dispose();
  }
});

test('closing the preview tab discards the rewrite; the preview is coloured in the document language and never adds to the Problems panel', async () => {
  const editor = await openFile(SOURCE);
  const a = await api();
  await vscode.commands.executeCommand('diffucode.rewriteSelection', editor.document.uri, new vscode.Range(2, 0, 2, 15));
  await waitFor('the rewrite preview', () => a.preview.peek() !== undefined);
  const uri = a.preview.uri!;
  const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  // Coloured as Python through its twin language, which no language server lints.
  await waitFor('the preview to take the Python twin language', () => preview?.languageId === 'diffucode-preview-python', 10_000);
  assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await waitFor('the rewrite to be discarded', () => a.preview.peek() === undefined, 10_000);
  assert.equal(editor.document.getText(), SOURCE, 'a discarded rewrite changes nothing');
});

test("the rewrite quick fix comes after the language's own fix and is never the preferred one", async () => {
  const editor = await openFile(SOURCE);
  const uri = editor.document.uri;
  const error = new vscode.Diagnostic(new vscode.Range(2, 4, 2, 15), 'expected ":"', vscode.DiagnosticSeverity.Error);
  const diagnostics = vscode.languages.createDiagnosticCollection('diffucode-test-lang');
  // What a language extension offers at its own error: a fix tied to the diagnostic and preferred, and one that
  // is not tied to it (many language servers send their fixes without the diagnostic).
  const language = vscode.languages.registerCodeActionsProvider({ language: 'python' }, {
    provideCodeActions(_doc, _range, context) {
      if (context.diagnostics.length === 0) return [];
      const tied = new vscode.CodeAction("Insert ':'", vscode.CodeActionKind.QuickFix);
      tied.diagnostics = [...context.diagnostics];
      tied.isPreferred = true;
      return [tied, new vscode.CodeAction('Add a missing colon', vscode.CodeActionKind.QuickFix)];
    },
  });
  try {
    diagnostics.set(uri, [error]);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', uri, new vscode.Range(2, 6, 2, 6), vscode.CodeActionKind.QuickFix.value,
    );
    const list = titles(actions);
    const ours = list.indexOf('Rewrite with DiffuCode');
    assert.ok(ours >= 0, `offered: ${list}`);
    for (const theirs of ["Insert ':'", 'Add a missing colon']) {
      assert.ok(list.includes(theirs) && list.indexOf(theirs) < ours, `the language's fixes first: ${list}`);
    }
    assert.equal(list[0], "Insert ':'", 'Ctrl+. then Enter applies the language fix');
    assert.ok(!actions![ours].isPreferred, 'never preferred');
  } finally {
    language.dispose();
    diagnostics.dispose();
  }
});
