// What the user is told about ghost text being off, in one place: the status bar, its menu, the notice shown when a
// slow model is loaded and the answer to an explicit trigger (Alt+\) all use these words. Pure (no `vscode`): the
// texts and the menu's entries are tested without an editor; ui/ghostTextOff.ts shows them.

/** Why ghost text does not run, when it does not. */
export type GhostTextOff =
  /** The model is too slow here for suggestions while typing (model/slowModel.ts decides). */
  | { kind: 'slow-model'; model: string; msPerSuggestion: number }
  /** The user switched it off (diffucode.ghostText.enabled). */
  | { kind: 'setting' };

/** The short reason: the status bar's tooltip, the menu's title. */
export function offReason(off: GhostTextOff): string {
  if (off.kind === 'setting') return 'turned off (diffucode.ghostText.enabled)';
  return `model too slow here: ~${secondsText(off.msPerSuggestion)} s per suggestion`;
}

/** The notice (and the answer to Alt+\): what is off, why, what still works, and the two ways on. */
export function offNotice(off: GhostTextOff): string {
  if (off.kind === 'setting') return 'DiffuCode: ghost text is turned off (diffucode.ghostText.enabled). Turn it on from the status bar menu or with Ctrl+Alt+G.';
  return (
    `DiffuCode: ghost text is off for ${off.model}: it needs ~${secondsText(off.msPerSuggestion)} s per suggestion on this machine, ` +
    'too slow to keep up with typing. "Fill masked region" (Ctrl+Alt+Enter) and "Rewrite with DiffuCode" still use it.'
  );
}

export const TURN_ON_ANYWAY = 'Turn on anyway';
export const GET_FASTER_MODEL = 'Get a faster model';

/** The buttons of the notice, in order; each is also a status menu entry. */
export function offActions(off: GhostTextOff): string[] {
  return off.kind === 'slow-model' ? [TURN_ON_ANYWAY, GET_FASTER_MODEL] : [];
}

export interface MenuEntry {
  label: string;
  description?: string;
  command: string;
}

/** The status bar menu: the ghost-text entries first (what to do about it being off), then the usual ones. */
export function statusMenuEntries(off: GhostTextOff | undefined, modelDir: string): MenuEntry[] {
  const ghost: MenuEntry[] =
    off?.kind === 'slow-model'
      ? [
          { label: `$(eye) ${TURN_ON_ANYWAY}`, description: offReason(off), command: 'diffucode.ghostTextOnAnyway' },
          { label: `$(cloud-download) ${GET_FASTER_MODEL}…`, description: 'a smaller model, or one for your GPU', command: 'diffucode.getFasterModel' },
        ]
      : off?.kind === 'setting'
        ? [{ label: '$(eye) Turn ghost text on', command: 'diffucode.toggleGhostText' }]
        : [{ label: '$(eye-closed) Turn ghost text off', command: 'diffucode.toggleGhostText' }];
  // "Get a faster model" already leads to the download when the model is too slow.
  const getModel: MenuEntry[] = off?.kind === 'slow-model' ? [] : [{ label: '$(cloud-download) Get a model…', description: 'from the Hugging Face Hub', command: 'diffucode.getModel' }];
  return [
    ...ghost,
    { label: '$(package) Select model…', description: modelDir, command: 'diffucode.selectModel' },
    ...getModel,
    { label: '$(output) Show log', command: 'diffucode.showLog' },
  ];
}

/** 5100 -> "5.1", 12400 -> "12": a tenth below ten seconds, whole seconds above. */
function secondsText(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? String(Math.round(s)) : String(Number(s.toFixed(1)));
}
