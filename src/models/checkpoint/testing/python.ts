// The project's Python tools, for tests that check the TypeScript readers against what the Python side (numpy,
// training/hf, the gguf package) reads from the same files. Nothing is skipped without .venv: the test fails and
// says how to make it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
export const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

function requirePython(): void {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run test/setup-python.sh to create the project's Python environment`);
}

/** Runs `python args...` in the repository root; fails the test with its stderr unless it exits 0. */
export function py(args: string[], input?: string): string {
  requirePython();
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', input, timeout: 300_000, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `${PYTHON} ${args.slice(0, 3).join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Runs a Python program (code on stdin) with argv, returning its stdout parsed as JSON. */
export function pyJson(code: string, args: string[] = []): any {
  return JSON.parse(py(['-', ...args], code));
}

/** A tiny random checkpoint written by training/hf/make_tiny_checkpoint.py. */
export function makeTiny(dir: string, args: string[] = []): string {
  py(['-m', 'training.hf.make_tiny_checkpoint', dir, ...args]);
  return dir;
}

/** What training/hf's readers make of a checkpoint folder (testing/reference.py), or {error} when they refuse it. */
export function pythonReads(dir: string, args: string[] = []): any {
  return JSON.parse(py([join(ROOT, 'src/models/checkpoint/testing/reference.py'), dir, ...args]));
}

/** GGUF files written from tiny checkpoints by training/hf/tiny_gguf.py, all in one Python process:
 *  [checkpoint, out.gguf, qtype, options] each. */
export function writeGgufs(jobs: [string, string, string, Record<string, unknown>][]): void {
  py(['-m', 'training.hf.tiny_gguf', '--jobs', JSON.stringify(jobs)]);
}

/** What the Python side reads from GGUF files (testing/gguf_reference.py), keyed by path. */
export function ggufReferences(paths: string[]): Record<string, any> {
  return JSON.parse(py([join(ROOT, 'src/models/checkpoint/testing/gguf_reference.py'), ...paths]));
}
