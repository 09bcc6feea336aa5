// The one progress notification of getting a model, as text and a bar: pullModel's (and the converter's) progress
// events in, VS Code's { message, increment } out. VS Code's bar only moves forward by increments, so this keeps
// the percentage already shown and hands out the difference. Download and conversion share one bar: the download
// fills the first DOWNLOAD_SHARE of it (it is the long part on a home connection), the conversion the rest; a
// conversion of a checkpoint already on disk fills all of it. Pure, so it is tested without an editor.

import { formatBytes, formatSeconds } from '../../models/hub/progressMeter';
import type { PullProgress } from '../../models/pull';

export const DOWNLOAD_SHARE = 80;

export interface ProgressStep {
  message: string;
  /** Percentage points to add to the bar (never negative). */
  increment: number;
}

export class ProgressText {
  private shown = 0;

  /** `withDownload`: false for "Convert a checkpoint or GGUF file…", where the conversion is all there is. */
  constructor(private readonly withDownload = true) {}

  /** The bar's percentage now. */
  get percent(): number {
    return this.shown;
  }

  step(p: PullProgress): ProgressStep {
    const { message, percent } = this.describe(p);
    const target = Math.min(100, Math.max(this.shown, percent ?? this.shown));
    const increment = target - this.shown;
    this.shown = target;
    return { message, increment };
  }

  private describe(p: PullProgress): { message: string; percent?: number } {
    const convertFrom = this.withDownload ? DOWNLOAD_SHARE : 0;
    switch (p.stage) {
      case 'resolve':
        return { message: `Looking up ${p.repo} on the Hub…` };
      case 'download': {
        const frac = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 1;
        const rate = p.rate > 0 ? `, ${formatBytes(p.rate)}/s, ${formatSeconds(p.secondsLeft ?? NaN)} left` : '';
        return {
          message: `Downloading ${baseName(p.file)}: ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)} (${Math.floor(frac * 100)} %)${rate}`,
          percent: frac * DOWNLOAD_SHARE,
        };
      }
      case 'convert': {
        const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
        return { message: `Converting: ${p.what} (${p.done}/${p.total})`, percent: convertFrom + frac * (100 - convertFrom) };
      }
      case 'done':
        return { message: 'Done', percent: 100 };
    }
  }
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
