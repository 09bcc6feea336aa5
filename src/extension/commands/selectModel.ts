import * as fs from 'node:fs';
import * as vscode from 'vscode';
// The manifest reader is plain Node (fs/path, no onnxruntime), so the extension bundle can validate a folder
// with exactly the rules the worker will load it by.
import { readManifest, type ManifestFiles } from '../../engine/model/manifest';
import { userModelPath, writeUserSetting } from '../config';
import { bundledModelDir } from '../model/engineApi';
import type { ModelHost } from '../model/modelHost';
import { listRecent, modelSummary, RECENT_MODELS_KEY, rememberModel, sameFolder } from '../model/recentModels';
import { installedChoices } from '../models/catalogChoices';
import { storeListing } from '../models/storeAccess';

/** `folder`: '' = the bundled model; absent = "choose a folder". `command`: run that command instead. */
type ModelItem = vscode.QuickPickItem & { folder?: string; command?: string };

/** What the command needs from the ExtensionContext: recents live in globalState, never in settings. */
export type SelectModelContext = Pick<vscode.ExtensionContext, 'globalState' | 'extensionPath'>;

/**
 * Picks the model folder: the bundled model, one of the models store's (what "Get a model…" and `diffucode pull`
 * install), a recently used one or a folder on disk; or goes on to "Get a model…" / "Convert a checkpoint…".
 * The folder is validated before anything is saved, then its card is shown (useModel).
 * Returns the value written to `diffucode.modelPath` ('' = bundled), or undefined when nothing changed.
 */
export async function selectModelCommand(host: ModelHost, context: SelectModelContext): Promise<string | undefined> {
  const current = userModelPath();
  const bundledDir = bundledModelDir(context.extensionPath);
  const items: ModelItem[] = [
    { label: '$(package) Bundled model', description: current === '' ? 'in use' : 'diffucode-tiny', detail: detailOf(bundledDir), folder: '' },
  ];
  const store = storeListing();
  const inUse = (folder: string) => current !== '' && sameFolder(folder, current);
  // The folder in use is listed on its own unless it is one of the store's (then it is marked there).
  if (current !== '' && !store.models.some((m) => inUse(m.folder)))
    items.push({ label: `$(check) ${current}`, description: 'in use', detail: detailOf(current), folder: current });
  const installed = installedChoices(store.models, inUse);
  if (installed.length > 0) {
    items.push({ label: `Installed (${store.dir})`, kind: vscode.QuickPickItemKind.Separator });
    items.push(...installed);
  }
  const recent = listRecent(context.globalState.get<unknown>(RECENT_MODELS_KEY), isFolder, [current, ...store.models.map((m) => m.folder)]);
  if (recent.length > 0) {
    items.push({ label: 'Recently used', kind: vscode.QuickPickItemKind.Separator });
    for (const f of recent) items.push({ label: `$(history) ${f}`, detail: detailOf(f), folder: f });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(cloud-download) Get a model…', description: 'DiffuCoder and other diffusion coders from the Hugging Face Hub', command: 'diffucode.getModel' });
  items.push({ label: '$(file-binary) Convert a checkpoint or GGUF file…', description: 'one already on this disk', command: 'diffucode.convertCheckpoint' });
  items.push({ label: '$(folder-opened) Choose a model folder…', description: 'manifest.json + model.onnx + tokenizer.json' });

  const pick = await vscode.window.showQuickPick(items, { title: 'DiffuCode: select model', placeHolder: `Current: ${host.modelDir()}`, matchOnDescription: true, matchOnDetail: true });
  if (!pick) return undefined;
  if (pick.command) return vscode.commands.executeCommand<string | undefined>(pick.command);
  let value = pick.folder;
  if (value === undefined) {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
    if (!folder?.[0]) return undefined;
    value = folder[0].fsPath;
  }
  return useModel(context, value);
}

/**
 * Makes `value` the model ('' = the bundled one): validated first, so a broken folder never replaces a working
 * setting; written to the user (global) settings only, since the setting is machine-scoped and a workspace must not
 * choose which model files get loaded; remembered among the recent models; its card shown. "Get a model…" and
 * "Convert a checkpoint…" end here too. Returns the value written, or undefined when nothing changed.
 */
export async function useModel(context: SelectModelContext, value: string): Promise<string | undefined> {
  const bundledDir = bundledModelDir(context.extensionPath);
  // Validate before saving: a broken folder must not replace a working setting.
  let files: ManifestFiles;
  try {
    files = readManifest(value === '' ? bundledDir : value);
  } catch (e) {
    void vscode.window.showErrorMessage(`DiffuCode: ${(e as Error).message}. The model setting was not changed.`);
    return undefined;
  }

  await writeUserSetting('modelPath', value);
  if (value !== '') await context.globalState.update(RECENT_MODELS_KEY, rememberModel(context.globalState.get<unknown>(RECENT_MODELS_KEY), value));
  if (!vscode.workspace.isTrusted && value !== '') {
    void vscode.window.showWarningMessage('DiffuCode: this workspace is not trusted, so the bundled model stays in use here until you trust it.');
  }
  // Loaded now, with progress, not at the next keystroke (ModelHost.loadNow; a changed setting does the same).
  void vscode.commands.executeCommand('diffucode.loadModel');
  const summary = modelSummary(files.manifest, files.weightsBytes);
  if (files.cardPath) await showCard(files.cardPath);
  else void vscode.window.showInformationMessage(`DiffuCode: model ${summary} (it has no model card).`);
  return value;
}

/** The quick pick's detail line: the model's summary, or why the folder cannot be used. */
function detailOf(folder: string): string {
  try {
    const f = readManifest(folder);
    return modelSummary(f.manifest, f.weightsBytes);
  } catch (e) {
    return `$(warning) ${(e as Error).message}`;
  }
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The card rendered by the built-in Markdown preview; as plain text where that extension is disabled. */
async function showCard(cardPath: string): Promise<void> {
  const uri = vscode.Uri.file(cardPath);
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: true });
  }
}
