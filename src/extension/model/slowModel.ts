// Ghost text on a model too slow for it: a suggestion that arrives seconds after the user moved on is worse than
// none, so such a model gets ghost text off by default (the fill command stays), unless the user has said
// explicitly, in any settings scope, that they want ghost text. Pure: the extension supplies the settings read.

import { GHOST_TEXT_SLOW_MS, type ModelSpeed } from './engineApi';

export interface SlowModelVerdict {
  /** Ghost text should not run for this model. */
  off: boolean;
  /** One line for the notification and the log (when off, or when kept on explicitly despite the speed). */
  message?: string;
}

export function judgeGhostTextSpeed(name: string, speed: ModelSpeed | undefined, explicitlyEnabled: boolean): SlowModelVerdict {
  if (!speed || speed.ghostTextMs <= GHOST_TEXT_SLOW_MS) return { off: false };
  const secs = (speed.ghostTextMs / 1000).toFixed(1);
  const why = `${name} needs about ${secs} s per ghost-text suggestion on this machine (measured: a full pass over ${speed.canvasTokens} tokens takes ${Math.round(speed.fullPassMs)} ms)`;
  if (explicitlyEnabled) return { off: false, message: `${why}; ghost text stays on because diffucode.ghostText.enabled is set explicitly.` };
  return {
    off: true,
    message: `${why}, so ghost text is off for it. "DiffuCode: Fill masked region" (Ctrl+Alt+Enter) still fills <|mask|> markers with it; set diffucode.ghostText.enabled to true to keep ghost text on anyway.`,
  };
}
