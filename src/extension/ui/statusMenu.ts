import * as vscode from 'vscode';
import type { HostState } from '../model/modelHost';

/**
 * What a click on the status bar item offers: the model state in words and the few things a user wants from
 * there (no modal dialogs; Escape closes it).
 */
export async function showStatusMenu(state: HostState, modelDir: string, ghostText: boolean): Promise<void> {
  const items: (vscode.QuickPickItem & { command?: string })[] = [
    { label: ghostText ? '$(eye-closed) Turn ghost text off' : '$(eye) Turn ghost text on', command: 'diffucode.toggleGhostText' },
    { label: '$(package) Select model…', description: modelDir, command: 'diffucode.selectModel' },
    { label: '$(cloud-download) Get a model…', description: 'from the Hugging Face Hub', command: 'diffucode.getModel' },
    { label: '$(output) Show log', command: 'diffucode.showLog' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `DiffuCode: ${state.state}${state.message ? `, ${state.message}` : ''}`,
  });
  if (pick?.command) await vscode.commands.executeCommand(pick.command);
}
