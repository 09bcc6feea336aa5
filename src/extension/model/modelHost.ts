import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ghostTextEnabled, modelSettings } from '../config';
import { showOffNotice } from '../ui/ghostTextOff';
import type { GhostTextOff } from '../ui/ghostTextState';
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
      // Only a change of what the worker was started with: selecting the model already in use keeps it loaded.
      if (keys.some((k) => e.affectsConfiguration(`diffucode.${k}`)) && this.clientKey !== this.settingsKey()) this.reset('model settings changed');
      // A newly chosen model (Select model, Get a model, Convert, or settings.json) loads now, with progress, not at
      // the next keystroke: the first suggestion does not wait for it, and a model too slow for ghost text says so.
      if (e.affectsConfiguration('diffucode.modelPath') && this.clientKey !== this.settingsKey()) void this.loadNow('model selected');
      // "Turn on anyway" (or any explicit choice) applies at once to the loaded model.
      if (e.affectsConfiguration('diffucode.ghostText.enabled')) {
        if (this.lastInfo) this.judgeSpeed(this.lastInfo);
        else this.ghostEvents.fire();
      }
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

  /**
   * Loads the model now, with a progress notification: right after the user selects a model, so the first
   * suggestion does not wait for the load (seconds at 0.5B, about a minute at 7B) and a slow model's verdict comes
   * at once. A failure is reported like any load failure (status bar, error notice) and not thrown.
   */
  async loadNow(why: string): Promise<ModelInfo | undefined> {
    if (this.clientKey !== undefined && this.clientKey !== this.settingsKey()) this.reset(why);
    // One notification for one load (the setting's change and the selection both ask).
    if (this.loadingNow) return this.loadingNow;
    const name = path.basename(this.modelDir());
    this.loadingNow = Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `DiffuCode: loading ${name}…` }, () => this.load().catch(() => undefined)),
    ).finally(() => (this.loadingNow = undefined));
    return this.loadingNow;
  }

  private loadingNow?: Promise<ModelInfo | undefined>;

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
    return !this.tooSlow;
  }

  /** Why ghost text does not run now, if it does not: the user's setting, or the loaded model's speed. */
  ghostTextOff(): GhostTextOff | undefined {
    if (!ghostTextEnabled()) return { kind: 'setting' };
    return this.tooSlow;
  }

  private readonly ghostEvents = new vscode.EventEmitter<void>();
  /** ghostTextOff() may have changed (a model was judged, the setting changed, the worker was reset). */
  readonly onDidChangeGhostText = this.ghostEvents.event;

  private tooSlow?: Extract<GhostTextOff, { kind: 'slow-model' }>;
  private lastInfo?: ModelInfo;
  private readonly slowSaid = new Set<string>();

  /**
   * Applies the speed verdict (slowModel.ts) to a loaded model: ghost text off for one too slow for it, unless the
   * user said otherwise explicitly; said once per model folder and session, with the buttons that change it.
   * Public for the editor tests, which give the fast bundled model a slow measurement.
   */
  judgeSpeed(info: ModelInfo): void {
    this.lastInfo = info;
    const explicit = vscode.workspace.getConfiguration('diffucode').inspect<boolean>('ghostText.enabled');
    const set = [explicit?.globalValue, explicit?.workspaceValue, explicit?.workspaceFolderValue].some((v) => v === true);
    const verdict = judgeGhostTextSpeed(info.name, info.speed, set);
    // The figure the verdict was judged on (a suggestion that cannot reuse the last one's canvas).
    const ms = verdict.coldMsPerSuggestion ?? verdict.msPerSuggestion ?? info.speed?.ghostTextMs;
    this.tooSlow = verdict.off && ms !== undefined ? { kind: 'slow-model', model: info.name, msPerSuggestion: ms } : undefined;
    this.ghostEvents.fire();
    if (!verdict.message) return;
    this.log.warn(verdict.message);
    if (this.tooSlow && !this.slowSaid.has(info.modelDir)) {
      this.slowSaid.add(info.modelDir);
      void showOffNotice(this.tooSlow, this.extensionPath);
    }
  }

  /** Says why there is no ghost text, when asked for it explicitly (Alt+\) while it is off. */
  explainGhostTextOff(): void {
    const off = this.ghostTextOff();
    if (off) void showOffNotice(off, this.extensionPath);
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
    this.clientKey = undefined;
    this.tooSlow = undefined;
    this.lastInfo = undefined;
    this.ghostEvents.fire();
    this.setState({ state: 'idle', message: 'The model loads on first use.' });
  }

  /** What the current worker was started with (undefined: none started). */
  private clientKey?: string;

  private settingsKey(): string {
    const s = modelSettings();
    return JSON.stringify([this.remote?.url() ?? '', this.modelDir(), s.executionProvider, s.threads, s.idleUnloadMs, s.requestTimeoutMs]);
  }

  dispose(): void {
    this.configWatch.dispose();
    this.trustWatch.dispose();
    this.subscription?.dispose();
    this.client?.dispose();
    this.states.dispose();
    this.ghostEvents.dispose();
  }

  /** Set by registerServer (serverClient.ts): while diffucode.server.url is set, a model server replaces the worker. */
  remote?: { url(): string; create(url: string): ModelClient };

  private ensureClient(): ModelClient {
    if (this.client) return this.client;
    this.clientKey = this.settingsKey();
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
