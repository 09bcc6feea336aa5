// JSON files of a checkpoint folder (config.json, the tokenizer files, the shard index), read with the one error
// line training/hf's readers give: "<path> is not valid JSON: <why>".

import { readFileSync } from 'node:fs';
import { InputError } from './inputError';

export function readJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A JSON object (not an array or a scalar) as a plain record, or undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** Python's truthiness of a JSON value (the readers port `bool(x)` and `x or default` from Python). */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Sets a key on a record as an own property, also for "__proto__" (a tokenizer vocabulary may hold any string). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Python's `json.JSONDecodeError`-free `dict.get`: an own property only (never Object.prototype's). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
