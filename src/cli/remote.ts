// The CLI's side of a model server: `fill` and `batch` with `--server URL --token-file F` send their requests to a
// `diffucode serve` server instead of a local worker. Same requests, same results (the server runs the same worker).

import { readFileSync } from 'node:fs';
import { RemoteClient } from '../worker/remoteClient';

export const TOKEN_ENV = 'DIFFUCODE_SERVE_TOKEN';

/** The token from --token-file, else $DIFFUCODE_SERVE_TOKEN; a clear error when neither gives one. */
export function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (tokenFile) {
    let raw: string;
    try {
      raw = readFileSync(tokenFile, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the token file ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const token = raw.trim();
    if (!token) throw new Error(`the token file ${tokenFile} is empty`);
    return token;
  }
  const token = env[TOKEN_ENV]?.trim();
  if (!token) throw new Error(`--server needs a token: --token-file FILE or $${TOKEN_ENV}`);
  return token;
}

export function remoteEngine(opts: { server: string; tokenFile?: string; timeoutMs: number; log?: (line: string) => void }): RemoteClient {
  let token: string | undefined;
  return new RemoteClient({
    url: opts.server,
    // Read on the first request, so a missing file is reported like any other failure (exit 1, one line).
    token: () => (token ??= readToken(opts.tokenFile)),
    requestTimeoutMs: opts.timeoutMs,
    authHint: 'Check --token-file (or $DIFFUCODE_SERVE_TOKEN): it must hold the token the server was started with.',
    log: opts.log,
  });
}
