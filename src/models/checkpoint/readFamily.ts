// Which family a checkpoint folder is, and its canonical config (training/hf/families.py read_family): LLaDA and
// CoDA by their config.json's architecture, everything else through the Dream validation (which refuses causal
// and unknown models).

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalConfig } from '../convert/input';
import { readDreamConfig } from './dreamConfig';
import { DREAM, familyOf, type Family } from './families';
import { asObject, readJson } from './jsonFile';

export function readFamily(dir: string, assumeDream = false): { family: Family; cfg: CanonicalConfig } {
  const path = join(dir, 'config.json');
  if (existsSync(dir) && statSync(dir).isDirectory() && existsSync(path)) {
    const raw = asObject(readJson(path));
    const family = raw ? familyOf(raw) : undefined;
    if (raw && family) return { family, cfg: family.read(raw, path) };
  }
  return { family: DREAM, cfg: readDreamConfig(dir, assumeDream) };
}
