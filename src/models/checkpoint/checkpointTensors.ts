// A checkpoint folder's tensors over all its shards: sharded with model.safetensors.index.json, or one
// model.safetensors (training/hf/checkpoint.py's CheckpointTensors). Shard names come from a downloaded file, so a
// name that would leave the folder ('../x', an absolute path) is refused before anything is opened.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { InputError } from './inputError';
import { asObject, readJson } from './jsonFile';
import { SafetensorsFile } from './safetensorsFile';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';
const OTHER_FORMATS = ['.bin', '.pt', '.pth', '.ckpt'];

/** A file name from an index: a plain relative path that stays inside the folder. */
function checkShardName(dir: string, name: string): void {
  const norm = normalize(name);
  if (!name || isAbsolute(name) || norm === '..' || norm.startsWith(`..${sep}`) || name.split(/[\\/]/).includes('..')) {
    throw new InputError(`${join(dir, INDEX_FILE)} names the shard '${name}', which is outside the checkpoint folder`);
  }
}

export class CheckpointTensors {
  private readonly files = new Map<string, SafetensorsFile>();
  private where = new Map<string, string>();

  constructor(readonly dir: string) {
    try {
      if (existsSync(join(dir, INDEX_FILE))) this.fromIndex(join(dir, INDEX_FILE));
      else if (existsSync(join(dir, SINGLE_FILE))) {
        const f = this.open(SINGLE_FILE);
        this.where = new Map(f.keys().map((n) => [n, SINGLE_FILE]));
      } else {
        const other = readdirSync(dir).filter((n) => OTHER_FORMATS.some((x) => n.endsWith(x))).sort();
        const hint = other.length ? ` (found ${other.join(', ')}: only safetensors is supported)` : '';
        throw new InputError(`${dir} has neither ${INDEX_FILE} nor ${SINGLE_FILE}${hint}`);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private fromIndex(indexPath: string): void {
    const weightMap = asObject(asObject(readJson(indexPath))?.weight_map);
    if (!weightMap || !Object.keys(weightMap).length) throw new InputError(`${indexPath} has no weight_map`);
    for (const [name, shard] of Object.entries(weightMap)) {
      if (typeof shard !== 'string') throw new InputError(`${indexPath}: weight_map gives '${name}' no shard file name`);
      checkShardName(this.dir, shard);
    }
    const shards = [...new Set(Object.values(weightMap) as string[])].sort();
    const missing = shards.filter((s) => !existsSync(join(this.dir, s)));
    if (missing.length) {
      throw new InputError(`checkpoint shard(s) missing from ${this.dir}: ${missing.join(', ')} ` +
        `(listed in ${INDEX_FILE}; the download is incomplete)`);
    }
    for (const shard of shards) this.open(shard);
    for (const [name, shard] of Object.entries(weightMap) as [string, string][]) {
      if (!this.files.get(shard)!.has(name)) {
        throw new InputError(`${INDEX_FILE} says '${name}' is in ${shard}, but that shard does not contain it`);
      }
      this.where.set(name, shard);
    }
  }

  private open(shard: string): SafetensorsFile {
    const f = new SafetensorsFile(join(this.dir, shard));
    this.files.set(shard, f);
    return f;
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  private file(name: string): SafetensorsFile {
    const shard = this.where.get(name);
    if (shard === undefined) throw new InputError(`${this.dir}: the checkpoint has no tensor '${name}'`);
    return this.files.get(shard)!;
  }

  shape(name: string): number[] {
    return this.file(name).shape(name);
  }

  dtype(name: string): string {
    return this.file(name).dtype(name);
  }

  /** How many tensors of each stored dtype (the provenance reports it). */
  dtypes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const name of this.where.keys()) {
      const d = this.dtype(name);
      counts[d] = (counts[d] ?? 0) + 1;
    }
    return counts;
  }

  rows(name: string, lo: number, hi: number): Float32Array {
    return this.file(name).rows(name, lo, hi);
  }

  shardBytes(): number {
    return [...this.files.values()].reduce((sum, f) => sum + statSync(f.path).size, 0);
  }

  close(): void {
    for (const f of this.files.values()) f.close();
  }
}
