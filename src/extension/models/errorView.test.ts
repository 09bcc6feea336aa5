// The editor's wording of the refusals pullModel really throws: each produced by pullModel against the local
// stand-in of the Hub's API (or an unreachable port), so a change of the CLI wording upstream shows up here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubStandIn } from '../../../test/hub/hubStandIn';
import { ModelError, type ModelErrorCode } from '../../models/errors';
import { pullModel, type ConvertFn } from '../../models/pull';
import { ACTION_LABELS, convertErrorView, editorWording, ERROR_ACTIONS, errorView } from './errorView';
import { validateDreamConfig } from '../../models/checkpoint/dreamConfig';
import { hubEnv } from './hubEnv';

const files = () => new Map([['config.json', Buffer.from('{"architectures":["DreamModel"],"model_type":"Dream"}')]]);
let hub: HubStandIn;
let dir: string;
before(async () => {
  hub = await HubStandIn.start({ 'org/gated': { files: files(), gated: 'manual' } });
  dir = mkdtempSync(join(tmpdir(), 'diffucode-errview-'));
});
after(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

const neverConvert: ConvertFn = async () => assert.fail('a refused pull must not convert');

async function refusal(model: string, o: { endpoint?: string; token?: string; signal?: AbortSignal; accept?: boolean } = {}): Promise<ModelError> {
  const env = hubEnv({ HF_HUB_CACHE: join(dir, 'hf'), DIFFUCODE_MODELS: join(dir, 'models') }, o.endpoint ?? hub.url);
  try {
    await pullModel({ model, env, token: o.token, signal: o.signal, convert: neverConvert, acceptLicense: async () => !!o.accept });
  } catch (e) {
    assert.ok(e instanceof ModelError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('gated without a token: one line naming the Hub page, the editor\'s way to set a token, no HF_TOKEN', async () => {
  const e = await refusal('org/gated');
  assert.equal(e.code, 'GATED');
  const v = errorView(e, false);
  assert.equal(v.severity, 'error');
  assert.ok(!v.message.includes('\n'));
  assert.ok(!v.message.includes('HF_TOKEN'), v.message);
  assert.ok(v.message.includes(`${hub.url}/org/gated`), v.message);
  assert.match(v.message, /Set Hugging Face token/);
  assert.deepEqual(v.actions, ['openHubPage', 'setToken']);
});

test('unknown repo: offers a token (it may be private) only while none is stored', async () => {
  const e = await refusal('org/nothing-here');
  assert.equal(e.code, 'REPO_NOT_FOUND');
  assert.ok(!errorView(e, false).message.includes('HF_TOKEN'), errorView(e, false).message);
  assert.deepEqual(errorView(e, false).actions, ['setToken', 'chooseAnother']);
  assert.deepEqual(errorView(e, true).actions, ['chooseAnother']);
});

test('offline: names the endpoint setting instead of HF_ENDPOINT, and offers to try again', async () => {
  const e = await refusal('org/gated', { endpoint: `http://127.0.0.1:${await closedPort()}` });
  assert.equal(e.code, 'OFFLINE');
  const v = errorView(e, false);
  assert.match(v.message, /diffucode\.hub\.endpoint/);
  assert.ok(!v.message.includes('HF_ENDPOINT'));
  assert.deepEqual(v.actions, ['retry', 'showLog']);
});

test('a mistyped endpoint names the setting it may come from', async () => {
  const e = await refusal('org/gated', { endpoint: 'ftp://mirror.example' });
  assert.equal(errorView(e, false).message, 'the Hub endpoint (the setting diffucode.hub.endpoint, else HF_ENDPOINT) must be an http(s) URL, got ftp://mirror.example');
});

test('a token that is not a Hugging Face token is refused before any request, with a button to replace it', async () => {
  const before = hub.log.length;
  const e = await refusal('org/gated', { token: 'my-password' });
  assert.equal(e.code, 'BAD_TOKEN');
  assert.equal(hub.log.length, before, 'no request was made');
  assert.deepEqual(errorView(e, true).actions, ['setToken']);
});

test('a licence not accepted and a cancel are the user\'s choices: said quietly; a cancel offers to resume', async () => {
  const declined = await refusal('coda-1.7b-instruct', { accept: false });
  assert.equal(declined.code, 'LICENCE_DECLINED');
  assert.deepEqual(errorView(declined, false), { severity: 'info', message: 'the licence was not accepted; nothing was downloaded.', actions: [] });
  const ac = new AbortController();
  ac.abort();
  const cancelled = await refusal('org/gated', { signal: ac.signal });
  assert.equal(cancelled.code, 'CANCELLED');
  const v = errorView(cancelled, false);
  assert.equal(v.severity, 'info');
  assert.deepEqual(v.actions, ['retry']);
});

test('every error code has its buttons, each with a label; anything else is one line with the log', () => {
  const codes = Object.keys(ERROR_ACTIONS) as ModelErrorCode[];
  assert.ok(codes.length >= 20);
  for (const c of codes) for (const a of ERROR_ACTIONS[c]) assert.ok(ACTION_LABELS[a]);
  assert.deepEqual(errorView(new Error('EACCES: permission denied, mkdir \'/x\'\n    at stack'), false), {
    severity: 'error',
    message: "getting the model failed: EACCES: permission denied, mkdir '/x'",
    actions: ['showLog'],
  });
  assert.equal(editorWording('the connection ended after 5 of 9 bytes (run the same command again to resume)'), 'the connection ended after 5 of 9 bytes (try again to resume where it stopped)');
});

test('conversion failures: the converter\'s --license and --assume-dream hints become buttons', () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  const lic = convertErrorView(named('ConvertError', '/x/ckpt states no licence (no README.md front matter, no LICENSE file); pass --license'));
  assert.deepEqual(lic, { severity: 'error', message: '/x/ckpt states no licence (no README.md front matter, no LICENSE file)', actions: ['askLicence'] });
  // The checkpoint reader's own refusal of a Qwen2 config.
  let thrown: unknown;
  try {
    validateDreamConfig({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' });
  } catch (e) {
    thrown = e;
  }
  const qwen = convertErrorView(thrown);
  assert.deepEqual(qwen.actions, ['assumeDream']);
  assert.ok(!qwen.message.includes('--assume-dream'), qwen.message);
  assert.match(qwen.message, /convert it as Dream only if/);
  assert.deepEqual(convertErrorView(named('AbortError', 'conversion cancelled')), { severity: 'info', message: 'conversion cancelled; nothing was installed.', actions: [] });
  assert.deepEqual(convertErrorView(new Error('the conversion process ended (SIGKILL) before finishing')), {
    severity: 'error',
    message: 'the conversion failed: the conversion process ended (SIGKILL) before finishing',
    actions: ['showLog'],
  });
});
