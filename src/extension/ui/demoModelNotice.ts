import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostState } from '../model/modelHost';

/** globalState key: the user asked never to see the demo-model notice again. */
export const DEMO_NOTICE_KEY = 'diffucode.demoModelNotice.dismissed';
const GET = 'Get a model…';
const SELECT = 'Select model…';
const NEVER = "Don't show again";

/**
 * The first time the bundled model serves a request (once per window, never again after "Don't show again"), say
 * plainly that it is a small demo model, so rare or weak suggestions are not mistaken for what DiffuCode can do with
 * a real model, and how to use one.
 */
export class DemoModelNotice {
  private shown = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly bundledDir: string,
    private readonly modelDir: () => string,
  ) {}

  update(state: HostState): void {
    if (state.state !== 'busy' || this.shown) return;
    if (path.resolve(this.modelDir()) !== path.resolve(this.bundledDir)) return;
    this.shown = true;
    if (this.context.globalState.get<boolean>(DEMO_NOTICE_KEY)) return;
    const text =
      'DiffuCode is running its bundled demo model: 5 million parameters, trained on a 2-core CPU. It shows ghost text only when it is confident, which is rarely. For useful completions, get a real model (DiffuCoder and other diffusion coders, downloaded from the Hugging Face Hub and converted here) with "Get a model…".';
    void vscode.window.showInformationMessage(text, GET, SELECT, NEVER).then(async (choice) => {
      if (choice === GET) await vscode.commands.executeCommand('diffucode.getModel');
      else if (choice === SELECT) await vscode.commands.executeCommand('diffucode.selectModel');
      else if (choice === NEVER) await this.context.globalState.update(DEMO_NOTICE_KEY, true);
    });
  }
}
