// Parse-checked fills in the real extension host: a fill that would break the document's syntax is repaired by the
// real model (only the broken tokens remasked) or refused without touching the document; with "applyMarked" it is
// applied and the error marked. The first answer is made broken on purpose (the model's own answers vary); the
// repair rounds are the real model's.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../../src/extension/commands/holeFill';
import type { GapResult, InfillRequest } from '../../../src/extension/model/engineApi';
import { addedErrors } from '../../../src/syntax/addedErrors';
import { api, log, openFile, setSetting, test } from './harness';

const TS_DOC = 'interface User { name: string; active: boolean }\n\nfunction activate(user: User): void {\n  <|mask:16|>\n}\n\nexport const users: User[] = [];\n';
// What the issue saw in the editor: an assignment without a value, and closing braces the function does not need.
const BROKEN = 'user.active = ;\n}\n}';

/** A gap result whose tokens add up to its text (one token per line piece), as the engine's do. */
function answer(text: string): GapResult {
  const parts = text.match(/\n *|[ ]+|\w+|[^\w\s]/g) ?? [];
  return { text, tokens: parts.map((t, i) => ({ id: i, text: t, confidence: 0.9 })), stopped: true };
}

/** Runs the fill with the model's first answer replaced by `first`; later requests (the repair) go to the model unless `later` is given. */
async function fillWith(first: string, later?: string): Promise<{ outcome: FillOutcome | undefined; requests: InfillRequest[] }> {
  const a = await api();
  const real = a.host.infill.bind(a.host);
  const requests: InfillRequest[] = [];
  a.host.infill = async (req, opts) => {
    requests.push(req);
    if (requests.length > 1 && later === undefined) return real(req, opts);
    const r = await real(req, opts);
    return { ...r, gaps: r.gaps.map(() => answer(requests.length === 1 ? first : later!)) };
  };
  try {
    return { outcome: await vscode.commands.executeCommand<FillOutcome>('diffucode.fillMasked'), requests };
  } finally {
    a.host.infill = real;
  }
}

/** Runs `fn` with diffucode.fill.parseCheck set to `mode` in the user settings, then puts back what was there. */
async function withMode(mode: string, fn: () => Promise<void>): Promise<void> {
  const before = vscode.workspace.getConfiguration('diffucode').inspect('fill.parseCheck')?.globalValue;
  await setSetting('fill.parseCheck', mode);
  try {
    await fn();
  } finally {
    await setSetting('fill.parseCheck', before);
  }
}

const addedTo = async (doc: string, filled: string) => (await addedErrors('typescript', [filled], [], [])).errorsAfter - (await addedErrors('typescript', [doc.replace(/<\|mask:\d+\|>/, '')], [], [])).errorsAfter;

test('a fill that would break the syntax is repaired by remasking only the broken tokens, or refused untouched', async () => {
  await withMode('repair', async () => {
    const editor = await openFile(TS_DOC, 'ts');
    const version = editor.document.version;
    const { outcome, requests } = await fillWith(BROKEN);
    const text = editor.document.getText();
    log(`parse check (repair): ${outcome?.kind} ${outcome?.kind === 'applied' ? outcome.parseCheck : outcome && 'message' in outcome ? outcome.message : ''}; ${requests.length} request(s); text: ${JSON.stringify(text)}`);
    assert.ok(requests.length >= 2, 'the broken fill was sent back to the model');
    // A repair request keeps everything but the broken tokens as context: the user's code around the hole, verbatim.
    const repair = requests[1];
    assert.ok(repair.pieces[0].startsWith('interface User { name: string; active: boolean }\n\nfunction activate(user: User): void {\n  '));
    assert.ok(repair.pieces.at(-1)!.endsWith('\n}\n\nexport const users: User[] = [];\n'));
    assert.ok(repair.gaps.every((g) => g.maxTokens < 16), `only the broken tokens are remasked: ${JSON.stringify(repair.gaps)}`);
    if (outcome?.kind === 'applied') {
      assert.equal(outcome.parseCheck, 'repaired');
      assert.ok(!text.includes('<|mask'));
      assert.equal(await addedTo(TS_DOC, text), 0, 'the applied fill adds no syntax error');
    } else {
      assert.equal(outcome?.kind, 'refused');
      assert.match(outcome && 'message' in outcome ? outcome.message : '', /the fill would break the syntax: a (syntax error|missing \S+) at line \d+ .*nothing was applied/);
      assert.equal(text, TS_DOC, 'a refused fill leaves the document as it was');
      assert.equal(editor.document.version, version);
    }
  });
});

