// The one mask-marker parser, shared by the CLI (`diffucode fill`) and the extension's fill command: `<|mask|>`
// is a gap of the default size, `<|mask:24|>` a gap of 24 tokens. One rule and one limit everywhere: a gap can
// never hold more tokens than the model's context, so a bigger marker is refused here, when the text is parsed,
// with a message that names the marker and the model's limit (not an internal request field later on).
// No `vscode` import: the editor adapts its settings to MarkerSyntax.

import type { EngineErrorCode } from '../types';

export interface MarkerSyntax {
  /** Text that opens a marker, e.g. `<|mask`. */
  open: string;
  /** Text that closes it, e.g. `|>`; '' for a marker that is one word (then `:N` follows the whole marker). */
  close: string;
}

/** A marker found in the text: [start, end) is the marker itself, to be replaced by the fill. */
export interface MaskMarker {
  start: number;
  end: number;
  maxTokens: number;
}

export interface MarkerLimits {
  /** Size of a marker without `:N`. */
  defaultTokens: number;
  /** The largest gap allowed: the model's context length (undefined only before a model is known). */
  maxTokens?: number;
  /** Named in the message when a marker exceeds maxTokens, e.g. `diffucode-tiny`. */
  modelName?: string;
  /** Where the default size came from, for the message (`--tokens`, a setting name). */
  defaultSource?: string;
}

/** A marker the user has to fix; the message is one line meant for them. */
export class MarkerError extends Error {
  readonly code: EngineErrorCode = 'BAD_MARKER';
  constructor(message: string) {
    super(message);
    this.name = 'MarkerError';
  }
}

/** `<|mask|>` -> open `<|mask`, close `|>`; a marker with no `|>` ending takes `:N` right after the whole marker. */
export function markerSyntax(marker: string): MarkerSyntax {
  if (marker.length === 0) throw new MarkerError('the mask marker must not be empty');
  if (marker.endsWith('|>') && marker.length > 2) return { open: marker.slice(0, -2), close: '|>' };
  return { open: marker, close: '' };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every marker in document order. A size that is not a number (`<|mask:abc|>`), below 1 or above the limit is a
 * MarkerError: silently clamping or ignoring it would fill a gap of a size the user did not ask for.
 */
export function findMarkers(text: string, syntax: MarkerSyntax, limits: MarkerLimits): MaskMarker[] {
  if (syntax.open === '') return [];
  // With a closing part, anything short on one line between `:` and the close is the size the user meant, so a
  // typo is reported instead of leaving the marker in the file. Without one, the size is the word after `:`.
  const re = syntax.close
    ? new RegExp(`${escapeRegExp(syntax.open)}(?::([^\\r\\n]{0,40}?))?${escapeRegExp(syntax.close)}`, 'g')
    : new RegExp(`${escapeRegExp(syntax.open)}(?::([\\w.+-]+))?`, 'g');
  const limit = limits.maxTokens;
  const out: MaskMarker[] = [];
  for (const m of text.matchAll(re)) {
    const raw = m[1];
    const marker = m[0];
    let n = limits.defaultTokens;
    if (raw !== undefined) {
      if (!/^\s*\d+\s*$/.test(raw)) throw new MarkerError(`mask marker "${marker}": the size "${raw}" is not a number; write ${example(syntax, limit)}`);
      n = Number(raw);
    }
    if (n < 1) throw new MarkerError(`mask marker "${marker}" asks for ${n} tokens; a gap holds at least 1 token (${example(syntax, limit)})`);
    if (limit !== undefined && n > limit) {
      const who = limits.modelName ? `the model ${limits.modelName}` : 'the model';
      const asked = raw === undefined ? ` (the default gap size${limits.defaultSource ? `, ${limits.defaultSource}` : ''})` : '';
      throw new MarkerError(`mask marker "${marker}" asks for ${n} tokens${asked}, more than ${who} can hold: its context is ${limit} tokens; use 1..${limit}`);
    }
    out.push({ start: m.index!, end: m.index! + marker.length, maxTokens: n });
  }
  return out;
}

function example(s: MarkerSyntax, limit: number | undefined): string {
  return `${s.open}:N${s.close} with N from 1 to ${limit ?? 'the model\'s context length'}`;
}

/** The text around and between markers, in the engine's order: pieces[0] gap0 pieces[1] ... pieces[n]. */
export function piecesAround(text: string, markers: { start: number; end: number }[]): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (const h of markers) {
    pieces.push(text.slice(at, h.start));
    at = h.end;
  }
  pieces.push(text.slice(at));
  return pieces;
}

/** Re-assemble the text with each gap replaced by its fill; pieces are written back byte for byte. */
export function assemble(pieces: string[], fills: string[]): string {
  let s = pieces[0];
  for (let i = 0; i < fills.length; i++) s += fills[i] + pieces[i + 1];
  return s;
}
