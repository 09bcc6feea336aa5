import * as vscode from 'vscode';
import { catalog, findRow, rowFacts, type Dtype, type RowFacts } from '../../models/catalog/catalog';
import { hubEndpoint } from '../../models/hub/hubConfig';
import { formatBytes } from '../../models/hub/progressMeter';
import { parseRepoRef } from '../../models/hub/names';
import { pullModel, type LicenseQuestion, type PullResult } from '../../models/pull';
import { modelNameFor } from '../../models/store/modelStore';
import { hubEndpointSetting } from '../config';
import { catalogChoices, dtypeChoices } from '../models/catalogChoices';
import { childConvert } from '../models/childConvert';
import { ACTION_LABELS, errorView, type ErrorAction } from '../models/errorView';
import { hubEnv } from '../models/hubEnv';
import { setHubTokenCommand, storedHubToken } from '../models/hubToken';
import { withModelProgress } from '../models/modelProgress';
import { storeListing } from '../models/storeAccess';
import { useModel } from './selectModel';

export type GetModelContext = Pick<vscode.ExtensionContext, 'globalState' | 'extensionPath' | 'secrets'>;

/** globalState key: repo -> licence id the user accepted (asked again when the licence changes). */
export const ACCEPTED_LICENCES_KEY = 'diffucode.acceptedLicences';

/** What to fetch: a catalog row's model, or any Hub repo (and a .gguf file of it). */
export interface GetModelRequest {
  model: string;
  file?: string;
  dtype: Dtype;
  /** The Hub page to offer when the repo is gated. */
  repo: string;
}

type CatalogItem = vscode.QuickPickItem & { rowId?: string; other?: 'repo' | 'convert' };

/**
 * "DiffuCode: Get a model…": the catalog in a quick pick (sizes, licence, memory, speed verdict), a precision,
 * a licence to accept where the row needs one, then download and conversion under one cancellable notification;
 * the new model is selected and its card shown. Downloads only here, when the user asks. Returns the model folder
 * now in use, or undefined.
 */
export async function getModelCommand(context: GetModelContext, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const req = await chooseModel();
  return req ? fetchAndUse(context, log, req) : undefined;
}

