import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GET_FASTER_MODEL, offActions, offNotice, offReason, statusMenuEntries, TURN_ON_ANYWAY } from './ghostTextState';

const slow = { kind: 'slow-model' as const, model: 'diffucoder-7b', msPerSuggestion: 5100 };

test('the reason says how slow, in the words of the status bar', () => {
  assert.equal(offReason(slow), 'model too slow here: ~5.1 s per suggestion');
  assert.equal(offReason({ ...slow, msPerSuggestion: 75_400 }), 'model too slow here: ~75 s per suggestion');
  assert.equal(offReason({ kind: 'setting' }), 'turned off (diffucode.ghostText.enabled)');
});

test('the slow-model notice names the model, says what still works, offers the two ways on, and gives no wrong advice', () => {
  const text = offNotice(slow);
  assert.match(text, /ghost text is off for diffucoder-7b: it needs ~5\.1 s per suggestion/);
  assert.match(text, /Fill masked region/);
  assert.doesNotMatch(text, /set diffucode\.ghostText\.enabled to true/, 'the setting is already true: no such advice');
  assert.deepEqual(offActions(slow), [TURN_ON_ANYWAY, GET_FASTER_MODEL]);
  assert.deepEqual(offActions({ kind: 'setting' }), []);
});

test('the status menu leads with what to do about ghost text being off', () => {
  const commands = (off: Parameters<typeof statusMenuEntries>[0]) => statusMenuEntries(off, '/m').map((e) => e.command);
  assert.deepEqual(commands(slow), ['diffucode.ghostTextOnAnyway', 'diffucode.getFasterModel', 'diffucode.selectModel', 'diffucode.showLog']);
  assert.match(statusMenuEntries(slow, '/m')[0].label, /Turn on anyway/);
  assert.equal(statusMenuEntries(slow, '/m')[0].description, 'model too slow here: ~5.1 s per suggestion');
  assert.deepEqual(commands({ kind: 'setting' }), ['diffucode.toggleGhostText', 'diffucode.selectModel', 'diffucode.getModel', 'diffucode.showLog']);
  assert.deepEqual(commands(undefined), ['diffucode.toggleGhostText', 'diffucode.selectModel', 'diffucode.getModel', 'diffucode.showLog']);
  assert.match(statusMenuEntries({ kind: 'setting' }, '/m')[0].label, /Turn ghost text on/);
  assert.match(statusMenuEntries(undefined, '/m')[0].label, /Turn ghost text off/);
});
