import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remoteHint } from './remoteHint';

test('a remote window names the Remote settings tab for the machine-scoped model folder; a local one adds nothing', () => {
  assert.match(remoteHint('ssh-remote'), /ssh-remote.*diffucode\.modelPath.*Remote tab.*greyed out/);
  assert.equal(remoteHint(undefined), '');
});
