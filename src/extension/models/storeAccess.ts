// The models store as the extension sees it: the same folder the CLI uses (src/models/store/modelStore.ts:
// DIFFUCODE_MODELS, else the platform's cache folder), read from the environment VS Code runs in.

import { defaultStoreDir, listInstalledModels, type InstalledModel } from '../../models/store/modelStore';

export interface StoreView {
  dir: string;
  models: InstalledModel[];
  problems: string[];
}

export function storeDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultStoreDir(env);
}

/** The installed models (a missing store is an empty one; entries that cannot be used are in `problems`). */
export function storeListing(env: NodeJS.ProcessEnv = process.env): StoreView {
  const dir = storeDir(env);
  const { models, problems } = listInstalledModels(dir);
  return { dir, models, problems };
}
