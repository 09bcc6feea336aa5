// The ghost-text pipeline's plain-data contract: what a caller (the editor adapter, `diffucode batch --ghost-text`,
// the bench) hands in, and what it gets back. Nothing here knows about VS Code.

import type { InfillRequest, InfillResult, SamplerOptions } from '../engine/types';
import type { ConfidenceSummary } from './gate/confidence';
import type { GapMode } from './filters/types';

export interface CompletionInput {
  /** The document's text, or any slice of it that holds the context window around the cursor. */
  text: string;
  /** The cursor, as an offset into `text`. */
  offset: number;
  /** VS Code language id of the document (comment syntax for the bracket and quote filters). */
  languageId: string;
  /** The editor's indentation style. */
  indent: { insertSpaces: boolean; tabSize: number };
  /** Which document the typing cache files the suggestion under (e.g. its URI). */
  documentKey: string;
  /** Force the gap's shape instead of choosing it from the cursor's surroundings (evaluation only). */
  mode?: GapMode;
}

export interface CompletionSettings {
  /** Gap size (tokens) for the rest of a line. */
  lineTokens: number;
  /** Gap size (tokens) for a block from an empty line. */
  blockTokens: number;
  prefixTokens: number;
  suffixTokens: number;
  /**
   * The confidence gate: a suggestion whose tokens' geometric-mean probability is lower is not shown (0 = no gate).
   */
  minConfidence: number;
  /** Sampler fields the user set; the rest come from the model's manifest inside the engine. */
  sampler?: Partial<SamplerOptions>;
  /** The wait after a keystroke before the model is asked (the editor's debounce; callers outside it may ignore it). */
  debounceMs?: number;
  /** false: recompute every suggestion in full instead of reusing the document's last canvas (quality guard). */
  reuse?: boolean;
  /** Bench only (random-weight models): commit this many tokens per pass, never ending early (GhostTextDecode). */
  forceTokensPerPass?: number;
  /** Bench only: with forceTokensPerPass, the answer's length in tokens (where the real line ends). */
  forceLength?: number;
}

/** The model call: the editor passes its worker host (cancellable, superseded per document), the CLI its client. */
export type Infill = (request: InfillRequest) => Promise<InfillResult>;

/** Why nothing is shown. */
export type HiddenReason =
  /** The model's answer was empty (it ended the gap at once) or whitespace. */
  | 'empty'
  /** The filters left nothing (only a repeat of the text after the cursor, a loop, unbalanced, ...). */
  | 'filtered'
  /** The answer's confidence (geometric mean of its tokens' probabilities) is below the gate. */
  | 'low-confidence'
  /** The caller withdrew before the model was asked (typed again during the debounce). */
  | 'cancelled';

/** Where a shown suggestion came from. */
export type ShownSource =
  /** The model's answer (through the filters). */
  | 'model'
  /** A suggestion shown earlier whose beginning the user has typed since. */
  | 'cache';

export type Outcome =
  | { shown: true; text: string; source: ShownSource; mode: GapMode; raw?: string; confidence?: ConfidenceSummary }
  | { shown: false; reason: HiddenReason; mode: GapMode; raw?: string; confidence?: ConfidenceSummary };
