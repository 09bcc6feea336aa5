import * as vscode from 'vscode';
import { userModelPath, writeUserSetting } from '../config';
import type { ModelHost } from '../model/modelHost';

/**
 * Picks the model folder: the bundled model or a folder on disk. Written to the user (global) settings
 * only: the setting is machine-scoped, and a workspace must not choose which model files get loaded.
 */
export async function selectModelCommand(host: ModelHost): Promise<void> {
  const current = userModelPath();
  const items: (vscode.QuickPickItem & { value?: string })[] = [
    { label: '$(package) Bundled model', description: 'diffucode-tiny', detail: current === '' ? 'in use' : undefined, value: '' },
    { label: '$(folder-opened) Choose a model folder…', description: 'manifest.json + model.onnx + tokenizer.json' },
  ];
  if (current !== '') items.push({ label: `$(check) ${current}`, description: 'in use', value: current });
  const pick = await vscode.window.showQuickPick(items, { title: 'DiffuCode: select model', placeHolder: `Current: ${host.modelDir()}` });
  if (!pick) return;
  let value = pick.value;
  if (value === undefined) {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
    if (!folder?.[0]) return;
    value = folder[0].fsPath;
  }
  await writeUserSetting('modelPath', value);
  if (!vscode.workspace.isTrusted && value !== '') {
    void vscode.window.showWarningMessage('DiffuCode: this workspace is not trusted, so the bundled model stays in use here until you trust it.');
  }
}
