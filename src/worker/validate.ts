// Validates every message the worker receives, at the boundary: IPC carries whatever a sender (or a bug in one)
// puts on it, and the engine behind trusts its types (a string budget silently emptied the fill, `singleLine:
// "yes"` counted as false, a `null` message crashed the process). A bad message is refused with BAD_REQUEST
// naming the field; the worker never throws on one. Value ranges that depend on the model (a gap's size against
// the context, the sampler's bounds) stay with the engine, which checks them with the same error code family.

import { EngineError } from '../engine/types';
import type { ToWorker } from './protocol';

export type Checked = { ok: true; msg: ToWorker } | { ok: false; id?: number; error: EngineError };

const TYPES = ['init', 'load', 'infill', 'cancel', 'shutdown'] as const;

class Bad extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
};

function need(cond: boolean, field: string, what: string, got: unknown): void {
  if (!cond) throw new Bad(`${field} must be ${what} (got ${show(got)})`);
}
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const isInt = (min: number) => (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
const isString = (v: unknown) => typeof v === 'string';
const isBool = (v: unknown) => typeof v === 'boolean';

export function checkMessage(raw: unknown): Checked {
  let id: number | undefined;
  try {
    need(isObject(raw), 'message', 'an object with a "type"', raw);
    const m = raw as Record<string, unknown>;
    need(TYPES.includes(m.type as (typeof TYPES)[number]), 'type', `one of ${TYPES.join(', ')}`, m.type);
    if (m.type === 'load' || m.type === 'infill' || m.type === 'cancel') {
      need(isInt(0)(m.id), 'id', 'an integer >= 0', m.id);
      id = m.id as number;
    }
    if (m.type === 'init') checkConfig(m.config);
    if (m.type === 'infill') {
      checkRequest(m.request);
      need(optional(m.progress, isBool), 'progress', 'true or false', m.progress);
      need(optional(m.supersedeKey, isString), 'supersedeKey', 'a string', m.supersedeKey);
      need(optional(m.background, isBool), 'background', 'true or false', m.background);
    }
    return { ok: true, msg: m as unknown as ToWorker };
  } catch (e) {
    if (!(e instanceof Bad)) throw e;
    return { ok: false, id, error: new EngineError(`bad worker message: ${e.message}`, 'BAD_REQUEST') };
  }
}

function checkConfig(c: unknown): void {
  need(isObject(c), 'config', 'an object', c);
  const o = c as Record<string, unknown>;
  need(typeof o.modelDir === 'string' && o.modelDir.length > 0, 'config.modelDir', 'a non-empty string', o.modelDir);
  need(optional(o.executionProvider, isString), 'config.executionProvider', 'a string', o.executionProvider);
  need(optional(o.threads, isInt(0)), 'config.threads', 'an integer >= 0', o.threads);
  need(optional(o.idleUnloadMs, (v) => typeof v === 'number' && v >= 0 && Number.isFinite(v)), 'config.idleUnloadMs', 'a number >= 0', o.idleUnloadMs);
  need(optional(o.measureSpeed, (v) => typeof v === 'boolean'), 'config.measureSpeed', 'a boolean', o.measureSpeed);
}

function checkRequest(r: unknown): void {
  need(isObject(r), 'request', 'an object', r);
  const q = r as Record<string, unknown>;
  need(Array.isArray(q.gaps) && q.gaps.length > 0, 'request.gaps', 'a non-empty array', q.gaps);
  const gaps = q.gaps as unknown[];
  need(Array.isArray(q.pieces), 'request.pieces', `an array of gaps.length + 1 = ${gaps.length + 1} strings`, q.pieces);
  const n = (q.pieces as unknown[]).length;
  if (n !== gaps.length + 1) throw new Bad(`request.pieces must have gaps.length + 1 = ${gaps.length + 1} strings (got ${n})`);
  (q.pieces as unknown[]).forEach((p, i) => need(isString(p), `request.pieces[${i}]`, 'a string', p));
  gaps.forEach((g, i) => {
    need(isObject(g), `request.gaps[${i}]`, 'an object', g);
    const o = g as Record<string, unknown>;
    need(isInt(1)(o.maxTokens), `request.gaps[${i}].maxTokens`, 'an integer >= 1', o.maxTokens);
    need(optional(o.singleLine, isBool), `request.gaps[${i}].singleLine`, 'true or false', o.singleLine);
  });
  // The sampler's fields are checked by the engine (resolveSampler), which knows their bounds; here only its shape.
  need(optional(q.sampler, isObject), 'request.sampler', 'an object', q.sampler);
  need(optional(q.budget, isObject), 'request.budget', 'an object', q.budget);
  need(optional(q.ghostText, isObject), 'request.ghostText', 'an object', q.ghostText);
  const g = (q.ghostText ?? {}) as Record<string, unknown>;
  need(optional(g.document, isString), 'request.ghostText.document', 'a string', g.document);
  for (const k of ['reuse', 'prefillOnly']) need(optional(g[k], isBool), `request.ghostText.${k}`, 'true or false', g[k]);
  need(optional(g.forceTokensPerPass, isInt(1)), 'request.ghostText.forceTokensPerPass', 'an integer >= 1', g.forceTokensPerPass);
  need(optional(g.forceLength, isInt(1)), 'request.ghostText.forceLength', 'an integer >= 1', g.forceLength);
  const b = (q.budget ?? {}) as Record<string, unknown>;
  for (const k of ['prefixTokens', 'suffixTokens']) need(optional(b[k], isInt(0)), `request.budget.${k}`, 'an integer >= 0', b[k]);
}
