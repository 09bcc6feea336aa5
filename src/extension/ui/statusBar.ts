import * as vscode from 'vscode';
import type { HostState } from '../model/modelHost';
import { BusyDelay } from './busyDelay';
import { offReason, type GhostTextOff } from './ghostTextState';

const LOOK: Record<HostState['state'], { icon: string; label: string }> = {
  idle: { icon: '$(circle-outline)', label: 'DiffuCode' },
  loading: { icon: '$(sync~spin)', label: 'DiffuCode: loading' },
  ready: { icon: '$(check)', label: 'DiffuCode' },
  busy: { icon: '$(loading~spin)', label: 'DiffuCode: generating' },
  error: { icon: '$(error)', label: 'DiffuCode: error' },
  restarting: { icon: '$(sync~spin)', label: 'DiffuCode: restarting' },
};

/** Work shorter than this is not announced as "generating" (see busyDelay.ts). */
export const BUSY_DELAY_MS = 300;

/** The model state at a glance; on error it turns red and a click opens the log. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('diffucode.status', vscode.StatusBarAlignment.Right, 100);
  private state: HostState = { state: 'idle' };
  private ghostTextOff?: GhostTextOff;
  private readonly delay = new BusyDelay<HostState>(BUSY_DELAY_MS, (s) => {
    this.state = s;
    this.render();
  });

  constructor() {
    this.item.name = 'DiffuCode';
    this.render();
    this.item.show();
  }

  update(state: HostState): void {
    this.delay.update(state);
  }

  /** Ghost text is off (and why), or on (undefined). */
  setGhostTextOff(off: GhostTextOff | undefined): void {
    this.ghostTextOff = off;
    this.render();
  }

  /** What the item shows, for the editor tests (the status bar is not readable through the API). */
  get text(): string {
    return `${this.item.text} | ${typeof this.item.tooltip === 'string' ? this.item.tooltip : ''}`;
  }

  dispose(): void {
    this.delay.dispose();
    this.item.dispose();
  }

  private render(): void {
    const look = LOOK[this.state.state];
    const off = this.ghostTextOff;
    this.item.text = `${look.icon} ${look.label}${off ? ' (ghost text off)' : ''}`;
    const error = this.state.state === 'error';
    // Why ghost text is off is the first thing a user wonders when no suggestion comes.
    const why = off ? `Ghost text off: ${offReason(off)}. Click for options.\n` : '';
    this.item.tooltip = error
      ? `${this.state.message ?? 'The model failed.'} (click to show the log)`
      : `${why}${this.state.message ?? look.label}`;
    this.item.command = error ? 'diffucode.showLog' : 'diffucode.statusMenu';
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
