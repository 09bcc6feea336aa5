import * as vscode from 'vscode';
import type { HostState } from '../model/modelHost';
import { offReason, statusMenuEntries, type GhostTextOff } from './ghostTextState';

/**
 * What a click on the status bar item offers: the model state in words, why ghost text is off when it is (with
 * "Turn on anyway" and "Get a faster model" for a slow model), and the few things a user wants from there (no modal
 * dialogs; Escape closes it).
 */
export async function showStatusMenu(state: HostState, modelDir: string, off: GhostTextOff | undefined): Promise<void> {
  const items: (vscode.QuickPickItem & { command: string })[] = statusMenuEntries(off, modelDir);
  const title = `DiffuCode: ${state.state}${state.message ? `, ${state.message}` : ''}${off ? `. Ghost text off: ${offReason(off)}` : ''}`;
  const pick = await vscode.window.showQuickPick(items, { title });
  if (pick) await vscode.commands.executeCommand(pick.command);
}