async function chooseModel(): Promise<GetModelRequest | undefined> {
  const facts = catalog().models.map((r) => rowFacts(r));
  const installed = new Set(storeListing().models.map((m) => m.name));
  const choices = catalogChoices(facts, (f, d) => installed.has(modelNameFor(f.row.repo, d, f.row.file)));
  const items: CatalogItem[] = [
    ...choices.map((c) => ({ label: c.label, description: c.description, detail: c.detail, rowId: c.rowId })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(repo) Another Hugging Face repository…', description: 'ORG/NAME[@REVISION], a diffusion model (Dream, LLaDA, CoDA families)', other: 'repo' },
    { label: '$(file-binary) Convert a checkpoint or GGUF file…', description: 'one already on this disk', other: 'convert' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'DiffuCode: Get a model',
    placeHolder: 'A model to download and convert (fill times estimated for a 2-core CPU)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  if (pick.other === 'convert') {
    await vscode.commands.executeCommand('diffucode.convertCheckpoint');
    return undefined;
  }
  if (pick.other === 'repo') return askRepo();
  const f = facts.find((x) => x.row.id === pick.rowId)!;
  const dtype = await chooseDtype(f);
  return dtype && { model: f.row.id, file: f.row.file, dtype, repo: f.row.repo };
}

async function chooseDtype(f?: RowFacts, name?: string): Promise<Dtype | undefined> {
  const items = dtypeChoices(f).map((c) => ({ label: c.label, description: c.description, detail: c.detail, dtype: c.dtype }));
  const pick = await vscode.window.showQuickPick(items, { title: `DiffuCode: precision of ${f?.row.label ?? name ?? 'the model'}`, placeHolder: 'int4 is the default' });
  return pick?.dtype;
}

async function askRepo(): Promise<GetModelRequest | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'DiffuCode: a Hugging Face repository',
    prompt: 'ORG/NAME[@REVISION], optionally followed by a space and one of its .gguf files',
    placeHolder: 'apple/DiffuCoder-7B-cpGRPO',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const [ref, file, extra] = v.trim().split(/\s+/);
      if (extra !== undefined) return 'ORG/NAME[@REVISION] and at most one .gguf file';
      if (file !== undefined && !file.toLowerCase().endsWith('.gguf')) return 'the file must be a .gguf file of the repository';
      try {
        parseRepoRef(ref ?? '');
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (!text) return undefined;
  const [model, file] = text.trim().split(/\s+/);
  const row = findRow(model.split('@')[0], file);
  const dtype = await chooseDtype(row ? rowFacts(row) : undefined, model);
  return dtype && { model, file, dtype, repo: model.split('@')[0] };
}

/** The request being downloaded or converted now: one at a time (two would race for the same store folder and
 *  share one network connection; the notification of the first says how far it is). */
let running: string | undefined;

/** Downloads, converts and selects; on a failure says it in one line with the buttons that lead on (retry included). */
export async function fetchAndUse(context: GetModelContext, log: vscode.LogOutputChannel, req: GetModelRequest): Promise<string | undefined> {
  if (running) {
    void vscode.window.showInformationMessage(`DiffuCode: ${running} is being downloaded; its notification shows how far it is (Cancel is there).`);
    return undefined;
  }
  running = req.repo;
  let outcome: string | undefined | typeof CHOOSE_ANOTHER;
  try {
    outcome = await fetchAndUseOnce(context, log, req);
  } finally {
    running = undefined;
  }
  return outcome === CHOOSE_ANOTHER ? getModelCommand(context, log) : outcome;
}

/** The user asked for the catalog again after a failure. */
const CHOOSE_ANOTHER = Symbol('chooseAnother');

async function fetchAndUseOnce(context: GetModelContext, log: vscode.LogOutputChannel, req: GetModelRequest): Promise<string | undefined | typeof CHOOSE_ANOTHER> {
  for (;;) {
    const token = await storedHubToken(context.secrets);
    const env = hubEnv(process.env, hubEndpointSetting());
    let result: PullResult;
    try {
      log.info(`getting ${req.model}${req.file ? ` (${req.file})` : ''} as ${req.dtype} from ${hubEndpoint(env)}`);
      result = await withModelProgress(`DiffuCode: getting ${req.repo}`, true, log, (signal, onProgress) =>
        pullModel({
          model: req.model,
          file: req.file,
          dtype: req.dtype,
          token,
          env,
          acceptLicense: (q) => acceptLicence(context, log, q),
          convert: childConvert(context.extensionPath),
          signal,
          onProgress,
        }),
      );
    } catch (e) {
      const view = errorView(e, !!token);
      log[view.severity === 'info' ? 'info' : 'error'](`getting ${req.model}: ${(e as Error)?.message ?? e}`);
      const action = await showError(view.severity, view.message, view.actions);
      if (action === 'retry') continue;
      if (action === 'setToken') {
        if (await setHubTokenCommand(context.secrets)) continue;
        return undefined;
      }
      if (action === 'openHubPage') {
        const page = safeHubPage(env, req.repo);
        if (page) await vscode.env.openExternal(vscode.Uri.parse(page));
      } else if (action === 'showLog') log.show(true);
      else if (action === 'chooseAnother') return CHOOSE_ANOTHER;
      return undefined;
    }
    log.info(
      result.alreadyInstalled
        ? `${result.name} is already installed at ${result.folder}`
        : `${result.name} installed at ${result.folder} (${result.fetchedBytes ? `${formatBytes(result.fetchedBytes)} downloaded` : 'every file was in the Hugging Face cache'})`,
    );
    if (result.alreadyInstalled) void vscode.window.showInformationMessage(`DiffuCode: ${result.name} was already installed; it is now the model in use.`);
    return useModel(context, result.folder);
  }
}

async function showError(severity: 'info' | 'error', message: string, actions: ErrorAction[]): Promise<ErrorAction | undefined> {
  const labels = actions.map((a) => ACTION_LABELS[a]);
  const show = severity === 'info' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
  const choice = await show(`DiffuCode: ${message}`, ...labels);
  return actions.find((a) => ACTION_LABELS[a] === choice);
}

function safeHubPage(env: NodeJS.ProcessEnv, repo: string): string | undefined {
  try {
    return `${hubEndpoint(env)}/${parseRepoRef(repo).repo}`;
  } catch {
    return undefined;
  }
}

const ACCEPT = 'Accept and download';
const READ = 'Read the licence';

/**
 * A licence that must be accepted (non-commercial, custom): shown in a modal with its link, and accepted there
 * before anything is downloaded. Remembered per repository and licence, so trying again after a cancel does not
 * ask twice; a changed licence is asked again.
 */
async function acceptLicence(context: GetModelContext, log: vscode.LogOutputChannel, q: LicenseQuestion): Promise<boolean> {
  const accepted = context.globalState.get<Record<string, string>>(ACCEPTED_LICENCES_KEY) ?? {};
  if (accepted[q.repo] === q.license.id) return true;
  for (;;) {
    const choice = await vscode.window.showWarningMessage(
      `${q.repo} is under the ${q.license.name}. Accept it to download the model?`,
      { modal: true, detail: `Licence: ${q.license.url}\nRead it before accepting: it may limit how you may use the model (for example to research or non-commercial use).` },
      ACCEPT,
      READ,
    );
    if (choice === READ) {
      await vscode.env.openExternal(vscode.Uri.parse(q.license.url));
      continue;
    }
    if (choice !== ACCEPT) return false;
    log.info(`licence ${q.license.id} of ${q.repo} accepted`);
    await context.globalState.update(ACCEPTED_LICENCES_KEY, { ...accepted, [q.repo]: q.license.id });
    return true;
  }
}
