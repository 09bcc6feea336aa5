// A tiny test runner for the extension host (no mocha needed): tests run one after another, each with a
// generous timeout (the CPU is shared and the workbench is software-rendered), results printed with a
// prefix the driver relays from the browser console.
import * as vscode from 'vscode';
import type { DiffuCodeApi } from '../../../src/extension/api';

interface Case {
  name: string;
  fn: () => Promise<void>;
  timeoutMs: number;
}

const cases: Case[] = [];

export function test(name: string, fn: () => Promise<void>, timeoutMs = 240_000): void {
  cases.push({ name, fn, timeoutMs });
}

export function log(line: string): void {
  console.log(`[diffucode-suite] ${line}`);
}

export async function runAll(): Promise<number> {
  let failed = 0;
  // DIFFUCODE_EDITOR_GREP=text: only the tests whose name contains it (while developing; the server passes its
  // environment to the extension host).
  const grep = process.env.DIFFUCODE_EDITOR_GREP;
  const chosen = grep ? cases.filter((c) => c.name.includes(grep)) : cases;
  if (grep) log(`DIFFUCODE_EDITOR_GREP=${grep}: ${chosen.length} of ${cases.length} tests`);
  for (const c of chosen) {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.fn(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${c.timeoutMs} ms`)), c.timeoutMs))),
      ]);
      log(`ok   ${c.name} (${Date.now() - t0} ms)`);
    } catch (err) {
      failed++;
      log(`FAIL ${c.name} (${Date.now() - t0} ms): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    } finally {
      clearTimeout(timer);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  }
  log(`${chosen.length - failed}/${chosen.length} passed`);
  return failed;
}

export async function api(): Promise<DiffuCodeApi> {
  const ext = vscode.extensions.getExtension<DiffuCodeApi>('diffucode.diffucode');
  if (!ext) throw new Error('the DiffuCode extension is not loaded');
  return ext.isActive ? ext.exports : ext.activate();
}

let counter = 0;

/** A real file in the test workspace (code actions and saving need a file URI), opened in an editor. */
export async function openFile(content: string, ext = 'py'): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) throw new Error('the editor tests need a workspace folder');
  const uri = vscode.Uri.joinPath(folder, `case${++counter}-${Date.now()}.${ext}`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc);
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('diffucode').update(key, value, vscode.ConfigurationTarget.Global);
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
