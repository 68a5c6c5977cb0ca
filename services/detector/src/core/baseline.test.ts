import { describe, expect, it } from 'vitest';
import { logNormalRatePosterior, SeasonalBaseline, trigamma } from './baseline';
import { DEFAULT_DETECTOR_CONFIG } from './config';
import { diurnal } from '../testing/simulate';

const W = 60_000;
const cfg = DEFAULT_DETECTOR_CONFIG.baseline;
const MONDAY = Date.UTC(2021, 8, 6); // Monday 6 September 2021

/** Feeds exact (noise-free) per-minute rates so that what is learnt can be checked exactly. */
function train(b: SeasonalBaseline, from: number, days: number, rate: (t: number) => number): void {
  for (let t = from; t < from + days * 86_400_000; t += W) {
    const p = b.predict(t, W);
    b.update(t, W, rate(t), 1, p);
  }
}

describe('SeasonalBaseline', () => {
  it('starts from the prior, with wide uncertainty', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 2, config: cfg });
    const p = b.predict(MONDAY, W)!;
    expect(p.expected).toBeCloseTo(2, 10);
    // The prior is normal on the log of the rate with the log-variance of a Gamma worth priorReports
    // reports (ψ'(0.5) = π²/2): the rate's relative variance at the peak is that log-variance, and
    // the count is its negative binomial posterior predictive.
    expect(p.rateRelativeVariance).toBeCloseTo(trigamma(cfg.priorReports), 10);
    expect(p.variance).toBeGreaterThanOrEqual(2 + 4 * trigamma(cfg.priorReports) - 1e-9);
  });

  it('lets the first reports outweigh a catalog figure that is far off, and grows sure of the rate as reports add up', () => {
    // The catalog says 0.05 a minute; the service has 1.5.
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 0.05, config: cfg });
    const relative: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = MONDAY + i * W;
      const p = b.predict(t, W)!;
      relative.push(p.rateRelativeVariance);
      b.update(t, W, i % 2 === 0 ? 1 : 2, 1, p);
    }
    const p = b.predict(MONDAY + 60 * W, W)!;
    const posterior = logNormalRatePosterior(90, 60, Math.log(0.05), trigamma(cfg.priorReports));
    expect(p.seasonal).toBeCloseTo(posterior.mean, 6);
    // 90 reports in 60 windows: within 2 % of the data's 1.5, where the Gamma(0.5) prior held it at
    // (0.5 + 90) / (10 + 60) = 1.29 (the prior worth 10 windows of its own figure).
    expect(p.seasonal).toBeGreaterThan(1.5 * 0.98);
    expect(p.seasonal).toBeLessThan(1.5);
    expect(p.rateRelativeVariance).toBeCloseTo(1 / (90 + 1 / trigamma(cfg.priorReports)), 2);
    expect(relative[0]).toBeGreaterThan(relative[59]! * 50);
  });

  it('trigamma: exact values and the recurrence', () => {
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 10);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 10);
    expect(trigamma(10)).toBeCloseTo(0.10516633568168575, 11);
    for (const x of [0.1, 0.7, 3.2, 40]) expect(trigamma(x) - trigamma(x + 1)).toBeCloseTo(1 / (x * x), 9);
  });

  it('logNormalRatePosterior: the Gamma that matches the exact posterior at its log-scale peak', () => {
    const mu = Math.log(0.05);
    const s2 = trigamma(0.5);
    for (const [n, e] of [[0, 0], [0, 200], [3, 1], [11, 1], [90, 60], [5000, 1000]] as const) {
      const post = logNormalRatePosterior(n, e, mu, s2);
      // The exact log posterior of u = ln λ on a fine grid: its peak and curvature.
      const f = (u: number) => n * u - e * Math.exp(u) - ((u - mu) * (u - mu)) / (2 * s2);
      let best = -Infinity;
      let peak = 0;
      for (let u = mu - 20; u < mu + 20; u += 1e-4) {
        const v = f(u);
        if (v > best) [best, peak] = [v, u];
      }
      expect(Math.log(post.mean)).toBeCloseTo(peak, 3);
      const h = 1e-3;
      const curvature = -(f(peak + h) - 2 * f(peak) + f(peak - h)) / (h * h);
      expect(post.shape / curvature).toBeCloseTo(1, 3);
      expect(post.priorWindows).toBeCloseTo(1 / (s2 * post.mean), 10);
    }
    // The prior's pull on the log scale: one window of 11 reports against a figure of 0.05 is
    // learnt as more than half of it at once (a Gamma(0.5) prior worth 10 windows: (0.5 + 11) / 11 = 1.05).
    expect(logNormalRatePosterior(11, 1, mu, s2).mean).toBeGreaterThan(5.5);
  });

  it('has no opinion without prior and data (batch CLI), then learns from the first row', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: undefined, config: cfg });
    expect(b.predict(MONDAY, W)).toBeUndefined();
    b.update(MONDAY, W, 40, 1, undefined);
    expect(b.predict(MONDAY + W, W)!.expected).toBeCloseTo(40, 6);
    // Its estimation error enters each window on its own: nothing shared across the scan's spans.
    expect(b.predict(MONDAY + W, W)!.sharedRelativeVariance).toBe(0);
    expect(new SeasonalBaseline({ windowMs: W, priorPerMinute: 2, config: cfg }).predict(MONDAY, W)!.sharedRelativeVariance).toBeCloseTo(trigamma(cfg.priorReports), 10);
  });

  it('learns the time of day: evening expected above night', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 3, config: cfg });
    const weekdayShape = (t: number) => diurnal(Date.UTC(2021, 8, 6) + (t % 86_400_000)); // every day a Monday
    const rate = (t: number) => 3 * weekdayShape(t);
    train(b, MONDAY, 14, rate);
    for (const hour of [4, 10, 16, 20, 23]) {
      const t = MONDAY + 14 * 86_400_000 + hour * 3_600_000;
      const p = b.predict(t, W)!;
      expect(Math.abs(p.expected / rate(t + W / 2) - 1)).toBeLessThan(0.08);
    }
    expect(b.predict(MONDAY + 14 * 86_400_000 + 20 * 3_600_000, W)!.expected).toBeGreaterThan(2.5 * b.predict(MONDAY + 14 * 86_400_000 + 4 * 3_600_000, W)!.expected);
  });

  it('learns the day of week on top of the time of day (weekend uplift)', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 3, config: cfg });
    train(b, MONDAY, 28, (t) => 3 * diurnal(t));
    const sat = MONDAY + 33 * 86_400_000 + 15 * 3_600_000;
    const wed = MONDAY + 30 * 86_400_000 + 15 * 3_600_000;
    expect(b.predict(sat, W)!.seasonal / b.predict(wed, W)!.seasonal).toBeGreaterThan(1.08);
  });

  it('learns the day of week from the hour-of-week slots', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 2, config: cfg });
    const rate = (t: number) => (Math.floor(t / 86_400_000 + 3) % 7 >= 5 ? 4 : 2); // weekends double
    train(b, MONDAY, 28, rate);
    const mondayNoon = MONDAY + 28 * 86_400_000 + 12 * 3_600_000;
    const saturdayNoon = mondayNoon + 5 * 86_400_000;
    expect(b.predict(saturdayNoon, W)!.expected / b.predict(mondayNoon, W)!.expected).toBeGreaterThan(1.6);
  });

  it('follows a service that is busier today through the level factor, within its clamp', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 10, config: cfg });
    train(b, MONDAY, 7, () => 10);
    const today = MONDAY + 7 * 86_400_000;
    train(b, today, 2 / 24, () => 15); // two hours at +50 %
    const p = b.predict(today + 2 * 3_600_000, W)!;
    expect(p.level).toBeGreaterThan(1.3);
    expect(p.expected).toBeGreaterThan(13);
  });

  it('does not absorb today into today: the time-of-day profile learns through a 20-hour delay line', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 2, config: cfg });
    train(b, MONDAY, 3, () => 2);
    const rampStart = MONDAY + 3 * 86_400_000 + 13 * 3_600_000;
    const before = b.predict(rampStart, W)!.seasonal;
    // a two-hour rise to x6, fed as if nothing were wrong (weight 1, unclipped)
    train(b, MONDAY + 3 * 86_400_000, 13 / 24, () => 2);
    for (let t = rampStart; t < rampStart + 2 * 3_600_000; t += W) b.update(t, W, 2 + 10 * ((t - rampStart) / 7_200_000) ** 2, 1, b.predict(t, W));
    const during = b.predict(rampStart + 2 * 3_600_000, W)!;
    expect(during.seasonal / before).toBeLessThan(1.15); // only the week-long service mean moved
    expect(during.level).toBeLessThanOrEqual(cfg.levelMax);
    // the next day, the same hours have learnt something (the caller clips and down-weights it)
    train(b, rampStart + 2 * 3_600_000, 22 / 24, () => 2);
    expect(b.predict(rampStart + 86_400_000 + 90 * 60_000, W)!.seasonal / before).toBeGreaterThan(1.3);
  });

  it('shrinks its structural uncertainty as history grows', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 1, config: cfg });
    const first = b.predict(MONDAY, W)!.structuralDispersion;
    train(b, MONDAY, 3, () => 1);
    const later = b.predict(MONDAY + 3 * 86_400_000, W)!.structuralDispersion;
    expect(later).toBeLessThan(first / 20);
  });

  it('can put its level factor back (the scorer retracts the windows that led up to a warning)', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 10, config: cfg });
    train(b, MONDAY, 7, () => 10);
    const today = MONDAY + 7 * 86_400_000;
    const kept = b.levelState();
    const before = b.predict(today, W)!.expected;
    train(b, today, 1 / 24, () => 18);
    expect(b.predict(today + 3_600_000, W)!.level).toBeGreaterThan(1.3);
    b.restoreLevel(kept);
    expect(b.predict(today + 3_600_000, W)!.expected / before).toBeCloseTo(1, 1);
  });

  it('restores exactly from its JSON', () => {
    const b = new SeasonalBaseline({ windowMs: W, priorPerMinute: 3, config: cfg });
    train(b, MONDAY, 2, (t) => 3 * diurnal(t));
    const copy = SeasonalBaseline.fromJSON({ windowMs: W, priorPerMinute: 3, config: cfg }, JSON.parse(JSON.stringify(b.toJSON())));
    for (let t = MONDAY + 2 * 86_400_000; t < MONDAY + 3 * 86_400_000; t += 7 * W) {
      expect(copy.predict(t, W)).toEqual(b.predict(t, W));
      b.update(t, W, 5, 1, b.predict(t, W));
      copy.update(t, W, 5, 1, copy.predict(t, W));
    }
  });
  it('keeps the delay line moving through a freeze: yesterday\'s evening arrives on time while today is not learnt', () => {
    // Two rates a day: 1 a minute from 00:00 to 16:00, 4 a minute in the evening. One day learnt, then
    // the next day frozen from 12:00 (an outage: skip, nothing learnt) until midnight.
    const rate = (t: number) => ((t % 86_400_000) / 3_600_000 < 16 ? 1 : 4);
    const frozen = new SeasonalBaseline({ windowMs: W, priorPerMinute: 1, config: cfg });
    const learning = new SeasonalBaseline({ windowMs: W, priorPerMinute: 1, config: cfg });
    train(frozen, MONDAY, 1, rate);
    train(learning, MONDAY, 1, rate);
    const tuesday = MONDAY + 86_400_000;
    for (let t = tuesday; t < tuesday + 12 * 3_600_000; t += W) {
      frozen.update(t, W, rate(t), 1, frozen.predict(t, W));
      learning.update(t, W, rate(t), 1, learning.predict(t, W));
    }
    for (let t = tuesday + 12 * 3_600_000; t < tuesday + 86_400_000; t += W) {
      frozen.skip(t, W);
      learning.update(t, W, rate(t), 1, learning.predict(t, W));
    }
    const evening = tuesday + 86_400_000 - 3 * 3_600_000; // 21:00, still Tuesday's slot learnt on Monday
    // The profile of Monday evening reached the slots during the freeze exactly as it did while learning.
    expect(frozen.predict(evening, W)!.seasonal / frozen.predict(tuesday + 10 * 3_600_000, W)!.seasonal).toBeGreaterThan(2.5);
    // The slots hold only hours learnt before the freeze (the delay line is 20 h), the same in both.
    expect(frozen.toJSON().day).toEqual(learning.toJSON().day);
    expect(frozen.toJSON().week).toEqual(learning.toJSON().week);
    // Nothing of the frozen hours went in: the delay line holds none of them.
    expect(frozen.toJSON().pending.filter((_, i) => i % 3 === 0).every((h) => h * 3_600_000 < tuesday + 12 * 3_600_000)).toBe(true);
  });
});
