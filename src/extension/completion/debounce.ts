/**
 * Waits `ms` unless the signal aborts first; resolves true when the wait completed (the request should go
 * ahead) and false when it was cancelled (the user typed again). VS Code debounces inline completions
 * itself too, but a model request is expensive enough to be worth a configurable extra wait.
 */
export function debounce(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
