import * as path from 'node:path';
import * as vscode from 'vscode';
import { isInstalled, modelNameFor, openStore } from '../../models/store/modelStore';
import { dtypeChoices } from '../models/catalogChoices';
import { convertIntoStore, type ConvertRequest } from '../models/convertIntoStore';
import { CONVERT_ACTION_LABELS, convertErrorView } from '../models/errorView';
import { withModelProgress } from '../models/modelProgress';
import { storeDir } from '../models/storeAccess';
import { useModel, type SelectModelContext } from './selectModel';

/**
 * "DiffuCode: Convert a checkpoint or GGUF file…": a Hugging Face checkpoint folder (config.json + safetensors) or a
 * .gguf file already on this disk, converted into the models store by the TypeScript converter in a child process
 * (one cancellable notification), then selected. The store's staging folder guarantees that a cancelled or failed
 * conversion leaves no model folder behind. Returns the model folder now in use, or undefined.
 */
export async function convertCheckpointCommand(context: SelectModelContext, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: '$(folder) A checkpoint folder', description: 'config.json, tokenizer files and *.safetensors (Dream, DiffuCoder, LLaDA, CoDA)', gguf: false },
      { label: '$(file-binary) A GGUF file', description: 'F16/BF16/F32, Q8_0, Q4_0 and K-quants of a Dream-family model', gguf: true },
    ],
    { title: 'DiffuCode: convert a checkpoint or GGUF file', placeHolder: 'What is on disk?' },
  );
  if (!kind) return undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: !kind.gguf,
    canSelectFiles: kind.gguf,
    canSelectMany: false,
    filters: kind.gguf ? { 'GGUF model': ['gguf'] } : undefined,
    openLabel: 'Convert',
  });
  const source = picked?.[0]?.fsPath;
  if (!source) return undefined;
  const dtypePick = await vscode.window.showQuickPick(
    dtypeChoices().map((c) => ({ label: c.label, detail: c.detail, dtype: c.dtype })),
    { title: `DiffuCode: precision of ${path.basename(source)}`, placeHolder: 'int4 is the default' },
  );
  if (!dtypePick) return undefined;
  const stem = path.basename(source).replace(/\.gguf$/i, '');
  let name: string;
  try {
    name = modelNameFor(stem, dtypePick.dtype);
  } catch (e) {
    void vscode.window.showErrorMessage(`DiffuCode: ${(e as Error).message}`);
    return undefined;
  }
  return convertAndUse(context, log, { source, dtype: dtypePick.dtype, name });
}

async function convertAndUse(context: SelectModelContext, log: vscode.LogOutputChannel, req: ConvertRequest): Promise<string | undefined> {
  for (;;) {
    let folder: string;
    try {
      const store = await openStore(storeDir());
      if (await isInstalled(store, req.name)) {
        const USE = 'Use it';
        const choice = await vscode.window.showInformationMessage(`DiffuCode: the models store already holds ${req.name}.`, USE);
        return choice === USE ? useModel(context, path.join(store, req.name)) : undefined;
      }
      log.info(`converting ${req.source} to ${req.dtype} into ${path.join(store, req.name)}`);
      folder = await withModelProgress(`DiffuCode: converting ${path.basename(req.source)}`, false, log, (signal, onProgress) =>
        convertIntoStore(context.extensionPath, store, req, signal, (p) => onProgress({ stage: 'convert', ...p })),
      );
    } catch (e) {
      const view = convertErrorView(e);
      log[view.severity === 'info' ? 'info' : 'error'](`converting ${req.source}: ${(e as Error)?.message ?? e}`);
      const show = view.severity === 'info' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
      const choice = await show(`DiffuCode: ${view.message}`, ...view.actions.map((a) => CONVERT_ACTION_LABELS[a]));
      const action = view.actions.find((a) => CONVERT_ACTION_LABELS[a] === choice);
      if (action === 'assumeDream') {
        req = { ...req, assumeDream: true };
        continue;
      }
      if (action === 'askLicence') {
        const license = await vscode.window.showInputBox({
          title: 'DiffuCode: licence of the checkpoint',
          prompt: 'Its licence as an SPDX id or the Hub\'s licence name (apache-2.0, mit, cc-by-nc-4.0, other…), as its model card states it',
          ignoreFocusOut: true,
          validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/.test(v.trim()) ? undefined : 'a licence id: letters, digits, ".", "+", "-"'),
        });
        if (!license) return undefined;
        req = { ...req, license: license.trim() };
        continue;
      }
      if (action === 'showLog') log.show(true);
      return undefined;
    }
    log.info(`${req.name} installed at ${folder}`);
    return useModel(context, folder);
  }
}
