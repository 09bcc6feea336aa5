import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelSettings } from '../config';
import {
  bundledModelDir,
  workerScript,
  type ClientFactory,
  type InfillOptions,
  type InfillRequest,
  type InfillResult,
  type ModelClient,
  type ModelInfo,
  type StateEvent,
} from './engineApi';
import { readModelPathSetting, type ModelPathSetting } from './modelPathSetting';
import { judgeGhostTextSpeed } from './slowModel';

export type HostState = StateEvent;

/**
 * Owns the worker: created on the first request (activation stays cheap), recreated when a model setting
 * changes, disposed with the extension. Everything that talks to the model goes through `infill`, so the
 * status bar sees every state change and a missing model folder is reported once, clearly.
 */
export class ModelHost implements vscode.Disposable {
  private client?: ModelClient;
  private loading?: Promise<ModelInfo>;
  private subscription?: { dispose(): void };
  private readonly states = new vscode.EventEmitter<HostState>();
  readonly onDidChangeState = this.states.event;
  private current: HostState = { state: 'idle', message: 'The model loads on first use.' };
  private readonly configWatch: vscode.Disposable;
  private readonly trustWatch: vscode.Disposable;

  constructor(
    private readonly extensionPath: string,
    private readonly factory: ClientFactory,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.configWatch = vscode.workspace.onDidChangeConfiguration((e) => {
      const keys = ['modelPath', 'executionProvider', 'threads', 'idleUnloadMinutes', 'requestTimeoutSeconds', 'server.url'];
      if (keys.some((k) => e.affectsConfiguration(`diffucode.${k}`))) this.reset('model settings changed');
    });
    // Trusting the workspace makes the user's own model folder setting apply (see config.ts).
    this.trustWatch = vscode.workspace.onDidGrantWorkspaceTrust(() => this.reset('workspace trusted'));
  }

  get state(): HostState {
    return this.current;
  }

  /** The model folder in use: the user's setting when allowed (see config.ts), else the bundled model. */
  modelDir(): string {
    const s = this.modelPathSetting();
    if (s.kind === 'folder') return s.folder;
    return s.kind === 'bundled' ? bundledModelDir(this.extensionPath) : modelSettings().modelPath.trim();
  }

  /** The setting read by this OS's path rules: drive letters, UNC shares, "~" (modelPathSetting.ts). */
  private modelPathSetting(): ModelPathSetting {
    return readModelPathSetting(modelSettings().modelPath, process.platform, os.homedir());
  }

  async load(): Promise<ModelInfo> {
    const client = this.ensureClient();
    this.loading ??= client.load().then(
      (info) => {
        this.log.info(`model ${info.name} ready from ${info.modelDir} on ${info.provider}${[info.providerMessage, info.providerReason].filter(Boolean).map((m) => ` (${m})`).join('')}`);
        this.judgeSpeed(info);
        return info;
      },
      (err: unknown) => {
        this.loading = undefined;
        this.setState({ state: 'error', message: errorText(err) });
        throw err;
      },
    );
    return this.loading;
  }

  async infill(req: InfillRequest, opts: InfillOptions): Promise<InfillResult> {
    await this.load();
    const result = await this.client!.infill(req, opts);
    // Said once per worker: every later request with the cache falls back the same way.
    if (result.stats.cacheSkipped && !this.cacheSkipSaid) {
      this.cacheSkipSaid = true;
      this.log.warn(`dual cache not used, decoding with full passes: ${result.stats.cacheSkipped}`);
    }
    return result;
  }

  private cacheSkipSaid = false;

  /** False while the loaded model is too slow for ghost text (slowModel.ts) and the user has not insisted. */
  ghostTextAllowed(): boolean {
    return !this.tooSlowForGhostText;
  }

  private tooSlowForGhostText = false;
  private readonly slowSaid = new Set<string>();

  private judgeSpeed(info: ModelInfo): void {
    const explicit = vscode.workspace.getConfiguration('diffucode').inspect<boolean>('ghostText.enabled');
    const set = [explicit?.globalValue, explicit?.workspaceValue, explicit?.workspaceFolderValue].some((v) => v === true);
    const verdict = judgeGhostTextSpeed(info.name, info.speed, set);
    this.tooSlowForGhostText = verdict.off;
    if (!verdict.message) return;
    this.log.warn(verdict.message);
    // One notification per model folder and session: the verdict holds until the model changes.
    if (verdict.off && !this.slowSaid.has(info.modelDir)) {
      this.slowSaid.add(info.modelDir);
      void vscode.window.showInformationMessage(`DiffuCode: ${verdict.message}`);
    }
  }

  /** Drops the worker; the next request starts a fresh one with the current settings. */
  reset(reason: string): void {
    if (this.client) {
      this.log.info(`stopping the model worker: ${reason}`);
      this.subscription?.dispose();
      this.client.dispose();
      this.client = undefined;
    }
    this.loading = undefined;
    this.tooSlowForGhostText = false;
    this.setState({ state: 'idle', message: 'The model loads on first use.' });
  }

  dispose(): void {
    this.configWatch.dispose();
    this.trustWatch.dispose();
    this.subscription?.dispose();
    this.client?.dispose();
    this.states.dispose();
  }

  /** Set by registerServer (serverClient.ts): while diffucode.server.url is set, a model server replaces the worker. */
  remote?: { url(): string; create(url: string): ModelClient };

  private ensureClient(): ModelClient {
    if (this.client) return this.client;
    const server = this.remote?.url() ?? '';
    if (server) {
      this.log.info(`using the DiffuCode server at ${server}`);
      this.client = this.remote!.create(server);
      this.subscription = this.client.onDidChangeState((s) => this.setState(s));
      return this.client;
    }
    const settings = modelSettings();
    const setting = this.modelPathSetting();
    if (setting.kind === 'invalid') {
      this.setState({ state: 'error', message: setting.message });
      throw new Error(setting.message);
    }
    const modelDir = this.modelDir();
    if (!fs.existsSync(path.join(modelDir, 'manifest.json'))) {
      const message = `Model folder not found: ${modelDir} has no manifest.json. Set "diffucode.modelPath" or run "DiffuCode: Select model".`;
      this.setState({ state: 'error', message });
      throw new Error(message);
    }
    this.log.info(`starting the model worker for ${modelDir} (${settings.executionProvider})`);
    // The worker runs out of process, so a native ONNX Runtime crash cannot take the editor down. The extension
    // host is Electron (or code-server's Node); the client runs it as plain Node (ELECTRON_RUN_AS_NODE).
    this.client = this.factory({
      workerScript: workerScript(this.extensionPath),
      modelDir,
      idleUnloadMs: settings.idleUnloadMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      timeoutSetting: 'diffucode.requestTimeoutSeconds',
      executionProvider: settings.executionProvider,
      threads: settings.threads > 0 ? settings.threads : undefined,
      measureSpeed: true,
      log: (line) => this.log.info(`[worker] ${line}`),
    });
    this.subscription = this.client.onDidChangeState((s) => this.setState(s));
    return this.client;
  }

  private setState(s: HostState): void {
    this.current = s;
    if (s.state === 'error') this.log.error(s.message ?? 'model error');
    this.states.fire(s);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
