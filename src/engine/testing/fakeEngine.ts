// Assembles an InfillEngine from the scripted fake model and the char tokenizer (tests and bench only).

import { InfillEngine } from '../engine';
import type { ModelTokens } from '../modelTokens';
import type { ForwardModel } from '../forwardModel';
import type { SamplerOptions } from '../types';
import { CharTokenizer } from './fakeModel';

export const FAKE_TOKENS: ModelTokens = { eos: 0, pad: 0, mask: 1, bos: 2, expand: null, stop: [0] };

export function fakeEngine(
  model: ForwardModel,
  opts: { shifted?: boolean; contextLength?: number; expand?: number | null; sampler?: Partial<SamplerOptions>; tokenizerSize?: number } = {},
): InfillEngine {
  const tokenizer = new CharTokenizer(opts.tokenizerSize ?? Math.min(model.vocabSize, 138));
  return InfillEngine.fromParts({
    model,
    tokenizer,
    tokens: { ...FAKE_TOKENS, expand: opts.expand ?? null },
    info: {
      name: 'fake',
      vocabSize: model.vocabSize,
      contextLength: opts.contextLength ?? 1024,
      shiftedLogits: opts.shifted ?? true,
      provider: 'fake',
      modelDir: '(memory)',
      sampler: opts.sampler ?? {},
    },
  });
}
