/** The shape of vscode.CancellationToken, so the bridge is testable without the editor. */
export interface CancellationLike {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/**
 * Turns an editor cancellation token into an AbortSignal for the worker client, so a stale request is
 * cancelled in the worker (between denoising steps) rather than only ignored in the extension host.
 * dispose() detaches the listener once the request is over.
 */
export function abortSignalFor(token: CancellationLike): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
    return { signal: controller.signal, dispose: () => undefined };
  }
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}
