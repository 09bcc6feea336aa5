// The converter's one entry point on the reading side: a checkpoint folder (safetensors) or a .gguf file becomes a
// ConvertInput, with every check done before the builder writes anything.

import { existsSync, statSync } from 'node:fs';
import type { ConvertInput } from '../convert/input';
import { openGguf } from './gguf/openGguf';
import { openCheckpoint, type OpenOptions } from './openCheckpoint';

export type { OpenOptions } from './openCheckpoint';

export function openInput(path: string, opts: OpenOptions = {}): ConvertInput {
  if (path.endsWith('.gguf') || (existsSync(path) && statSync(path).isFile())) return openGguf(path, opts);
  return openCheckpoint(path, opts);
}
