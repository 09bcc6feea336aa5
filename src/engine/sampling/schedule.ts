// Dream's reference schedule: timesteps linspace(1, eps, steps + 1); at step i, with M masks left,
// commit floor(M * (1 - s/t)) tokens (t = ts[i], s = ts[i+1]) and everything left at the last step.
// Computed in float32 like the PyTorch reference so the per-step counts match it.

/** The float32 timesteps linspace(1, eps, steps + 1). */
export function dreamTimesteps(steps: number, eps: number): Float32Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const ts = new Float32Array(steps + 1);
  // torch.linspace computes start + i * step for the first half and end - (n-1-i) * step for the second half;
  // both agree to float32 rounding, which is all the floor below can observe.
  const step = (eps - 1) / steps;
  for (let i = 0; i <= steps; i++) ts[i] = i < steps / 2 ? 1 + i * step : eps - (steps - i) * step;
  return ts;
}

/** Tokens to commit at step `i` of `steps` when `masks` masks remain. */
export function tokensThisStep(ts: Float32Array, i: number, masks: number): number {
  const steps = ts.length - 1;
  if (i >= steps - 1) return masks;
  const t = ts[i];
  const s = ts[i + 1];
  const ratio = Math.fround(1 - Math.fround(s / t));
  return Math.min(masks, Math.floor(Math.fround(masks * ratio)));
}

/** Transfer probability for 'origin' at step i: each masked position is revealed with this probability. */
export function transferProbability(ts: Float32Array, i: number): number {
  const steps = ts.length - 1;
  if (i >= steps - 1) return 1;
  return 1 - ts[i + 1] / ts[i];
}

/** The whole plan for a fixed mask count when nothing else changes M (used by tests and docs). */
export function dreamPlan(masks: number, steps: number, eps: number): number[] {
  const ts = dreamTimesteps(steps, eps);
  const out: number[] = [];
  let m = masks;
  for (let i = 0; i < steps; i++) {
    const k = tokensThisStep(ts, i, m);
    out.push(k);
    m -= k;
  }
  return out;
}
