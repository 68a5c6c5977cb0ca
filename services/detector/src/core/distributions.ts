/**
 * Upper tails of count distributions, in log space.
 *
 * The detector asks one question of every window: "how unlikely is a count at least this high,
 * given what we expected?". Report counts are over-dispersed (bursts, baseline error), so the
 * model is a negative binomial with the predicted mean and variance; when the variance is
 * no larger than the mean it falls back to Poisson. Tails are returned as natural logarithms
 * because an outage window has tails like 1e-3000, far below what a double can hold, and the
 * evidence we accumulate (-log10 p) must stay finite and ordered for such windows.
 *
 * The incomplete gamma and beta functions follow the classic series / continued-fraction
 * evaluations (Lentz's method); they are our own implementation and are checked against
 * brute-force sums of the probability mass functions in distributions.test.ts.
 */

const EPS = 1e-15;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 100_000;
export const LN10 = Math.LN10;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln(1 - e^x) for x <= 0, accurate at both ends. */
function log1mExp(x: number): number {
  if (x >= 0) return -Infinity;
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** ln P(a, x) and ln Q(a, x) = ln(1 - P): the regularised incomplete gamma functions, a > 0, x >= 0. */
function lnGammaPQ(a: number, x: number): { lnP: number; lnQ: number } {
  if (x <= 0) return { lnP: -Infinity, lnQ: 0 };
  const lnPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    const lnP = lnPrefix + Math.log(sum);
    return { lnP, lnQ: log1mExp(lnP) };
  }
  // Continued fraction for Q = 1 - P.
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const lnQ = lnPrefix + Math.log(h);
  return { lnP: log1mExp(lnQ), lnQ };
}

/** ln P(a, x): the regularised lower incomplete gamma function, for a > 0, x >= 0. */
export function lnGammaP(a: number, x: number): number {
  return lnGammaPQ(a, x).lnP;
}

/** ln Q(a, x) = ln(1 - P(a, x)): the regularised upper incomplete gamma function. */
export function lnGammaQ(a: number, x: number): number {
  return lnGammaPQ(a, x).lnQ;
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** ln I_x(a, b): the regularised incomplete beta function, for a, b > 0 and 0 <= x <= 1. */
export function lnBetaI(a: number, b: number, x: number): number {
  if (x <= 0) return -Infinity;
  if (x >= 1) return 0;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return lnFront + Math.log(betaContinuedFraction(a, b, x)) - Math.log(a);
  return log1mExp(lnFront + Math.log(betaContinuedFraction(b, a, 1 - x)) - Math.log(b));
}

/**
 * ln P(X >= count) for a count model with the given mean and variance.
 * variance <= mean: Poisson(mean); otherwise the negative binomial with that mean and variance
 * (size r = mean² / (variance - mean)). Works for real-valued counts too (the continuous
 * extension through the incomplete gamma / beta functions), which the batch CLI relies on.
 */
export function lnUpperTail(count: number, mean: number, variance: number): number {
  if (!(count > 0)) return 0;
  if (!(mean > 0)) return -Infinity;
  const excess = variance - mean;
  if (excess <= mean * 1e-9) return lnGammaP(count, mean);
  const r = (mean * mean) / excess;
  return lnBetaI(count, r, mean / (mean + r));
}

/**
 * ln P(X <= count) for the same count model, computed directly (not as 1 - the upper tail, which
 * rounds to 0 far below the mean): Poisson Q(count + 1, mean), negative binomial I_{r/(r+mean)}(r, count + 1).
 */
export function lnLowerTail(count: number, mean: number, variance: number): number {
  if (!(count >= 0)) return -Infinity;
  if (!(mean > 0)) return 0;
  const excess = variance - mean;
  if (excess <= mean * 1e-9) return lnGammaQ(count + 1, mean);
  const r = (mean * mean) / excess;
  return lnBetaI(r, count + 1, r / (mean + r));
}

/** -log10 P(X >= count): the evidence a window carries against the baseline (0 = none). */
export function evidenceLog10(count: number, mean: number, variance: number): number {
  const ln = lnUpperTail(count, mean, variance);
  return ln >= 0 ? 0 : -ln / LN10;
}

/**
 * Smallest integer u >= 0 with P(X > u) <= 10^-tailLog10: counts above it are unusual.
 * A bracketing search around the normal approximation, then bisection: a handful of tail
 * evaluations, cheap enough for every service every window.
 */
export function upperQuantile(mean: number, variance: number, tailLog10: number): number {
  const target = -tailLog10 * LN10;
  const ok = (u: number) => lnUpperTail(u + 1, mean, variance) <= target;
  if (ok(0)) return 0;
  const sd = Math.sqrt(Math.max(variance, mean, 1e-12));
  const z = Math.sqrt(2 * tailLog10 * LN10); // rough normal quantile, a little generous
  let step = Math.max(1, Math.ceil(sd / 4));
  let guess = Math.max(0, Math.round(mean + z * sd));
  let lo: number;
  let hi: number;
  if (ok(guess)) {
    hi = guess;
    lo = Math.max(0, guess - step);
    while (lo > 0 && ok(lo)) {
      hi = lo;
      step *= 2;
      lo = Math.max(0, lo - step);
    }
    if (lo === 0 && ok(0)) return 0;
  } else {
    lo = guess;
    hi = guess + step;
    while (!ok(hi)) {
      lo = hi;
      step *= 2;
      hi += step;
      if (hi > 1e15) return hi;
    }
  }
  // Invariant: !ok(lo), ok(hi).
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  guess = hi;
  return guess;
}
