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
  const mean = sum / probs.length;
  // min <= geomean <= mean holds exactly; exp(log(p)) can land an ulp outside it (one token of p 0.11265905234313203
  // gave 0.11265905234313202), so the rounding is clamped back in.
  const geomean = Math.min(mean, Math.max(min, Math.exp(logSum / probs.length)));
  return { min, mean, geomean, tokens: probs.length };
}
