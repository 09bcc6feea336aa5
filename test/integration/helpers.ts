// Shared setup for the integration tests: the real embedded model, the bundled worker and CLI (built here so the
// tests never run stale bundles), and a temp folder.

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledModelDir, workerScript } from '../../src/worker/paths';

export const ROOT = join(__dirname, '..', '..');
// DIFFUCODE_TEST_MODEL: run the suites against another folder (a release candidate, an exported checkpoint).
export const MODEL = process.env.DIFFUCODE_TEST_MODEL ?? bundledModelDir(ROOT);
export const WORKER = workerScript(ROOT);
export const CLI = join(ROOT, 'dist', 'cli.js');

let built = false;
export function buildOnce(): void {
  if (built) return;
  assert.ok(existsSync(join(MODEL, 'manifest.json')), `the embedded model is missing at ${MODEL}; the integration tests need it`);
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `esbuild failed: ${r.stderr}`);
  built = true;
}

const temps: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'diffucode-it-'));
  temps.push(d);
  return d;
}
export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function cli(args: string[], input?: string | Buffer, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout, maxBuffer: 64 * 1024 * 1024 });
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
