import * as vscode from 'vscode';
import type { DiffuCodeApi } from './api';
import { ghostTextEnabled, writeUserSetting } from './config';
import { acceptRewrite, rewriteCommand, RewriteActionProvider } from './commands/rewrite';
import { fillMaskedCommand } from './commands/fillMasked';
import { refineCommand } from './commands/refine';
import { convertCheckpointCommand } from './commands/convertCheckpoint';
import { getModelCommand } from './commands/getModel';
import { selectModelCommand } from './commands/selectModel';
import { setHubTokenCommand } from './models/hubToken';
import { DiffuCodeInlineProvider } from './completion/inlineProvider';
import { bundledModelDir, type ClientFactory } from './model/engineApi';
import { ModelHost } from './model/modelHost';
import { workerClientFactory } from './model/workerFactory';
import { registerServer } from './model/serverClient';
import { ConfidenceMarks } from './ui/confidenceMarks';
import { DemoModelNotice } from './ui/demoModelNotice';
import { getFasterModel, offNoticesShown, turnOnAnyway } from './ui/ghostTextOff';
import { LiveDenoising } from './ui/liveDenoising';
import { ModelErrorNotice } from './ui/modelErrorNotice';
import { RewritePreview } from './ui/rewritePreview';
import { StatusBar } from './ui/statusBar';
import { showStatusMenu } from './ui/statusMenu';

/**
 * Wires the pieces together and nothing else. The worker is NOT started here: the first completion or
 * command starts it, so activation costs nothing when the user never asks for the model.
 */
export function activate(context: vscode.ExtensionContext, factory: ClientFactory = workerClientFactory): DiffuCodeApi {
  const log = vscode.window.createOutputChannel('DiffuCode', { log: true });
  const status = new StatusBar();
  const host = new ModelHost(context.extensionPath, factory, log);
  const live = new LiveDenoising();
  const marks = new ConfidenceMarks();
  const preview = new RewritePreview();
  const inline = new DiffuCodeInlineProvider(host, live, log);
  const deps = { host, live, log, marks, preview };
  const errorNotice = new ModelErrorNotice(log);
  const demoNotice = new DemoModelNotice(context, bundledModelDir(context.extensionPath), () => host.modelDir());
  host.onDidChangeState((s) => {
    status.update(s);
    errorNotice.update(s);
    demoNotice.update(s);
  });
  status.setGhostTextOff(host.ghostTextOff());
  host.onDidChangeGhostText(() => status.setGhostTextOff(host.ghostTextOff()));

  context.subscriptions.push(
    log,
    status,
    host,
    live,
    marks,
    preview,
    errorNotice,
    // Every file on disk or remote, and untitled buffers (a '**' pattern alone does not match those).
    vscode.languages.registerInlineCompletionItemProvider([{ pattern: '**' }, { scheme: 'untitled' }], inline),
    inline,
    inline.watchCursor(),
    vscode.languages.registerCodeActionsProvider({ pattern: '**' }, new RewriteActionProvider(), {
      providedCodeActionKinds: RewriteActionProvider.kinds,
    }),
    vscode.commands.registerCommand('diffucode.fillMasked', async () => {
      const outcome = await fillMaskedCommand(deps);
      if (outcome?.kind === 'applied' && vscode.window.activeTextEditor) inline.forget(vscode.window.activeTextEditor.document);
      return outcome;
    }),
    vscode.commands.registerCommand('diffucode.refineLowConfidence', () => refineCommand(deps)),
    vscode.commands.registerCommand('diffucode.rewriteSelection', (uri?: vscode.Uri, range?: vscode.Range) => rewriteCommand(deps, uri, range)),
    vscode.commands.registerCommand('diffucode.acceptRewrite', () => acceptRewrite(preview)),
    vscode.commands.registerCommand('diffucode.discardRewrite', async () => {
      preview.take();
      await preview.close();
    }),
    vscode.commands.registerCommand('diffucode.selectModel', () => selectModelCommand(host, context)),
    vscode.commands.registerCommand('diffucode.getModel', () => getModelCommand(context, log)),
    vscode.commands.registerCommand('diffucode.convertCheckpoint', () => convertCheckpointCommand(context, log)),
    vscode.commands.registerCommand('diffucode.setHubToken', () => setHubTokenCommand(context.secrets)),
    vscode.commands.registerCommand('diffucode.showLog', () => log.show(true)),
    registerServer(context, host, log),
    // The status bar item's click target (not in the palette: the commands it offers are).
    vscode.commands.registerCommand('diffucode.statusMenu', () => showStatusMenu(host.state, host.modelDir(), host.ghostTextOff())),
    vscode.commands.registerCommand('diffucode.toggleGhostText', async () => {
      await writeUserSetting('ghostText.enabled', !ghostTextEnabled());
    }),
    // The slow-model notice's and the status menu's buttons (not in the palette).
    vscode.commands.registerCommand('diffucode.ghostTextOnAnyway', () => turnOnAnyway()),
    // Selecting a model loads it at once (commands/selectModel.ts useModel; not in the palette).
    vscode.commands.registerCommand('diffucode.loadModel', () => host.loadNow('model selected')),
    vscode.commands.registerCommand('diffucode.getFasterModel', () => getFasterModel(context.extensionPath)),
  );
  log.info(`DiffuCode activated (VS Code ${vscode.version}, ${process.platform}-${process.arch}, Node ${process.version})`);
  return { statusText: () => status.text, host, marks, preview, inline, ghostTextNotices: offNoticesShown };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; disposing the host stops the worker process.
}
