import * as vscode from 'vscode';
import { parseServerUrl, RemoteClient, RemoteError } from '../../worker/remoteClient';
import type { InfillOptions, InfillRequest, InfillResult, ModelClient, ModelInfo, StateEvent } from './engineApi';
import type { ModelHost } from './modelHost';

/** SecretStorage key of the server's bearer token. Never in settings: settings files sync and get shared. */
export const TOKEN_SECRET = 'diffucode.server.token';
const SET_TOKEN = 'Set server token';
const OPEN_SETTING = 'Open setting';
const SHOW_LOG = 'Show log';

/**
 * The model server in use, '' for the local worker. Only the user's own (machine) setting counts: a workspace
 * must not be able to send the user's code to a server of its choosing.
 */
export function serverUrl(): string {
  return vscode.workspace.getConfiguration('diffucode').inspect<string>('server.url')?.globalValue?.trim() ?? '';
}

/**
 * Wires the model server into the extension: the command that stores the token, and the client ModelHost uses
 * while diffucode.server.url is set (ModelHost.remote). Returns what to dispose.
 */
export function registerServer(context: vscode.ExtensionContext, host: ModelHost, log: vscode.LogOutputChannel): vscode.Disposable {
  const notices = new ServerNotices(log);
  host.remote = {
    url: serverUrl,
    create: (url) => new ServerModelClient(url, context.secrets, notices, log),
  };
  const item = new ServerStatusItem();
  return vscode.Disposable.from(
    item,
    host.onDidChangeState((s) => item.update(serverUrl(), s.state)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('diffucode.server.url')) item.update(serverUrl());
    }),
    vscode.commands.registerCommand('diffucode.setServerToken', () => setServerToken(context.secrets, host)),
    // A token set, changed or removed (here or in another window) applies to the next request; nothing to restart.
    context.secrets.onDidChange((e) => {
      if (e.key === TOKEN_SECRET) log.info('the DiffuCode server token changed');
    }),
  );
}

async function setServerToken(secrets: vscode.SecretStorage, host: ModelHost): Promise<void> {
  const url = serverUrl();
  const token = await vscode.window.showInputBox({
    title: 'DiffuCode: Set server token',
    prompt: url ? `Bearer token of the DiffuCode server at ${url} (kept in VS Code's secret storage). Empty removes it.` : 'Bearer token of the DiffuCode server (set "diffucode.server.url" to use it). Empty removes it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (token === undefined) return;
  if (token.trim() === '') {
    await secrets.delete(TOKEN_SECRET);
    void vscode.window.showInformationMessage('DiffuCode: server token removed.');
  } else {
    await secrets.store(TOKEN_SECRET, token.trim());
    void vscode.window.showInformationMessage('DiffuCode: server token saved.');
  }
  if (url) host.reset('server token changed');
}

/** ModelClient over RemoteClient, with the editor's token source and error notices. */
class ServerModelClient implements ModelClient {
  private readonly client: RemoteClient;

  constructor(
    url: string,
    secrets: vscode.SecretStorage,
    private readonly notices: ServerNotices,
    log: vscode.LogOutputChannel,
  ) {
    const { cleartextRemote } = parseServerUrl(url);
    if (cleartextRemote) log.warn(`the DiffuCode server ${url} is reached over plain http: the token and your code cross the network unencrypted`);
    this.client = new RemoteClient({
      url,
      token: async () => secrets.get(TOKEN_SECRET),
      requestTimeoutMs: vscode.workspace.getConfiguration('diffucode').get<number>('requestTimeoutSeconds', 60) * 1000,
      authHint: 'Run "DiffuCode: Set server token".',
      log: (line) => log.info(`[server] ${line}`),
    });
  }

  async load(): Promise<ModelInfo> {
    try {
      return await this.client.load();
    } catch (e) {
      this.notices.say(e);
      throw e;
    }
  }

  async infill(req: InfillRequest, opts: InfillOptions): Promise<InfillResult> {
    try {
      return await this.client.infill(req, opts);
    } catch (e) {
      this.notices.say(e);
      throw e;
    }
  }

  onDidChangeState(listener: (s: StateEvent) => void): { dispose(): void } {
    return this.client.onDidChangeState(listener);
  }

  dispose(): void {
    this.client.dispose();
  }
}

/**
 * Server failures reach the user as one notification with the way out (set the token, fix the URL), not on every
 * keystroke: the same kind of failure is said again only after a minute.
 */
class ServerNotices {
  private last = new Map<string, number>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  say(e: unknown): void {
    if (!(e instanceof RemoteError)) return;
    const kind = e.status === 401 ? 'auth' : e.status === 0 ? 'unreachable' : e.status === 504 ? 'timeout' : e.status >= 500 ? 'server' : '';
    if (!kind) return; // the request's own error (400, 413): the caller reports it
    const now = Date.now();
    if (now - (this.last.get(kind) ?? 0) < 60_000) return;
    this.last.set(kind, now);
    const actions = kind === 'auth' ? [SET_TOKEN, SHOW_LOG] : kind === 'unreachable' ? [OPEN_SETTING, SHOW_LOG] : [SHOW_LOG];
    void vscode.window.showErrorMessage(`DiffuCode: ${e.message}`, ...actions).then(async (choice) => {
      if (choice === SET_TOKEN) await vscode.commands.executeCommand('diffucode.setServerToken');
      else if (choice === OPEN_SETTING) await vscode.commands.executeCommand('workbench.action.openSettings', 'diffucode.server.url');
      else if (choice === SHOW_LOG) this.log.show(true);
    });
  }
}

/**
 * A status bar item, beside the model's, that is there only while a model server is in use: which server, and a
 * click to set its token. The local worker shows nothing extra.
 */
class ServerStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffucode.server', vscode.StatusBarAlignment.Right, 101);

  constructor() {
    this.item.name = 'DiffuCode server';
    this.item.command = 'diffucode.setServerToken';
    this.update(serverUrl());
  }

  update(url: string, state?: string): void {
    if (!url) {
      this.item.hide();
      return;
    }
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      /* shown as written; the client reports the bad URL */
    }
    this.item.text = `$(${state === 'error' ? 'cloud-offline' : 'cloud'}) ${host}`;
    this.item.tooltip = `DiffuCode runs on the model server ${url} (setting diffucode.server.url). Click to set its token.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
