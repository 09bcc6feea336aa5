// How each typed error of getting a model is said in the editor: one line, and the buttons that lead out of it
// (one table, ERROR_ACTIONS, keyed by every ModelErrorCode so a new code cannot be forgotten). pullModel's messages
// are written for the CLI (HF_TOKEN, "run the same command again"); the few CLI hints in them are reworded for the
// editor here. Pure, so it is tested without an editor.

import { ModelError, type ModelErrorCode } from '../../models/errors';

export type ErrorAction = 'retry' | 'setToken' | 'openHubPage' | 'showLog' | 'chooseAnother';

export const ACTION_LABELS: Record<ErrorAction, string> = {
  retry: 'Try again',
  setToken: 'Set Hugging Face token…',
  openHubPage: 'Open the Hub page',
  showLog: 'Show log',
  chooseAnother: 'Choose another model…',
};

/** The buttons of each error, most useful first (a notification shows them left to right). */
export const ERROR_ACTIONS: Record<ModelErrorCode, ErrorAction[]> = {
  BAD_REPO_ID: ['chooseAnother'],
  REPO_NOT_FOUND: ['setToken', 'chooseAnother'],
  REVISION_NOT_FOUND: ['chooseAnother'],
  FILE_NOT_FOUND: ['chooseAnother'],
  GATED: ['openHubPage', 'setToken'],
  BAD_TOKEN: ['setToken'],
  NOT_DIFFUSION: ['chooseAnother'],
  CAUSAL_MODEL: ['chooseAnother'],
  NO_WEIGHTS: ['chooseAnother'],
  NO_SPACE: ['retry', 'chooseAnother'],
  UNSAFE_NAME: ['showLog'],
  UNSAFE_STORE: ['showLog'],
  LICENCE_DECLINED: [],
  ALREADY_INSTALLED: [],
  BAD_CATALOG: ['showLog'],
  OFFLINE: ['retry', 'showLog'],
  HTTP_ERROR: ['retry', 'showLog'],
  CHECKSUM: ['retry', 'showLog'],
  SIZE_MISMATCH: ['retry', 'showLog'],
  CONVERT_FAILED: ['showLog', 'chooseAnother'],
  CANCELLED: ['retry'],
};

/** CLI wording in pullModel's messages -> what to do in the editor. */
const EDITOR_WORDING: [RegExp, string][] = [
  [/set HF_TOKEN to a token of that account/, 'set a token of that account with "DiffuCode: Set Hugging Face token…"'],
  [/\(or it is private: set HF_TOKEN\)/, '(or it is private: set your Hugging Face token)'],
  [/\(run the same command again to resume\)/, '(try again to resume where it stopped)'],
  [/; check the network, or HF_ENDPOINT/, '; check the network, or the setting diffucode.hub.endpoint'],
  [/ \(CLI: --accept-license\)/, ''],
  [/; choose one with --file/, '; choose one of its GGUF files in the catalog'],
  [/^HF_ENDPOINT /, 'the Hub endpoint (the setting diffucode.hub.endpoint, else HF_ENDPOINT) '],
];

export interface ErrorView {
  /** 'info' for what the user chose (cancelled, licence declined), 'error' otherwise. */
  severity: 'info' | 'error';
  message: string;
  actions: ErrorAction[];
}

export function editorWording(message: string): string {
  return EDITOR_WORDING.reduce((m, [re, to]) => m.replace(re, to), message);
}

/** `hasToken`: a token is already stored (then "Set token…" is still offered for a gated repo, to replace it). */
export function errorView(e: unknown, hasToken: boolean): ErrorView {
  if (!(e instanceof ModelError)) {
    const line = ((e as Error)?.message ?? String(e)).split('\n')[0];
    return { severity: 'error', message: `getting the model failed: ${line}`, actions: ['showLog'] };
  }
  if (e.code === 'CANCELLED')
    return { severity: 'info', message: 'cancelled; nothing was installed. The files already downloaded stay in the Hugging Face cache, so trying again resumes.', actions: ERROR_ACTIONS.CANCELLED };
  if (e.code === 'LICENCE_DECLINED') return { severity: 'info', message: 'the licence was not accepted; nothing was downloaded.', actions: [] };
  const actions = ERROR_ACTIONS[e.code].filter((a) => !(a === 'setToken' && hasToken && e.code === 'REPO_NOT_FOUND'));
  return { severity: 'error', message: editorWording(e.message.split('\n')[0]), actions };
}

export type ConvertAction = 'askLicence' | 'assumeDream' | 'showLog';

export const CONVERT_ACTION_LABELS: Record<ConvertAction, string> = {
  askLicence: 'Enter its licence…',
  assumeDream: 'Convert as a Dream diffusion model',
  showLog: 'Show log',
};

export interface ConvertErrorView {
  severity: 'info' | 'error';
  message: string;
  actions: ConvertAction[];
}

/**
 * A failure of "Convert a checkpoint or GGUF file…" (the converter's errors cross the child process by name and
 * message: ConvertError / InputError are bad input, AbortError a cancel, anything else an I/O failure or a bug).
 * The converter's two CLI escape hatches become buttons: a checkpoint that states no licence (--license) and a
 * Qwen2 config over weights trained as a diffusion model (--assume-dream).
 */
export function convertErrorView(e: unknown): ConvertErrorView {
  const name = (e as Error)?.name;
  const line = ((e as Error)?.message ?? String(e)).split('\n')[0];
  if (name === 'AbortError' || (e instanceof ModelError && e.code === 'CANCELLED'))
    return { severity: 'info', message: 'conversion cancelled; nothing was installed.', actions: [] };
  if (/states no licence/.test(line)) return { severity: 'error', message: line.replace(/; pass --license$/, ''), actions: ['askLicence'] };
  if (/--assume-dream/.test(line))
    return { severity: 'error', message: line.replace(/ \(a Qwen2 config: pass --assume-dream only if/, ' (a Qwen2 config: convert it as Dream only if'), actions: ['assumeDream'] };
  const bad = name === 'ConvertError' || name === 'InputError' || (e instanceof ModelError && e.kind === 'input');
  return { severity: 'error', message: bad ? line : `the conversion failed: ${line}`, actions: ['showLog'] };
}
