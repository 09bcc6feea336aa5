import * as vscode from 'vscode';
import { fillSampler, isFillSamplerChoice } from '../engine/sampling/fillSampler';
import { SAMPLER_OPTIONS } from '../engine/sampling/samplerOptions';
import type { ModelInfo, SamplerOptions } from './model/engineApi';
import type { ParseCheckMode } from '../syntax/repair';

/**
 * The one configuration reader. Defaults live in package.json only: `get` without a default returns the
 * contributed default, so nothing here repeats a value. Settings are read fresh on every use (cheap), so a
 * changed setting applies to the next request without a reload.
 */
function section(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('diffucode', scope);
}

function read<T>(key: string, scope?: vscode.ConfigurationScope): T {
  return section(scope).get<T>(key) as T;
}

export interface ModelSettings {
  /** '' = the bundled model. Only honoured from user/machine settings, and only in a trusted workspace. */
  modelPath: string;
  executionProvider: string;
  threads: number;
  idleUnloadMs: number;
  requestTimeoutMs: number;
}

export function modelSettings(): ModelSettings {
  // inspect() rather than get(): a workspace-level value must never choose the model (it could point the
  // worker at an arbitrary file from a cloned repository). The manifest marks it machine-scoped as well.
  return {
    modelPath: vscode.workspace.isTrusted ? userModelPath() : '',
    executionProvider: read<string>('executionProvider'),
    threads: read<number>('threads'),
    idleUnloadMs: read<number>('idleUnloadMinutes') * 60_000,
    requestTimeoutMs: read<number>('requestTimeoutSeconds') * 1000,
  };
}

export function ghostTextEnabled(): boolean {
  return read<boolean>('ghostText.enabled');
}

/** Writes a user setting (machine-scoped ones land in the machine settings of a remote window). */
export function writeUserSetting(key: string, value: unknown): Thenable<void> {
  return section().update(key, value, vscode.ConfigurationTarget.Global);
}

/** The user's own (not workspace) model folder setting, as written. */
export function userModelPath(): string {
  return section().inspect<string>('modelPath')?.globalValue ?? '';
}

/** The Hugging Face endpoint chosen in the editor ('' = HF_ENDPOINT, else the Hub; see models/hubEnv.ts). */
export function hubEndpointSetting(): string {
  return read<string>('hub.endpoint') ?? '';
}

export function ghostTextEnabledFor(languageId: string): boolean {
  if (!ghostTextEnabled()) return false;
  const langs = read<Record<string, boolean>>('ghostText.languages') ?? {};
  return langs[languageId] ?? langs['*'] ?? true;
}

export interface GhostTextSettings {
  debounceMs: number;
  lineTokens: number;
  blockTokens: number;
  showDenoising: boolean;
  /** null = the model's calibrated gate (its manifest's ghostText.minConfidence). */
  minConfidence: number | null;
}

export function ghostTextSettings(): GhostTextSettings {
  return {
    debounceMs: read<number>('ghostText.debounceMs'),
    lineTokens: read<number>('ghostText.lineTokens'),
    blockTokens: read<number>('ghostText.blockTokens'),
    showDenoising: read<boolean>('ghostText.showDenoising'),
    minConfidence: read<number | null>('ghostText.minConfidence') ?? null,
  };
}

export function contextBudget(): { prefixTokens: number; suffixTokens: number } {
  return { prefixTokens: read<number>('context.prefixTokens'), suffixTokens: read<number>('context.suffixTokens') };
}

/**
 * Only the sampler fields the user set; the rest come from the model manifest inside the engine. Which settings
 * exist is the sampler table's `setting` column; each setting's "unset" value means the model's recommendation:
 * null for numbers, 'model' for enums and for booleans (written 'on' | 'off').
 */
export function samplerOverrides(): Partial<SamplerOptions> {
  const out: Record<string, unknown> = {};
  for (const spec of SAMPLER_OPTIONS) {
    if (!spec.setting) continue;
    const v = read<unknown>(spec.setting);
    if (v === null || v === undefined || v === 'model') continue;
    if (spec.kind !== 'boolean') out[spec.key] = v;
    else if (v === 'on' || v === 'off') out[spec.key] = v === 'on';
  }
  // The engine validates every value (a hand-edited settings.json can hold anything) and names the setting's field.
  return out as Partial<SamplerOptions>;
}

/**
 * The sampler of a fill or a rewrite: the parallel decoder unless `diffucode.fill.sampler` is 'model'
 * (engine/sampling/fillSampler.ts), with the user's sampler settings on top.
 */
export function fillSamplerFor(model: Pick<ModelInfo, 'dualCache'>): Partial<SamplerOptions> {
  // A hand-edited settings.json can hold anything: an unknown value falls back to the contributed default.
  const choice = [read<unknown>('fill.sampler'), section().inspect<unknown>('fill.sampler')?.defaultValue].find(isFillSamplerChoice) ?? 'parallel';
  return fillSampler(choice, model, samplerOverrides());
}

export function markerSyntax(): { open: string; close: string; defaultTokens: number } {
  return { open: read<string>('fill.markerOpen'), close: read<string>('fill.markerClose'), defaultTokens: read<number>('fill.defaultTokens') };
}

/** `diffucode.fill.parseCheck`: whether fills and rewrites are parse-checked, repaired, refused (src/syntax/). */
export function parseCheckMode(): ParseCheckMode {
  return read<ParseCheckMode>('fill.parseCheck');
}

export function refineThreshold(): number {
  return read<number>('refine.confidenceThreshold');
}

export function maxDocumentSize(): number {
  return read<number>('maxDocumentSize');
}
