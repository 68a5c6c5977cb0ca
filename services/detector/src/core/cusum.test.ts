/**
 * The CUSUM beside the scan (cusum.ts): its likelihood ratio is the count model's, its evidence is
 * a tail bound per window as the scan's is, it restarts, and it catches in the scorer a rise too
 * slow for the scan's 32 windows.
 */
import { describe, expect, it } from 'vitest';
import { resolveDetectorConfig } from './config';
import { countLogLikelihoodRatio, CountCusum } from './cusum';
import { lnGamma } from './distributions';
import { ServiceScorer } from './scorer';
import { poisson, seededRandom } from '../testing/simulate';

/** ln P(x) of the negative binomial with mean m and shape r, from its mass function. */
function lnNegBin(x: number, m: number, r: number): number {
  return lnGamma(x + r) - lnGamma(r) - lnGamma(x + 1) + r * Math.log(r / (r + m)) + x * Math.log(m / (r + m));
}

describe('countLogLikelihoodRatio', () => {
  it('is the Poisson log-likelihood ratio when there is no excess variance', () => {
    expect(countLogLikelihoodRatio(3, 0.5, 0.5, 4)).toBeCloseTo(3 * Math.log(4) - 0.5 * 3, 12);
    expect(countLogLikelihoodRatio(0, 2, 2, 2)).toBeCloseTo(-2, 12);
  });

  it('is the negative binomial one (same shape, mean times the ratio) with excess variance', () => {
    for (const [x, m, v, rho] of [
      [7, 2, 5, 3],
      [0, 0.3, 0.5, 8],
      [40, 10, 60, 2],
    ] as const) {
      const r = (m * m) / (v - m);
      expect(countLogLikelihoodRatio(x, m, v, rho)).toBeCloseTo(lnNegBin(x, rho * m, r) - lnNegBin(x, m, r), 9);
    }
  });
});

describe('CountCusum', () => {
  it('is calibrated like the scan: under the baseline, evidence >= h decades in at most 10^-h of the windows per ratio', () => {
    const rand = seededRandom(5);
    const c = new CountCusum([2, 4, 8]);
    const n = 200_000;
    let over2 = 0;
    let over3 = 0;
    for (let i = 0; i < n; i++) {
      const e = c.observe(i * 60_000, poisson(rand, 0.5), 0.5, 0.5, 0).evidence;
      if (e >= 2) over2++;
      if (e >= 3) over3++;
    }
    expect(over2 / n).toBeLessThanOrEqual(3 * 1e-2);
    expect(over3 / n).toBeLessThanOrEqual(3 * 1e-3);
  });

  it('accumulates a small rise without a horizon, names where its run started, and restarts', () => {
    const c = new CountCusum([4]);
    // 0.05 expected a window; one report every third window (about 7x) for three hours.
    let reading = c.observe(0, 0, 0.05, 0.05, 0);
    for (let i = 1; i <= 180; i++) reading = c.observe(i * 60_000, i % 3 === 0 ? 1 : 0, 0.05, 0.05, 0);
    // From the first report (window 3) on: 60 reports x ln 4 - 178 windows x 0.05 x 3 = 56.5 nats.
    expect(reading.evidence).toBeCloseTo((60 * Math.log(4) - 178 * 0.15) / Math.LN10, 6);
    expect(reading.start).toBe(3 * 60_000);
    expect(reading.reports).toBe(60);
    c.reset();
    expect(c.observe(181 * 60_000, 0, 0.05, 0.05, 0).evidence).toBe(0);
    expect(c.toJSON().runs).toEqual([0, -1, 0, 0]);
  });
});

describe('ServiceScorer with the CUSUM', () => {
  const W = 60_000;
  const START = Date.UTC(2024, 1, 19);
  /** Two days at `rate`, then `rate × rise`; the minutes until the first warning (undefined = none in `minutes`). */
  function warnAfter(cusumRatios: number[], seed: number, rate: number, rise: number, minutes: number): number | undefined {
    const config = resolveDetectorConfig({ levels: { cusumRatios } });
    const s = new ServiceScorer({ windowMs: W, priorPerMinute: rate, config });
    const rand = seededRandom(seed);
    const onset = START + 2 * 86_400_000;
    for (let t = START; t < onset + minutes * W; t += W) {
      const v = s.scoreWindow(t, poisson(rand, t >= onset ? rate * rise : rate));
      if (t < onset) expect(v.level).toBe('ok');
      else if (v.level !== 'ok') return (t + W - onset) / W;
    }
    return undefined;
  }

  it('with a ratio of 8, warns on a tenfold rise of 0.04 reports a minute within the hour, which the scan alone does not', () => {
    let withCusum = 0;
    let scanOnly = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      if ((warnAfter([8], seed, 0.04, 10, 60) ?? Infinity) <= 60) withCusum++;
      if ((warnAfter([], seed, 0.04, 10, 60) ?? Infinity) <= 60) scanOnly++;
    }
    // Measured: 5 of 6 with the CUSUM, 2 of 6 with the scan alone.
    expect(withCusum).toBeGreaterThanOrEqual(5);
    expect(withCusum).toBeGreaterThan(scanOnly);
  });
});
