// Broken model folders through the real CLI and worker: each is refused with ONE line on standard error (exit 1),
// quickly (no hang), and leaves no worker process behind. The folders are copies of the bundled model with one
// thing broken. Unreadable files are tried as an unprivileged user (root reads everything). Figures: the time to
// fail per folder, section "brokenModels".

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildOnce, CLI, MODEL, ROOT, tempDir, removeTemps } from '../integration/helpers';
import { processesTagged, recordFigures, round } from './figures';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
/** Far above any real failure here (under a second or two), far below a hang. */
const NO_HANG_MS = 60_000;
const figures: Record<string, number> = {};
let base: string;

before(() => {
  buildOnce();
  base = tempDir();
  chmodSync(base, 0o755); // the unprivileged runs must reach the folders
});
after(() => {
  recordFigures('brokenModels', { timeToFailMs: figures });
  removeTemps();
});

/**
 * A copy of the bundled model. The big weights file is hard-linked (never changed through the link) unless the
 * case breaks it; a symlink would not do, ONNX Runtime refuses external data outside the graph's folder.
 */
function modelCopy(name: string, copyData = false): string {
  const dir = join(base, name);
  mkdirSync(dir);
  for (const f of readdirSync(MODEL)) {
    if (f === 'model.onnx.data' && !copyData) {
      try {
        linkSync(join(MODEL, f), join(dir, f));
        continue;
      } catch {
        /* another file system: copy */
      }
    }
    copyFileSync(join(MODEL, f), join(dir, f));
  }
  chmodSync(dir, 0o755);
  return dir;
}
const editManifest = (dir: string, edit: (m: Record<string, any>) => void) => {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
};

interface Case {
  name: string;
  make: () => string;
  expect: RegExp;
  /** Run the CLI as an unprivileged user. */
  unprivileged?: boolean;
}

const CASES: Case[] = [
  { name: 'folder does not exist', make: () => join(base, 'nowhere'), expect: /model folder .*nowhere: does not exist or is not a folder/ },
  { name: 'manifest missing', make: () => { const d = modelCopy('no-manifest'); rmSync(join(d, 'manifest.json')); return d; }, expect: /manifest\.json is missing/ },
  { name: 'truncated external data', make: () => { const d = modelCopy('truncated-data', true); truncateSync(join(d, 'model.onnx.data'), statSync(join(d, 'model.onnx.data')).size >> 1); return d; }, expect: /ONNX Runtime could not load .*model\.onnx: .*(external|data|offset|length|size)/i },
  { name: 'random graph bytes', make: () => { const d = modelCopy('random-graph'); writeFileSync(join(d, 'model.onnx'), randomBytes(140_000)); return d; }, expect: /ONNX Runtime could not load .*model\.onnx/ },
  { name: 'bad tokenizer JSON', make: () => { const d = modelCopy('bad-tokenizer'); writeFileSync(join(d, 'tokenizer.json'), '{"model": {"type": "BPE", '); return d; }, expect: /tokenizer .*tokenizer\.json is not valid JSON/ },
  { name: 'vocabulary smaller than the tokenizer', make: () => { const d = modelCopy('vocab-small'); editManifest(d, (m) => (m.vocabSize = 1000)); return d; }, expect: /tokens\.\w+ = \d+ is outside the vocabulary|tokenizer\/model vocabulary mismatch/ },
  { name: 'vocabulary larger than the graph', make: () => { const d = modelCopy('vocab-large'); editManifest(d, (m) => (m.vocabSize = m.vocabSize + 64)); return d; }, expect: /the (window )?graph returned logits of shape \[\d+, \d+\], expected \[\d+, \d+\]/ },
  { name: 'special id out of range', make: () => { const d = modelCopy('id-range'); editManifest(d, (m) => (m.tokens.mask = 99999)); return d; }, expect: /tokens\.mask = 99999 is outside the vocabulary/ },
  { name: 'duplicate special ids (mask = bos)', make: () => { const d = modelCopy('id-dup'); editManifest(d, (m) => (m.tokens.mask = m.tokens.bos)); return d; }, expect: /tokens\.mask and tokens\.bos are both \d+/ },
  { name: 'window graph missing', make: () => { const d = modelCopy('no-window'); rmSync(join(d, 'window.onnx')); return d; }, expect: /the window graph window\.onnx is missing/ },
  { name: 'unreadable manifest', unprivileged: true, make: () => { const d = modelCopy('ro-manifest'); chmodSync(join(d, 'manifest.json'), 0); return d; }, expect: /^diffucode: permission denied: .*ro-manifest\/manifest\.json$/ },
  { name: 'unreadable graph', unprivileged: true, make: () => { const d = modelCopy('ro-graph'); chmodSync(join(d, 'model.onnx'), 0); return d; }, expect: /^diffucode: permission denied: .*ro-graph\/model\.onnx$/ },
  { name: 'unreadable folder', unprivileged: true, make: () => { const d = modelCopy('ro-folder'); chmodSync(d, 0); return d; }, expect: /^diffucode: permission denied: .*ro-folder/ },
];

for (const c of CASES) {
  test(`broken model folder: ${c.name} -> one line, exit 1, no hang, no process left`, () => {
    const dir = c.make();
    const tag = `DIFFUCODE_RELIABILITY_${randomUUID()}`;
    const asUser = c.unprivileged && isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'fill', '--stdin', '--model', dir, '--algorithm', 'threshold', '--threshold', '0.5'], {
      cwd: ROOT,
      input: 'x = <|mask:3|>\n',
      encoding: 'utf8',
      timeout: NO_HANG_MS,
      env: { ...process.env, [tag]: '1', HOME: base },
      ...asUser,
    });
    const ms = performance.now() - t0;
    figures[c.name] = round(ms);
    assert.notEqual(r.signal, 'SIGTERM', `hung for ${NO_HANG_MS} ms`);
    assert.equal(r.status, 1, `exit status; stderr: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0], /^diffucode: /);
    assert.match(lines[0], c.expect);
    assert.deepEqual(processesTagged(tag), [], 'no worker left behind');
    if (c.unprivileged) chmodSync(dir, 0o755);
  });
}
