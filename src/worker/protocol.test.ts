// The client contract's error codes: an engine error keeps its code across IPC (toWire -> fromWire), so callers
// branch on codes instead of class names, which do not survive the trip; isAbort knows both kinds of cancel.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abortError, ENGINE_ERROR_CODES, EngineError } from '../engine/types';
import { MarkerError } from '../engine/text/maskMarkers';
import { ClientError, errorCode, fromWire, isAbort, isErrorCode, toWire } from './protocol';

test('every engine code survives toWire -> fromWire, with the message and the name', () => {
  for (const code of ENGINE_ERROR_CODES) {
    const back = fromWire(toWire(new EngineError(`failed with ${code}`, code)));
    assert.ok(back instanceof EngineError);
    assert.equal(back.code, code);
    assert.equal(back.name, 'EngineError');
    assert.equal(back.message, `failed with ${code}`);
  }
  const marker = fromWire(toWire(new MarkerError('bad marker')));
  assert.equal(marker.code, 'BAD_MARKER');
  assert.equal(marker.name, 'MarkerError');
});

test('a cancel crosses IPC as an AbortError with code ABORTED and the passes started after it', () => {
  const back = fromWire({ ...toWire(abortError()), passesStartedAfterCancel: 0 });
  assert.equal(back.name, 'AbortError');
  assert.equal(back.code, 'ABORTED');
  assert.equal(back.passesStartedAfterCancel, 0);
  // A wire error named AbortError without a code (a message written by hand, as the reliability tests do).
  assert.equal(fromWire({ name: 'AbortError', message: 'x' }).code, 'ABORTED');
});

test('an error without an engine code (a bug\'s TypeError, a raw ENOENT) comes back as INTERNAL', () => {
  const bug = fromWire(toWire(new TypeError('x is undefined')));
  assert.equal(bug.code, 'INTERNAL');
  assert.equal(bug.name, 'TypeError');
  const fs = fromWire(toWire(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })));
  assert.equal(fs.code, 'INTERNAL');
  assert.match(fs.message, /ENOENT/);
});

test('isAbort: code ABORTED from any client, or the caller\'s own AbortController; nothing else', () => {
  assert.ok(isAbort(abortError()));
  assert.ok(isAbort(fromWire(toWire(abortError()))));
  const ctrl = new AbortController();
  ctrl.abort();
  assert.ok(isAbort(ctrl.signal.reason), 'the DOMException an AbortController aborts with');
  assert.ok(!isAbort(new EngineError('unloaded', 'UNLOADED')));
  assert.ok(!isAbort(new ClientError('gone', 'WORKER_RESTARTED')));
  assert.ok(!isAbort('AbortError'));
  assert.ok(!isAbort(undefined));
});

test('errorCode reads only codes of ours (a DOMException\'s numeric code, an errno string are not)', () => {
  assert.equal(errorCode(new ClientError('late', 'WORKER_TIMEOUT')), 'WORKER_TIMEOUT');
  assert.equal(errorCode(new DOMException('aborted', 'AbortError')), undefined);
  assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' })), undefined);
  assert.equal(errorCode(null), undefined);
  assert.ok(isErrorCode('TOO_LONG') && isErrorCode('UNREACHABLE') && !isErrorCode('HTTP_500'));
});
