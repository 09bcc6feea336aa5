// The extension's view of mask markers: the editor settings (open, close, default size) adapted to the one
// shared parser in src/engine/text/maskMarkers.ts, so the fill command and the CLI read markers the same way
// and refuse the same sizes (above the model's context, not a number) with the same message.

import { findMarkers, type MaskMarker } from '../../engine/text/maskMarkers';

export { MarkerError, piecesAround } from '../../engine/text/maskMarkers';

/** A hole in a document: [start, end) covers the marker (or the selection) to be replaced by generated text. */
export type Hole = MaskMarker;

export interface MarkerSyntax {
  open: string;
  close: string;
  defaultTokens: number;
}

/** The model a fill will run on: its context length is the largest gap a marker may ask for. */
export interface MarkerModel {
  name: string;
  contextLength: number;
}

/** Finds every `<open><close>` and `<open>:N<close>` marker in document order; a bad size throws MarkerError. */
export function findMasks(text: string, syntax: MarkerSyntax, model?: MarkerModel): Hole[] {
  return findMarkers(text, syntax, { defaultTokens: syntax.defaultTokens, maxTokens: model?.contextLength, modelName: model?.name });
}
