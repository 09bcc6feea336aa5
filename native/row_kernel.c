// Full-vocabulary reductions of one logits row for the sampler (src/engine/sampling/rowSampler.ts), in WebAssembly
// SIMD: 4 floats per instruction where V8 runs the same loops in JavaScript one float at a time. At DiffuCoder's
// 152k vocabulary these loops are nearly all of the sampler's time.
//
// Build: native/build-row-kernel.sh (clang --target=wasm32 -msimd128) -> src/engine/sampling/row-kernel.wasm.
// No libc, no allocation: the caller owns the linear memory layout and passes byte offsets.
//
// Results go to OUT (f64[4]), whose offset `out_ptr()` returns:
//   row_max:        OUT[0] = max, OUT[1] = second max, OUT[2] = argmax (first index of the max)
//   row_sum_exp:    OUT[0] = z = sum exp((x_i - m) * inv_t), OUT[1] = s = sum e_i * d_i (for the entropy)
//   row_sum_exp_bounded: OUT[0] = z, or a value > z_bound as soon as the running sum passes it
// NaN logits count as -infinity (never the max, weight 0), as in the JavaScript path.

#include <wasm_simd128.h>

static double OUT[4];

__attribute__((export_name("out_ptr"))) double *out_ptr(void) { return OUT; }

// One lane set of the max scan: per lane the max, the second max (when asked) and the index of the max.
typedef struct { v128_t m1, m2, idx; } MaxLanes;

static inline __attribute__((always_inline)) void max_step(MaxLanes *a, v128_t v, v128_t cur, const int second) {
  v128_t gt = wasm_f32x4_gt(v, a->m1);  // false for NaN
  // second max per lane: the larger of the old second and min(old max, v) (NaN-safe through pmax/pmin)
  if (second) a->m2 = wasm_f32x4_pmax(a->m2, wasm_v128_bitselect(a->m1, v, gt));
  a->m1 = wasm_v128_bitselect(v, a->m1, gt);
  a->idx = wasm_v128_bitselect(cur, a->idx, gt);
}

// The max and the first index of it and, with `second` (a constant at each call site, so the compiler builds two
// loops), the second max, which only the margin confidence needs: without it a vector costs one compare and two
// selects instead of four operations. Four independent lane sets (16 floats per iteration): each set's
// compare-and-select chain waits only on its own previous result, so the CPU overlaps the four chains.
static inline __attribute__((always_inline)) void scan_max(const float *x, int n, const int second) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  MaxLanes a[4];
  for (int s = 0; s < 4; s++) {
    a[s].m1 = ninf;
    if (second) a[s].m2 = ninf;
    a[s].idx = wasm_i32x4_splat(0);
  }
  v128_t cur = wasm_i32x4_make(0, 1, 2, 3);
  const v128_t four = wasm_i32x4_splat(4), sixteen = wasm_i32x4_splat(16);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    max_step(&a[0], wasm_v128_load(x + i), cur, second);
    max_step(&a[1], wasm_v128_load(x + i + 4), wasm_i32x4_add(cur, four), second);
    max_step(&a[2], wasm_v128_load(x + i + 8), wasm_i32x4_add(cur, wasm_i32x4_splat(8)), second);
    max_step(&a[3], wasm_v128_load(x + i + 12), wasm_i32x4_add(cur, wasm_i32x4_splat(12)), second);
    cur = wasm_i32x4_add(cur, sixteen);
  }
  for (; i + 4 <= n; i += 4) {
    max_step(&a[0], wasm_v128_load(x + i), cur, second);
    cur = wasm_i32x4_add(cur, four);
  }
  // Merge the 16 lane candidates: the largest value, the smallest index among equal maxima (the scalar scan keeps
  // the first); a tie makes the second max equal to the max, as in the scalar scan.
  float best = -__builtin_inff(), next = -__builtin_inff();
  int arg = 0;
  for (int s = 0; s < 4; s++) {
    float lm1[4], lm2[4];
    int li[4];
    wasm_v128_store(lm1, a[s].m1);
    wasm_v128_store(li, a[s].idx);
    if (second) wasm_v128_store(lm2, a[s].m2);
    for (int l = 0; l < 4; l++) {
      float v = lm1[l];
      if (v > best || (v == best && v != -__builtin_inff() && li[l] < arg)) {
        next = best > next ? best : next;
        best = v;
        arg = li[l];
      } else if (v > next) {
        next = v;
      }
      if (second && lm2[l] > next) next = lm2[l];
    }
  }
  for (; i < n; i++) {
    float v = x[i];
    if (v > best) { next = best; best = v; arg = i; }
    else if (v > next) next = v;
  }
  OUT[0] = best;
  OUT[1] = second ? next : -__builtin_inff();  // without `second`, `next` misses the lanes' second maxima
  OUT[2] = arg;
}

__attribute__((export_name("row_max"))) void row_max(const float *x, int n) { scan_max(x, n, 1); }

__attribute__((export_name("row_argmax"))) void row_argmax(const float *x, int n) { scan_max(x, n, 0); }

