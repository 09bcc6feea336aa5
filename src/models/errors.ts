// The one error type of getting a model (catalog, Hub download, store, pull). Each carries a one-line message a user
// can act on and a kind that decides the CLI's exit status: 'input' (the request cannot succeed as asked: unknown
// repo, not a diffusion model, gated without a token, not enough disk) is exit 2; 'failed' (the network or the
// bytes failed: a checksum mismatch, a dropped connection; a conversion that failed on I/O) is exit 1 and names the
// file.

export type ModelErrorKind = 'input' | 'failed' | 'cancelled';

export type ModelErrorCode =
  | 'BAD_REPO_ID'
  | 'REPO_NOT_FOUND'
  | 'REVISION_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'GATED'
  | 'BAD_TOKEN'
  | 'NOT_DIFFUSION'
  | 'CAUSAL_MODEL'
  | 'NO_WEIGHTS'
  | 'NO_SPACE'
  | 'UNSAFE_NAME'
  | 'UNSAFE_STORE'
  | 'LICENCE_DECLINED'
  | 'ALREADY_INSTALLED'
  | 'BAD_CATALOG'
  | 'OFFLINE'
  | 'HTTP_ERROR'
  | 'CHECKSUM'
  | 'SIZE_MISMATCH'
  | 'CONVERT_FAILED'
  | 'CANCELLED';

export class ModelError extends Error {
  constructor(
    message: string,
    readonly code: ModelErrorCode,
    readonly kind: ModelErrorKind,
    /** The repository file the error is about (download and checksum failures name it). */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export const inputError = (message: string, code: ModelErrorCode, file?: string) => new ModelError(message, code, 'input', file);
export const downloadError = (message: string, code: ModelErrorCode, file?: string) => new ModelError(message, code, 'failed', file);
export const cancelled = () => new ModelError('cancelled', 'CANCELLED', 'cancelled');

/** The CLI's exit status for an error of getting a model: 2 bad input, 1 a failed download or conversion. */
export function exitCodeOf(e: unknown): number {
  return e instanceof ModelError && e.kind === 'input' ? 2 : 1;
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelled();
}
