// The summary of a gap's token confidences (the probability each token had when it was committed), shared by the
// engine's results and the ghost-text gate (src/completion/gate), so both mean the same by min, mean and geomean.

import type { ConfidenceSummary } from '../types';

export function summarizeConfidence(probs: readonly number[]): ConfidenceSummary | undefined {
  if (probs.length === 0) return undefined;
  let min = 1;
  let sum = 0;
  let logSum = 0;
  for (const p of probs) {
    min = Math.min(min, p);
    sum += p;
    // A committed token's probability is > 0; the floor only keeps a denormal from giving -Infinity.
    logSum += Math.log(Math.max(p, 1e-12));
  }
  return { min, mean: sum / probs.length, geomean: Math.exp(logSum / probs.length), tokens: probs.length };
}
