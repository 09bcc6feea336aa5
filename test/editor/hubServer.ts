// The Hub for the editor test of "Get a model…": the local stand-in of the Hub's API (test/hub/hubStandIn.ts)
// serving a tiny random checkpoint (training/hf/make_tiny_checkpoint.py) under the repo of a catalog row, at the
// row's pinned revision, so the extension's real catalog quick pick, licence modal, download and conversion run
// against it; and a gated repo outside the catalog (GATED_REPO, readable with HUB_TOKEN) for the token flow. run.sh
// starts this before the VS Code server and points `diffucode.hub.endpoint` at it.
//
//   node --import tsx test/editor/hubServer.ts <work-folder> <catalog-id> <family>
//
// Prints one line `HUB <url> <repo>` once it listens; serves until SIGTERM, then prints what was served.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findRow } from '../../src/models/catalog/catalog';
import { COMMIT_SHA } from '../../src/models/hub/names';
import { HubStandIn, filesOf } from '../hub/hubStandIn';

const ROOT = join(__dirname, '..', '..');
/** A gated repository outside the catalog, and the one token that may read it. */
export const GATED_REPO = 'org/gated-tiny-dream';
export const HUB_TOKEN = 'hf_editor_test_token';
const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

async function main(): Promise<void> {
  const [work, id, family] = process.argv.slice(2);
  if (!family) throw new Error('usage: hubServer.ts <work-folder> <catalog-id> <family>');
  const row = findRow(id);
  if (!row) throw new Error(`no catalog row ${id}`);
  const ckpt = join(work, 'ckpt');
  execFileSync(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', ckpt, '--family', family], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const gated = join(work, 'gated');
  execFileSync(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', gated, '--family', 'dream'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const hub = await HubStandIn.start({
    [row.repo]: { files: filesOf(ckpt), commit: COMMIT_SHA.test(row.revision) ? row.revision : undefined },
    [GATED_REPO]: { files: filesOf(gated), gated: 'manual' },
  });
  hub.tokens.add(HUB_TOKEN);
  console.log(`HUB ${hub.url} ${row.repo}`);
  const stop = async () => {
    for (const r of hub.log) console.log(`${r.method} ${r.path}${r.range ? ` [${r.range}]` : ''} -> ${r.status}`);
    console.log(`served ${[...hub.served.values()].reduce((a, b) => a + b, 0)} content bytes`);
    await hub.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
