// What "Get a model…" and "Convert a checkpoint or GGUF file…" run under their notification, without the editor
// around it: pullModel with the editor's endpoint layering (hubEnv), the converter in its child process
// (childConvert: dist/convert.js) and the editor's progress bar (ProgressText), against the local stand-in of the
// Hub's API serving a tiny random Dream checkpoint under a catalog row's repo. And the promise behind Cancel: at any
// moment (mid-download, mid-conversion) nothing is left in the models store, not even a staging folder; trying again
// resumes from the Hugging Face cache.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubStandIn, filesOf } from '../hub/hubStandIn';
import { buildOnce, cli, removeTemps, ROOT, tempDir } from './helpers';
import { findRow } from '../../src/models/catalog/catalog';
import { ModelError } from '../../src/models/errors';
import { pullModel, type PullProgress } from '../../src/models/pull';
import { openStore } from '../../src/models/store/modelStore';
import { childConvert } from '../../src/extension/models/childConvert';
import { convertIntoStore } from '../../src/extension/models/convertIntoStore';
import { hubEnv } from '../../src/extension/models/hubEnv';
import { ProgressText } from '../../src/extension/models/progressText';
import { storeListing } from '../../src/extension/models/storeAccess';

const PYTHON = process.env.DIFFUCODE_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const ROW = findRow('open-dcoder-0.5b')!;

let hub: HubStandIn;
let work: string;
let ckpt: string;
before(async () => {
  buildOnce();
  work = tempDir();
  ckpt = join(work, 'ckpt');
  execFileSync(PYTHON, ['-m', 'training.hf.make_tiny_checkpoint', ckpt, '--family', 'dream'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  hub = await HubStandIn.start({ [ROW.repo]: { files: filesOf(ckpt) } });
});
after(async () => {
  await hub?.close();
  removeTemps();
});

let n = 0;
/** A fresh store and HF cache; the endpoint comes from the editor's setting, HF_ENDPOINT points nowhere useful. */
function editorEnv(): { env: NodeJS.ProcessEnv; store: string } {
  const base = join(work, `t${n++}`);
  const env = hubEnv({ HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_CACHE: join(base, 'hf'), DIFFUCODE_MODELS: join(base, 'models') }, hub.url);
  return { env, store: env.DIFFUCODE_MODELS! };
}

const pull = (env: NodeJS.ProcessEnv, signal?: AbortSignal, onProgress?: (p: PullProgress) => void) =>
  pullModel({ model: ROW.id, dtype: 'int4', env, convert: childConvert(ROOT), signal, onProgress });

const shardBytes = () => [...hub.served].filter(([k]) => k.endsWith('.safetensors')).reduce((s, [, v]) => s + v, 0);

/** The store holds exactly these entries (no staging folder, nothing half-written). */
function storeHolds(store: string, names: string[]): void {
  assert.deepEqual(existsSync(store) ? readdirSync(store).sort() : [], names);
}

async function cancelledAt(env: NodeJS.ProcessEnv, stage: PullProgress['stage']): Promise<void> {
  const ac = new AbortController();
  try {
    await pull(env, ac.signal, (p) => p.stage === stage && ac.abort());
  } catch (e) {
    assert.ok(e instanceof ModelError && e.code === 'CANCELLED', `expected a cancel, got ${(e as Error)?.stack}`);
    return;
  }
  assert.fail(`the pull finished although cancelled at ${stage}`);
}

test('a catalog row from the endpoint setting, converted in the child process, listed by the store, filled by the CLI', async () => {
  const { env, store } = editorEnv();
  const bar = new ProgressText();
  const stages: string[] = [];
  let sum = 0;
  const r = await pull(env, undefined, (p) => {
    if (stages.at(-1) !== p.stage) stages.push(p.stage);
    const s = bar.step(p);
    assert.ok(s.increment >= 0 && s.message.length > 0);
    sum += s.increment;
  });
  assert.deepEqual(stages, ['resolve', 'download', 'convert', 'done']);
  assert.equal(Math.round(sum), 100);
  const name = `${ROW.repo.replace('/', '--')}-int4`;
  assert.equal(r.folder, join(store, name));
  storeHolds(store, [name]);
  const listed = storeListing(env);
  assert.equal(listed.dir, store);
  assert.deepEqual(listed.models.map((m) => [m.name, m.family, m.dtype]), [[name, 'dream', 'int4']]);
  assert.equal(listed.models[0].source, `hf:${ROW.repo}@${hub.commitOf(ROW.repo)}`);
  for (const f of ['manifest.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'MODEL_CARD.md']) assert.ok(existsSync(join(r.folder, f)), f);
  assert.equal(JSON.parse(readFileSync(join(r.folder, 'manifest.json'), 'utf8')).license, ROW.license.id);
  const src = join(work, 'gap.py');
  writeFileSync(src, 'def add(a, b):\n    return <|mask:4|>\n');
  // Random weights write noise: the parse check would refuse it, which is not what this test is about.
  const fill = cli(['fill', src, '--model', r.folder, '--seed', '1', '--parse-check', 'off']);
  assert.equal(fill.status, 0, fill.stderr);
  assert.ok(!fill.stdout.includes('<|mask'));
});

test('Cancel during the download, then during the conversion: nothing in the store each time; trying again resumes from the cache', async () => {
  const { env, store } = editorEnv();
  await cancelledAt(env, 'download');
  storeHolds(store, []);
  await cancelledAt(env, 'convert');
  storeHolds(store, []);
  // The third try converts from the Hugging Face cache: not one weight byte more from the network.
  const atRetry = shardBytes();
  const r = await pull(env);
  assert.equal(r.fetchedBytes, 0);
  assert.equal(shardBytes(), atRetry);
  storeHolds(store, [`${ROW.repo.replace('/', '--')}-int4`]);
});

test('Convert a checkpoint on disk into the store; a cancel mid-conversion leaves nothing', async () => {
  const { env, store } = editorEnv();
  const dir = await openStore(store);
  const ac = new AbortController();
  await assert.rejects(
    convertIntoStore(ROOT, dir, { source: ckpt, dtype: 'int8', name: 'ckpt-int8' }, ac.signal, () => ac.abort()),
    (e: Error) => e.name === 'AbortError',
  );
  storeHolds(store, []);
  const steps: string[] = [];
  const folder = await convertIntoStore(ROOT, dir, { source: ckpt, dtype: 'int8', name: 'ckpt-int8' }, new AbortController().signal, (p) => steps.push(p.what));
  assert.equal(folder, join(store, 'ckpt-int8'));
  assert.ok(steps.length > 2, 'the conversion reported its steps');
  storeHolds(store, ['ckpt-int8']);
  assert.deepEqual(storeListing(env).models.map((m) => [m.name, m.dtype]), [['ckpt-int8', 'int8']]);
});
