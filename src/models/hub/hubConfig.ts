// Where the Hub is and who we are to it, read the way the Hugging Face tools read it, so one environment serves
// them and us: HF_ENDPOINT (a mirror, or a test's local stand-in), HF_TOKEN (gated repos), and the shared cache
// HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { inputError } from '../errors';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw inputError(`HF_ENDPOINT is not a URL: ${JSON.stringify(raw)}`, 'BAD_REPO_ID');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw inputError(`HF_ENDPOINT must be an http(s) URL, got ${raw}`, 'BAD_REPO_ID');
  return raw.replace(/\/+$/, '');
}

/** The access token: an explicit one (the editor's SecretStorage, a --token flag) wins over HF_TOKEN. */
export function hubToken(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = (explicit ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (!token) return undefined;
  // The official client refuses anything else with a TypeError; say it in our words, before any request.
  if (!token.startsWith('hf_')) throw inputError('the Hugging Face token must start with "hf_" (create one at huggingface.co/settings/tokens)', 'BAD_TOKEN');
  return token;
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'hub');
}