test('a fill that stays broken is refused naming the line, and the document keeps its marker; "applyMarked" applies it marked', async () => {
  await withMode('repair', async () => {
    const editor = await openFile(TS_DOC, 'ts');
    const { outcome, requests } = await fillWith(BROKEN, BROKEN);
    assert.equal(requests.length, 4, 'the fill and three repair rounds');
    assert.equal(outcome?.kind, 'refused');
    assert.match(outcome && 'message' in outcome ? outcome.message : '', /a (syntax error|missing \S+) at line \d+ \(`.*`\), still after 3 repair rounds; nothing was applied/);
    assert.equal(editor.document.getText(), TS_DOC);

    await setSetting('fill.parseCheck', 'applyMarked');
    const marked = await fillWith(BROKEN, BROKEN);
    assert.equal(marked.outcome?.kind, 'applied');
    assert.equal(marked.outcome?.kind === 'applied' && marked.outcome.parseCheck, 'broken');
    assert.match(marked.outcome?.kind === 'applied' ? (marked.outcome.warning ?? '') : '', /leaves a .* at line \d+ .*applied and marked/);
    const text = editor.document.getText();
    assert.ok(!text.includes('<|mask') && text !== TS_DOC, JSON.stringify(text));
    // The error is marked where it is (Refine can refill it): a mark inside the inserted text, at confidence 0.
    const a = await api();
    const from = text.indexOf('void {\n') + 'void {\n'.length;
    const to = text.lastIndexOf('\n}\n\nexport');
    const errorMarks = a.marks.get(editor.document).filter((s) => s.confidence === 0);
    assert.ok(errorMarks.length > 0 && errorMarks.every((s) => s.start >= from && s.end <= to), JSON.stringify({ errorMarks, from, to }));
    assert.ok(errorMarks.every((s) => /^the fill left a (syntax error|missing \S+) here \(line \d+\)$/.test(s.note ?? '')), JSON.stringify(errorMarks));
  });
});

test('a repaired fill is applied as one edit: the broken tokens refilled, the rest of the fill and the document kept', async () => {
  await withMode('repair', async () => {
    const editor = await openFile(TS_DOC.replace('<|mask:16|>', 'const wasActive = user.active;\n  <|mask:16|>'), 'ts');
    const version = editor.document.version;
    // The refill's answer is scripted so the test does not depend on the tiny model getting it right.
    const { outcome, requests } = await fillWith(BROKEN, 'user.active = true;');
    assert.equal(requests.length, 2, 'one repair round');
    assert.equal(outcome?.kind, 'applied');
    assert.equal(outcome?.kind === 'applied' && outcome.parseCheck, 'repaired');
    assert.equal(editor.document.getText(), TS_DOC.replace('<|mask:16|>', 'const wasActive = user.active;\n  user.active = true;'));
    assert.equal(editor.document.version, version + 1, 'one edit');
    await vscode.commands.executeCommand('undo');
    assert.ok(editor.document.getText().includes('<|mask:16|>'), 'one undo brings the marker back');
  });
});

test('a language without a grammar is not checked: its fill is applied as the model wrote it', async () => {
  await withMode('repair', async () => {
    const editor = await openFile('Notes:\n<|mask:8|>\n', 'txt');
    const { outcome, requests } = await fillWith('}}} )(');
    assert.equal(requests.length, 1);
    assert.equal(outcome?.kind, 'applied');
    assert.equal(outcome?.kind === 'applied' && outcome.parseCheck, 'unchecked');
    assert.equal(editor.document.getText(), 'Notes:\n}}} )(\n');
  });
});
