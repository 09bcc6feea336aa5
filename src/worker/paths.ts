// Where things live in the diffucode package, for the CLI, the bench and the extension alike: the package root (the
// folder whose package.json is named "diffucode", found from wherever this code runs: dist/*.js when bundled,
// src/**/*.ts under tsx), the bundled model and the worker script. The extension passes its extensionPath as root.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'diffucode') return dir;
      } catch {
        /* not ours; keep climbing */
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the diffucode package root above ${start}`);
  }
}

export const bundledModelDir = (root = packageRoot()) => join(root, 'models', 'diffucode-tiny');
export const workerScript = (root = packageRoot()) => join(root, 'dist', 'worker.js');

export function packageVersion(root = packageRoot()): string {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}