// e = 2^t for t <= 0 (t >= -126 after clamping): 2^floor(t) from the exponent bits, 2^frac from a degree-5
// polynomial fitted here (relative error 1.7e-7 in float arithmetic, about the rounding of a float logit).
static inline v128_t exp2_nonpos(v128_t t) {
  t = wasm_f32x4_pmax(wasm_f32x4_splat(-126.0f), t);  // NaN and -inf become -126 (weight ~1e-38)
  v128_t k = wasm_f32x4_floor(t);
  v128_t f = wasm_f32x4_sub(t, k);
  v128_t p = wasm_f32x4_splat(1.8762343e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(8.9925947e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(5.5823583e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(2.4015455e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(6.9315296e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(1.0f));  // exactly 1 at d = 0: the max's e is 1
  v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(k), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, bits);
}

static inline double hsum(v128_t v) {
  return (double)wasm_f32x4_extract_lane(v, 0) + (double)wasm_f32x4_extract_lane(v, 1) +
         (double)wasm_f32x4_extract_lane(v, 2) + (double)wasm_f32x4_extract_lane(v, 3);
}

#define LOG2E 1.4426950408889634f
#define CHUNK 1024  // float lanes add at most CHUNK/4 terms before the sum moves to double precision

static inline float exp_scalar(float d) {
  // Tail elements only (fewer than 4 per row): the same polynomial, one lane.
  v128_t e = exp2_nonpos(wasm_f32x4_splat(d * LOG2E));
  return wasm_f32x4_extract_lane(e, 0);
}

// store: where to write e_i (byte offset), or 0 for none. want_s: also accumulate s.
__attribute__((export_name("row_sum_exp"))) void row_sum_exp(const float *x, int n, float m, float inv_t, float *store,
                                                             int want_s) {
  const v128_t vm = wasm_f32x4_splat(m);
  const v128_t scale = wasm_f32x4_splat(inv_t * LOG2E);
  const v128_t vinv = wasm_f32x4_splat(inv_t);
  const v128_t dmin = wasm_f32x4_splat(-87.0f);
  double z = 0, s = 0;
  int i = 0;
  while (i + 4 <= n) {
    int end = i + CHUNK;
    if (end > n) end = n;
    v128_t zs = wasm_f32x4_splat(0), ss = wasm_f32x4_splat(0);
    for (; i + 4 <= end; i += 4) {
      v128_t diff = wasm_f32x4_sub(wasm_v128_load(x + i), vm);
      // -inf and NaN logits weigh exactly 0 (diff >= -87 is false for both), as in the JavaScript path
      v128_t e = wasm_v128_and(exp2_nonpos(wasm_f32x4_mul(diff, scale)), wasm_f32x4_ge(diff, dmin));
      zs = wasm_f32x4_add(zs, e);
      if (store) wasm_v128_store(store + i, e);
      if (want_s) ss = wasm_f32x4_add(ss, wasm_f32x4_mul(e, wasm_f32x4_pmax(dmin, wasm_f32x4_mul(diff, vinv))));
    }
    z += hsum(zs);
    s += hsum(ss);
    if (end == n) break;
  }
  for (; i < n; i++) {
    float d = (x[i] - m) * inv_t;
    float e = (d > -87.0f) ? exp_scalar(d) : 0.0f;  // also 0 for NaN
    if (store) store[i] = e;
    z += e;
    if (want_s && e > 0) s += (double)e * d;
  }
  OUT[0] = z;
  OUT[1] = s;
}

__attribute__((export_name("row_sum_exp_bounded"))) void row_sum_exp_bounded(const float *x, int n, float m,
                                                                             double z_bound) {
  const v128_t vm = wasm_f32x4_splat(m);
  const v128_t scale = wasm_f32x4_splat(LOG2E);
  const v128_t dmin = wasm_f32x4_splat(-87.0f);
  double z = 0;
  int i = 0;
  while (i + 4 <= n) {
    int end = i + CHUNK;
    if (end > n) end = n;
    v128_t zs = wasm_f32x4_splat(0);
    for (; i + 4 <= end; i += 4) {
      v128_t diff = wasm_f32x4_sub(wasm_v128_load(x + i), vm);
      zs = wasm_f32x4_add(zs, wasm_v128_and(exp2_nonpos(wasm_f32x4_mul(diff, scale)), wasm_f32x4_ge(diff, dmin)));
    }
    z += hsum(zs);
    if (z > z_bound) { OUT[0] = z; return; }
    if (end == n) break;
  }
  for (; i < n; i++) {
    float d = x[i] - m;
    if (d > -87.0f) z += exp_scalar(d);
  }
  OUT[0] = z;
}

// Indices i with e[i] >= floor, written to idx (int32); returns the count (stops at cap, returns cap + 1 if more).
__attribute__((export_name("collect_ge"))) int collect_ge(const float *e, int n, float floor, int *idx, int cap) {
  const v128_t vf = wasm_f32x4_splat(floor);
  int c = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t ge = wasm_f32x4_ge(wasm_v128_load(e + i), vf);
    if (!wasm_v128_any_true(ge)) continue;
    for (int l = 0; l < 4; l++) {
      if (e[i + l] >= floor) {
        if (c == cap) return cap + 1;
        idx[c++] = i + l;
      }
    }
  }
  for (; i < n; i++) {
    if (e[i] >= floor) {
      if (c == cap) return cap + 1;
      idx[c++] = i;
    }
  }
  return c;
}
