// The converter in its child process (dist/convert.js, what the editor runs): progress comes back, the folder is
// complete, a cancel kills the child and leaves neither the folder nor its staging folder, and bad input keeps its
// error name (InputError: a one-line message for the user). Also the CLI's `convert` on the same checkpoint.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertInChild } from '../../src/models/convert/runner';
import type { ConvertProgress } from '../../src/models/convert/convert';
import { buildOnce, cli, removeTemps, ROOT, tempDir } from './helpers';

const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = join(ROOT, 'dist', 'convert.js');

describe('conversion in a child process', () => {
  let dir: string;
  let ckpt: string;
  before(() => {
    buildOnce();
    dir = tempDir();
    ckpt = join(dir, 'ckpt');
    const r = spawnSync(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', ckpt, '--set', 'num_hidden_layers=12',
      '--set', 'hidden_size=256', '--set', 'intermediate_size=704'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  after(removeTemps);

  test('converts with progress, the folder complete and renamed into place', async () => {
    const out = join(dir, 'model');
    const seen: ConvertProgress[] = [];
    const r = await convertInChild({ script: SCRIPT, source: ckpt, out, dtype: 'int8', onProgress: (p) => seen.push(p) });
    assert.equal(r.folder, out);
    assert.ok(r.onnxBytes > 0);
    assert.ok(seen.some((p) => p.what === 'layer 12/12'), 'per-layer progress crossed the process boundary');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.weights.dtype, 'int8');
    assert.equal(manifest.architecture.num_hidden_layers, 12);
    assert.ok(!existsSync(`${out}.partial`));
  });

  test('cancel kills the child: no folder, no staging folder', async () => {
    const out = join(dir, 'cancelled');
    const ac = new AbortController();
    let sawStaging = false;
    await assert.rejects(convertInChild({
      script: SCRIPT, source: ckpt, out, signal: ac.signal,
      onProgress: (p) => {
        if (p.what === 'embedding') {
          sawStaging = existsSync(`${out}.partial`);
          ac.abort();
        }
      },
    }), (e: Error) => e.name === 'AbortError');
    assert.ok(sawStaging, 'the child was writing its staging folder when cancelled');
    assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
  });

  test('bad input: the reader\'s error name and one line', async () => {
    await assert.rejects(convertInChild({ script: SCRIPT, source: join(dir, 'missing'), out: join(dir, 'x') }),
      (e: Error) => e.name === 'InputError' && !e.message.includes('\n') && /missing/.test(e.message));
    assert.ok(!existsSync(join(dir, 'x')) && !existsSync(join(dir, 'x.partial')));
  });

  test('the CLI: the folder on stdout, exit 2 with one line for bad input', () => {
    const out = join(dir, 'cli-model');
    const ok = cli(['convert', ckpt, out, '--dtype', 'int4', '--quiet']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim().split('\n').at(-1), out);
    const again = cli(['convert', ckpt, out]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists and is not empty; pass --force/);
    const bad = cli(['convert', join(dir, 'missing'), join(dir, 'y')]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').filter((l) => !l.startsWith('[convert]')).length, 1, bad.stderr);
    assert.equal(cli(['convert', ckpt]).status, 2);
    assert.equal(cli(['convert', ckpt, out, '--dtype', 'int3']).status, 2);
  });
});
