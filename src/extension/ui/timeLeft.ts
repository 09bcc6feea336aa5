// "About N s left" for a long fill: a 7B model on a CPU fills a gap in tens of seconds, and a progress message that
// only counts tokens leaves the user guessing. The estimate is the rate so far (committed tokens per second since
// the first step) applied to the tokens still masked; shown once a fill has run long enough for a rate to mean
// something. Pure, so it is tested without an editor.

/** Minimum elapsed time before an estimate is shown. */
export const ESTIMATE_AFTER_MS = 2000;

export function progressMessage(committed: number, total: number, step: number, elapsedMs: number): string {
  const base = `${committed}/${total} tokens (step ${step})`;
  if (elapsedMs < ESTIMATE_AFTER_MS || committed <= 0 || committed >= total) return base;
  const left = ((total - committed) * elapsedMs) / committed / 1000;
  const text = left < 60 ? `${Math.max(1, Math.round(left))} s` : `${Math.round(left / 60)} min`;
  return `${base}, about ${text} left`;
}
