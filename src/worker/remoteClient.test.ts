// RemoteClient against a scripted fetch: what it sends, how it reads events split anywhere, when it retries and when
// it must not. The real server is exercised in test/serve/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InfillResult } from '../engine/types';
import { isAbort } from './protocol';
import { parseServerUrl, RemoteClient, RemoteError, remoteCode } from './remoteClient';

const RESULT: InfillResult = {
  gaps: [{ text: 'a + b', tokens: [], stopped: true }],
  stats: { steps: 2, forwardPasses: 2, tokensPerForward: 1.5, tokensCommitted: 3, slotsFinalisedByStop: 0, modelMs: 1, samplerMs: 1, prepareMs: 1, totalMs: 3, canvasTokens: 10, trimmedTokens: 0, algorithm: 'threshold' },
};
const REQ = { pieces: ['return ', '\n'], gaps: [{ maxTokens: 4 }] };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next();
  }) as typeof fetch;
  return { fake, calls };
}

test('sends the bearer token and the request as JSON to /v1/infill under the URL path', async () => {
  const { fake, calls } = scripted([() => json(200, RESULT)]);
  const c = new RemoteClient({ url: 'http://127.0.0.1:8000/team/', token: () => 'tok-123', fetch: fake });
  assert.deepEqual(await c.infill(REQ), RESULT);
  assert.equal(calls[0].url, 'http://127.0.0.1:8000/team/v1/infill');
  const h = calls[0].init.headers as Record<string, string>;
  assert.equal(h.authorization, 'Bearer tok-123');
  assert.equal(JSON.parse(calls[0].init.body as string).pieces[0], 'return ');
});

test('reads server-sent events split at any byte: every progress, then the result', async () => {
  const text =
    'event: progress\ndata: {"step":1,"gaps":["a\u2591"],"committed":1,"total":2}\n\n' +
    'event: progress\ndata: {"step":2,"gaps":["a+"],"committed":2,"total":2}\n\n' +
    `event: result\ndata: ${JSON.stringify(RESULT)}\n\n`;
  const bytes = new TextEncoder().encode(text);
  for (const cut of [1, 7, 50, bytes.length - 3]) {
    const body = new ReadableStream({
      start(ctrl) {
        ctrl.enqueue(bytes.slice(0, cut));
        ctrl.enqueue(bytes.slice(cut));
        ctrl.close();
      },
    });
    const { fake, calls } = scripted([() => new Response(body, { status: 200 })]);
    const c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: fake });
    const steps: number[] = [];
    const r = await c.infill(REQ, { onProgress: (p) => steps.push(p.step) });
    assert.deepEqual(steps, [1, 2], `cut at ${cut}`);
    assert.equal(r.gaps[0].text, 'a + b');
    assert.equal((calls[0].init.headers as Record<string, string>).accept, 'text/event-stream');
  }
});

test('retries once when the server or a replica failed, never on the request\'s own error', async () => {
  const unavailable = () => json(503, { error: { message: 'two replicas failed', code: 'unavailable' } });
  let s = scripted([unavailable, () => json(200, RESULT)]);
  let c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  assert.deepEqual(await c.infill(REQ), RESULT);
  assert.equal(c.retries, 1);

  s = scripted([unavailable, unavailable]);
  c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  await assert.rejects(c.infill(REQ), (e: RemoteError) => e.status === 503 && e.code === 'UNAVAILABLE' && /two replicas failed/.test(e.message));
  assert.equal(s.calls.length, 2, 'once more, not forever');

  s = scripted([() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })), () => json(200, RESULT)]);
  c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  assert.deepEqual(await c.infill(REQ), RESULT);

  for (const status of [400, 401, 413, 504]) {
    s = scripted([() => json(status, { error: { message: `said ${status}`, code: 'x' } })]);
    c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake, authHint: 'Set the token.' });
    await assert.rejects(c.infill(REQ), (e: RemoteError) => e.status === status && e.message.includes(`said ${status}`) && (status !== 401 || e.message.endsWith('Set the token.')));
    assert.equal(s.calls.length, 1, `no retry on ${status}`);
  }
});

