// The conversion step pullModel runs after a download, by default: the TypeScript converter in this process
// (src/models/convert/convert.ts convertModel). The editor passes its own, the same converter in a child process
// (src/models/convert/runner.ts convertInChild), to keep the extension host responsive.

import { convertModel } from './convert/convert';
import type { Dtype } from './catalog/catalog';

/** A conversion step: writes a model folder at `out` (staging and renaming it itself), throws a ConvertError or an
 *  InputError on bad input (pullModel maps them to exit 2), an AbortError when `signal` fires. */
export type ConvertFn = (opts: {
  source: string;
  out: string;
  dtype: Dtype;
  name?: string;
  assumeDream?: boolean;
  license?: string;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; what: string }) => void;
}) => Promise<{ folder: string }>;

export const convertStep: ConvertFn = (opts) => convertModel(opts);
