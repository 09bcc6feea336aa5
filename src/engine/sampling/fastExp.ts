// exp(x) for x <= 0, about 3x faster than Math.exp in V8 and accurate to 1e-5 relative: the sampler's hot loop
// computes one exp per vocabulary entry per row (152k for DiffuCoder), so this is most of its time.
// exp(x) = 2^t with t = x·log2(e) = k + f (k integer, f in [0,1)); 2^k from a table, 2^f from a degree-6 polynomial.

const POW2 = new Float64Array(1076); // POW2[i] = 2^(i - 1075); 2^-1075 rounds to 0
for (let i = 0; i < POW2.length; i++) POW2[i] = Math.pow(2, i - 1075);

/** exp(x) for x <= 0 (x > 0 falls back to Math.exp); -Infinity and NaN give 0. */
export function expNonPos(x: number): number {
  const t = x * Math.LOG2E;
  if (!(t > -1075)) return 0;
  if (t > 0) return Math.exp(x); // outside the fast path's domain (rounding can give a hair above 0)
  const k = Math.floor(t);
  const f = t - k;
  const p =
    1 + f * (0.6931471805599453 + f * (0.2402265069591007 + f * (0.05550410866482158 + f * (0.009618129107628477 + f * (0.0013333558146428443 + f * 0.00015403530393381606)))));
  return POW2[k + 1075] * p;
}
