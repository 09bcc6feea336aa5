// Ghost text on a model too slow for it: a suggestion that arrives seconds after the user moved on is worse than
// none, so such a model gets ghost text off by default (the fill command stays), unless the user has said
// explicitly, in any settings scope, that they want ghost text. Pure: the extension supplies the settings read.
// The figures are what ghost text runs (engine/model/speed.ts): a cold suggestion (one full pass + windows) is the
// slow tail the verdict is judged on; a warm one (windows only, typing at the cursor) is the typical wait.

import { GHOST_TEXT_SLOW_MS, type ModelSpeed } from './engineApi';

/** The verdict the UI shows (src/extension/ui/ owns how). */
export interface GhostTextVerdict {
  /** Ghost text runs for this model. */
  on: boolean;
  /** Why, in one line: 'fast enough', 'not measured', 'too slow', 'too slow, kept on by the user's setting'. */
  reason: string;
  /** The typical suggestion's time here (warm canvas), when measured. */
  msPerSuggestion?: number;
  /** The slow tail's time (a cold canvas: one full pass + windows), the figure judged against the limit. */
  coldMsPerSuggestion?: number;
}

export interface SlowModelVerdict extends GhostTextVerdict {
  /** Ghost text should not run for this model (= !on). */
  off: boolean;
  /** One line for the notification and the log (when off, or when kept on explicitly despite the speed). */
  message?: string;
}

export function judgeGhostTextSpeed(name: string, speed: ModelSpeed | undefined, explicitlyEnabled: boolean): SlowModelVerdict {
  if (!speed) return { on: true, off: false, reason: 'not measured' };
  const times = { msPerSuggestion: Math.round(speed.warmMs), coldMsPerSuggestion: Math.round(speed.coldMs) };
  if (speed.coldMs <= GHOST_TEXT_SLOW_MS) return { on: true, off: false, reason: 'fast enough', ...times };
  const secs = (ms: number) => (ms / 1000).toFixed(1);
  const passes = (p: { full: number; window: number }) => [p.full ? `${p.full} full` : '', p.window ? `${p.window} window` : ''].filter(Boolean).join(' + ');
  const why =
    `${name} needs about ${secs(speed.coldMs)} s per ghost-text suggestion on this machine when it cannot reuse the last one ` +
    `(${passes(speed.passes.cold)} passes; measured: a full pass over ${speed.canvasTokens} tokens takes ${Math.round(speed.fullPassMs)} ms` +
    (speed.windowPassMs !== undefined ? `, a window pass over ${speed.windowTokens} tokens ${Math.round(speed.windowPassMs)} ms; ${secs(speed.warmMs)} s while typing at the cursor)` : ')');
  if (explicitlyEnabled)
    return { on: true, off: false, reason: "too slow, kept on by the user's setting", ...times, message: `${why}; ghost text stays on because diffucode.ghostText.enabled is set explicitly.` };
  return {
    on: false,
    off: true,
    reason: 'too slow',
    ...times,
    message: `${why}, so ghost text is off for it. "DiffuCode: Fill masked region" (Ctrl+Alt+Enter) still fills <|mask|> markers with it; "Turn on anyway" in the status bar's menu keeps ghost text on for it.`,
  };
}
