import * as vscode from 'vscode';
import { writeUserSetting } from '../config';
import type { HostState } from '../model/modelHost';
import { remoteHint } from './remoteHint';

const GET = 'Get a model…';
const SELECT = 'Select model…';
const BUNDLED = 'Use bundled model';
const LOG = 'Show log';

/**
 * A model that cannot load is said once, as a notification with the ways out, not only as a red status item that
 * is easy to miss. The same error is not repeated on every keystroke: it is said again only after the model
 * worked (or was reset) in between.
 */
export class ModelErrorNotice implements vscode.Disposable {
  private said?: string;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  update(state: HostState): void {
    if (state.state !== 'error') {
      if (state.state === 'ready' || state.state === 'idle') this.said = undefined;
      return;
    }
    const message = state.message ?? 'The model failed.';
    if (this.said === message) return;
    this.said = message;
    void vscode.window.showErrorMessage(`DiffuCode: ${message}${remoteHint(vscode.env.remoteName)}`, GET, SELECT, BUNDLED, LOG).then(async (choice) => {
      if (choice === GET) await vscode.commands.executeCommand('diffucode.getModel');
      else if (choice === SELECT) await vscode.commands.executeCommand('diffucode.selectModel');
      else if (choice === BUNDLED) await writeUserSetting('modelPath', '');
      else if (choice === LOG) this.log.show(true);
    });
  }

  dispose(): void {
    this.said = undefined;
  }
}
