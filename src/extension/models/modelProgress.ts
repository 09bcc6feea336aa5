import * as vscode from 'vscode';
import type { PullProgress } from '../../models/pull';
import { ProgressText } from './progressText';

/** At most this often a message update (a download reports every chunk); a new stage is always shown at once. */
const REPORT_EVERY_MS = 250;

/**
 * One cancellable progress notification around getting or converting a model: `work` gets an AbortSignal (the
 * notification's Cancel aborts it: the download stops, the conversion's child process is killed, the staging folder
 * is removed) and a callback for pullModel's progress events, shown as bytes, rate and time left, then conversion
 * steps, on one bar (progressText.ts).
 */
export function withModelProgress<T>(
  title: string,
  withDownload: boolean,
  log: vscode.LogOutputChannel,
  work: (signal: AbortSignal, report: (p: PullProgress) => void) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    const text = new ProgressText(withDownload);
    let last = 0;
    let lastStage = '';
    let pending = 0;
    const report = (p: PullProgress) => {
      const step = text.step(p);
      pending += step.increment;
      const now = Date.now();
      if (p.stage === lastStage && now - last < REPORT_EVERY_MS) return;
      // Each stage once in the log: where a slow or stuck download stopped is then visible there.
      if (p.stage !== lastStage) log.info(step.message);
      lastStage = p.stage;
      last = now;
      progress.report({ message: step.message, increment: pending });
      pending = 0;
    };
    return work(abort.signal, report).finally(() => sub.dispose());
  });
}
