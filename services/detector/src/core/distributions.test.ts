import { describe, expect, it } from 'vitest';
import { evidenceLog10, lnGamma, lnUpperTail, upperQuantile } from './distributions';

/** Brute force: P(X >= k) for Poisson(mean), summing the mass function in log space on the short side. */
function poissonTail(k: number, mean: number): number {
  const lnPmf = (i: number) => -mean + i * Math.log(mean) - lnGamma(i + 1);
  if (k > mean) {
    let sum = 0;
    for (let i = k; i < k + 5000; i++) sum += Math.exp(lnPmf(i));
    return sum;
  }
  let cdf = 0;
  for (let i = 0; i < k; i++) cdf += Math.exp(lnPmf(i));
  return 1 - cdf;
}

/** Negative binomial with mean m and size r, P(X >= k) summed from the mass function. */
function negBinTailDirect(k: number, m: number, r: number): number {
  const p = m / (m + r);
  let sum = 0;
  for (let i = k; i < k + 200_000; i++) {
    const ln = lnGamma(i + r) - lnGamma(r) - lnGamma(i + 1) + r * Math.log1p(-p) + i * Math.log(p);
    const t = Math.exp(ln);
    sum += t;
    if (t < sum * 1e-17 && i > k + 10) break;
  }
  return sum;
}

describe('lnGamma', () => {
  it('matches factorials', () => {
    let f = 1;
    for (let n = 1; n < 30; n++) {
      f *= n;
      expect(lnGamma(n + 1)).toBeCloseTo(Math.log(f), 10);
    }
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe('lnUpperTail', () => {
  it('is 0 (probability 1) for counts <= 0', () => {
    expect(lnUpperTail(0, 5, 5)).toBe(0);
    expect(lnUpperTail(-1, 5, 10)).toBe(0);
  });

  it('matches the Poisson mass function, near and far', () => {
    for (const mean of [0.01, 0.3, 1, 4.5, 20, 150, 1000]) {
      for (const k of [1, 2, 5, 10, 30, 100, 300, 1200]) {
        const exact = poissonTail(k, mean);
        if (exact < 1e-300 || exact > 1 - 1e-12) continue;
        const got = Math.exp(lnUpperTail(k, mean, mean));
        expect(Math.abs(got - exact) / exact).toBeLessThan(1e-6);
      }
    }
  });

  it('matches the negative binomial mass function', () => {
    for (const [mean, phi] of [[1, 0.05], [5, 0.2], [50, 0.05], [400, 0.01], [3, 1]] as const) {
      const variance = mean + phi * mean * mean;
      const r = 1 / phi;
      for (const k of [1, 3, Math.round(mean), Math.round(mean * 2), Math.round(mean * 5) + 5, Math.round(mean * 20) + 10]) {
        const exact = negBinTailDirect(k, mean, r);
        if (exact < 1e-280) continue;
        const got = Math.exp(lnUpperTail(k, mean, variance));
        expect(Math.abs(got - exact) / exact).toBeLessThan(1e-6);
      }
    }
  });

  it('stays finite and ordered for astronomically unlikely outage windows', () => {
    const a = evidenceLog10(50_000, 5, 5 + 0.05 * 25);
    const b = evidenceLog10(100_000, 5, 5 + 0.05 * 25);
    expect(Number.isFinite(a)).toBe(true);
    expect(a).toBeGreaterThan(300);
    expect(b).toBeGreaterThan(a);
  });

  it('is monotone in the count and decreasing in the mean', () => {
    let prev = 0;
    for (let k = 1; k < 60; k++) {
      const e = evidenceLog10(k, 7, 9);
      expect(e).toBeGreaterThanOrEqual(prev);
      prev = e;
    }
    expect(evidenceLog10(30, 5, 6)).toBeGreaterThan(evidenceLog10(30, 10, 12));
  });

  it('accepts real-valued counts (batch CLI)', () => {
    const lo = evidenceLog10(10, 4, 4);
    const mid = evidenceLog10(10.5, 4, 4);
    const hi = evidenceLog10(11, 4, 4);
    expect(mid).toBeGreaterThan(lo);
    expect(mid).toBeLessThan(hi);
  });
});

describe('upperQuantile', () => {
  it('is the smallest count whose exceedance is rarer than the band', () => {
    for (const [mean, variance] of [[0.01, 0.01], [0.5, 0.5], [3, 3.5], [40, 120], [5000, 5000 + 0.05 * 25e6], [2, 6]] as const) {
      for (const band of [2, 3, 6]) {
        const u = upperQuantile(mean, variance, band);
        const target = Math.pow(10, -band);
        expect(Math.exp(lnUpperTail(u + 1, mean, variance))).toBeLessThanOrEqual(target * (1 + 1e-9));
        if (u > 0) expect(Math.exp(lnUpperTail(u, mean, variance))).toBeGreaterThan(target);
      }
    }
  });

  it('is 0 when even one count is unusual', () => {
    expect(upperQuantile(1e-6, 1e-6, 3)).toBe(0);
  });
});
