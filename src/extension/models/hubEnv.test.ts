import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ENDPOINT, hubEndpoint } from '../../models/hub/hubConfig';
import { hubEnv } from './hubEnv';

test('the endpoint: the setting when set, else HF_ENDPOINT, else the Hub; the rest of the environment is kept', () => {
  const base = { HF_ENDPOINT: 'https://mirror.example', HF_HUB_CACHE: '/c', DIFFUCODE_MODELS: '/m' };
  assert.equal(hubEndpoint(hubEnv(base, 'http://127.0.0.1:9/')), 'http://127.0.0.1:9');
  assert.equal(hubEndpoint(hubEnv(base, '  ')), 'https://mirror.example');
  // Nothing set: the client's default Hub (DEFAULT_ENDPOINT). Only the name is compared; no test ever connects to it.
  assert.equal(hubEndpoint(hubEnv({}, '')), DEFAULT_ENDPOINT);
  assert.equal(hubEnv(base, 'http://x').HF_HUB_CACHE, '/c');
  assert.equal(hubEnv(base, 'http://x').DIFFUCODE_MODELS, '/m');
  // The caller's object is never changed (it is process.env in the extension).
  hubEnv(base, 'http://x');
  assert.equal(base.HF_ENDPOINT, 'https://mirror.example');
});
