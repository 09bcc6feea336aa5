import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeUserSetting } from '../config';
import { GET_FASTER_MODEL, offActions, offNotice, TURN_ON_ANYWAY, type GhostTextOff } from './ghostTextState';

/** The command another part of the extension registers to download a model; until it exists, the guide opens. */
export const GET_MODEL_COMMAND = 'diffucode.getModel';

const shown: string[] = [];

/** The ghost-text-off notices shown so far, oldest first (the editor tests read them; notifications are not
 *  readable through the API). Only the last few are kept. */
export function offNoticesShown(): readonly string[] {
  return shown;
}

/** Says that ghost text is off and why, with the buttons that change it (no modal: the user keeps typing). */
export async function showOffNotice(off: GhostTextOff, extensionPath: string): Promise<void> {
  const text = offNotice(off);
  shown.push(text);
  if (shown.length > 20) shown.shift();
  const pick = await vscode.window.showInformationMessage(text, ...offActions(off));
  if (pick === TURN_ON_ANYWAY) await turnOnAnyway();
  else if (pick === GET_FASTER_MODEL) await getFasterModel(extensionPath);
}

/** Ghost text on for every model, slow ones included: said explicitly in the user settings, which the speed
 *  verdict respects (model/slowModel.ts). */
export function turnOnAnyway(): Thenable<void> {
  return writeUserSetting('ghostText.enabled', true);
}

/** The model download command when it is there; otherwise the models guide (docs/models.md, shipped in the VSIX). */
export async function getFasterModel(extensionPath: string): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(GET_MODEL_COMMAND)) {
    await vscode.commands.executeCommand(GET_MODEL_COMMAND);
    return;
  }
  const guide = vscode.Uri.file(path.join(extensionPath, 'docs', 'models.md'));
  try {
    await vscode.commands.executeCommand('markdown.showPreview', guide);
  } catch {
    await vscode.window.showTextDocument(guide, { preview: true });
  }
}