test('an unreachable server, a missing token and an aborted request give clear errors', async () => {
  let s = scripted([0, 1].map(() => () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))));
  let c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  await assert.rejects(c.load(), (e: RemoteError) => e.code === 'UNREACHABLE' && /cannot reach the DiffuCode server at http:\/\/127\.0\.0\.1:8000 \(ECONNREFUSED\): is `diffucode serve` running/.test(e.message));
  assert.equal(c.currentState.state, 'error');

  s = scripted([]);
  c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: async () => undefined, fetch: s.fake, authHint: 'Run "Set server token".' });
  await assert.rejects(c.infill(REQ), (e: RemoteError) => e.code === 'NO_TOKEN' && /Set server token/.test(e.message));
  assert.equal(s.calls.length, 0, 'nothing is sent without a token');

  const ctrl = new AbortController();
  s = scripted([() => new Promise<Response>((_, reject) => ctrl.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))]);
  c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  const p = c.infill(REQ, { signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 10);
  await assert.rejects(p, (e: Error) => e.name === 'AbortError' && isAbort(e) && (e as RemoteError).code === 'ABORTED');
  assert.equal(s.calls.length, 1, 'a cancelled request is not retried');
});

test('a newer request with the same supersede key cancels the older one', async () => {
  const aborted: boolean[] = [];
  const fake = (async (_url: URL | string, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const sig = init!.signal!;
      sig.addEventListener('abort', () => {
        aborted.push(true);
        reject(new DOMException('aborted', 'AbortError'));
      });
      setTimeout(() => resolve(json(200, RESULT)), 100);
    })) as typeof fetch;
  const c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: fake });
  const first = c.infill(REQ, { supersedeKey: 'doc1' });
  // Let the first request reach the network before the newer one replaces it.
  await new Promise((r) => setTimeout(r, 10));
  const second = c.infill(REQ, { supersedeKey: 'doc1' });
  await assert.rejects(first, (e: Error) => e.name === 'AbortError');
  assert.deepEqual(await second, RESULT);
  assert.equal(aborted.length, 1);
});

test('the server\'s error codes arrive as ErrorCode: the engine\'s own code kept, any other by the HTTP status', async () => {
  // The engine behind the server failed: its code crosses HTTP lower-cased (serve/diffucode_serve/app.py).
  const s = scripted([() => json(400, { error: { message: 'too long', code: 'too_long' } })]);
  const c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 't', fetch: s.fake });
  await assert.rejects(c.infill(REQ), (e: RemoteError) => e.code === 'TOO_LONG' && e.status === 400);
  assert.equal(remoteCode('unavailable', 503), 'UNAVAILABLE');
  assert.equal(remoteCode('worker_died', 503), 'UNAVAILABLE');
  assert.equal(remoteCode('aborterror', 499), 'ABORTED');
  assert.equal(remoteCode('bad_json', 400), 'BAD_REQUEST');
  assert.equal(remoteCode(undefined, 401), 'UNAUTHORIZED');
  assert.equal(remoteCode(undefined, 413), 'TOO_LARGE');
  assert.equal(remoteCode(undefined, 502), 'UNAVAILABLE');
  assert.equal(remoteCode(undefined, 504), 'TIMEOUT');
  assert.equal(remoteCode('typeerror', 500), 'INTERNAL');
});

test('server URLs: http(s) only, no credentials in them, plain http to another host flagged', () => {
  assert.equal(parseServerUrl('http://127.0.0.1:8000').cleartextRemote, false);
  assert.equal(parseServerUrl('http://localhost:8000').cleartextRemote, false);
  assert.equal(parseServerUrl('http://gpu-box:8000').cleartextRemote, true);
  assert.equal(parseServerUrl('https://gpu-box').cleartextRemote, false);
  assert.throws(() => parseServerUrl('ftp://x'), /http:\/\/ or https:\/\//);
  assert.throws(() => parseServerUrl('gpu-box:8000'), /http:\/\/ or https:\/\//);
  assert.throws(() => parseServerUrl('not a url'), /not a server URL/);
  assert.throws(() => parseServerUrl('http://user:pw@gpu-box'), /not in the server URL/);
});

test("ghost text's in-process decode options stay local: the server gets the plain request, a prefill is not sent", async () => {
  const { fake, calls } = scripted([() => json(200, RESULT)]);
  const c = new RemoteClient({ url: 'http://127.0.0.1:8000', token: () => 'tok', fetch: fake });
  assert.deepEqual(await c.infill({ ...REQ, ghostText: { document: 'file:///a.py' } }), RESULT);
  assert.deepEqual(Object.keys(JSON.parse(calls[0].init.body as string)).sort(), ['gaps', 'pieces']);
  const pre = await c.infill({ ...REQ, ghostText: { document: 'file:///a.py', prefillOnly: true } }, { background: true });
  assert.deepEqual(pre.gaps, []);
  assert.equal(calls.length, 1);
});
