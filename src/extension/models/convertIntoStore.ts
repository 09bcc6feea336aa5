// "Convert a checkpoint or GGUF file…" into the models store: the converter in its child process writes into a
// staging folder of the store (never listed, never selectable), which is renamed into place only when the model is
// complete, as pullModel does for a download. A cancel kills the child; the staging folder is removed either way.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dtype } from '../../models/catalog/catalog';
import { convertInChild } from '../../models/convert/runner';
import { cleanStaleStaging, installFolder, stagingFolder } from '../../models/store/modelStore';
import { convertScript } from './childConvert';

export interface ConvertRequest {
  /** A checkpoint folder or a .gguf file. */
  source: string;
  dtype: Dtype;
  /** The model's folder name in the store. */
  name: string;
  license?: string;
  assumeDream?: boolean;
}

export async function convertIntoStore(
  extensionPath: string,
  store: string,
  req: ConvertRequest,
  signal: AbortSignal,
  onProgress: (p: { done: number; total: number; what: string }) => void,
): Promise<string> {
  await cleanStaleStaging(store);
  const staging = await stagingFolder(store, req.name);
  try {
    const built = await convertInChild({
      script: convertScript(extensionPath),
      source: req.source,
      out: join(staging, 'model'),
      dtype: req.dtype,
      name: req.name,
      license: req.license,
      assumeDream: req.assumeDream,
      signal,
      onProgress,
    });
    return await installFolder(built.folder, join(store, req.name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
