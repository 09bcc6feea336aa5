// A model call for the pipeline's tests: the real engine (canvas, denoiser, confidence bookkeeping) over a scripted
// model that answers a fixed text with fixed probabilities, so a fixture's expected suggestion never changes with a
// retrained model. Tests that only check the gate's behaviour use the real bundled model instead.

import { fakeEngine } from '../../engine/testing/fakeEngine';
import { CharTokenizer, ScriptedModel } from '../../engine/testing/fakeModel';
import type { Infill } from '../types';

/** Segments of the answer, each with the probability its characters are committed with. */
export type ScriptedAnswer = [text: string, probability: number][];

const EOS = 0;
const MASK = 1;

export function scriptedInfill(answer: ScriptedAnswer): Infill {
  const chars: { ch: string; p: number }[] = answer.flatMap(([text, p]) => [...text].map((ch) => ({ ch, p })));
  return async (request) => {
    let gapStart = -1;
    const model = new ScriptedModel(138, (ids, pos) => {
      if (gapStart < 0) gapStart = ids.indexOf(MASK);
      const c = chars[pos - gapStart];
      return c ? { token: CharTokenizer.id(c.ch), p: c.p } : { token: EOS, p: 0.99 };
    });
    // Greedy threshold decoding: every token is committed with the probability the script gave it.
    return fakeEngine(model).infill({ ...request, sampler: { algorithm: 'threshold', threshold: 0.5, temperature: 0 } });
  };
}
