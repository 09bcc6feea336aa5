// The pieces an InfillEngine is assembled from. Loading from a model folder produces these (model/load.ts);
// tests and the bench assemble them from fakes, so the whole engine runs without ONNX Runtime.

import type { ForwardModel } from './forwardModel';
import type { TokenBytes } from './text/tokenText';
import type { ModelInfo } from './types';
import type { ModelTokens } from './modelTokens';

export type { ModelTokens } from './modelTokens';

export interface EngineTokenizer extends TokenBytes {
  /** Ids of `text` with no special tokens added; special-token strings in the text stay plain text. */
  encode(text: string): number[];
  /** Number of ids the tokenizer knows (model rows at or above it are never sampled). */
  readonly size: number;
}


export interface EngineParts {
  model: ForwardModel & { dispose?(): Promise<void> | void };
  tokenizer: EngineTokenizer;
  tokens: ModelTokens;
  info: ModelInfo;
}
