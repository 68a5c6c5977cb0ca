import { describe, expect, it } from 'vitest';
import { Sfc32, poisson } from '@downradar/replay';
import { alarmDistribution, averageRunLength, delayOf, designCusum, designRatios, logFactorial, oracleDelay, poissonPmf, type CusumDesign } from './oracle';

/** Runs the lattice CUSUM on simulated Poisson counts; returns the window (0-based) of the first alarm, or -1. */
function simulate(design: CusumDesign, rate: (i: number) => number, rng: Sfc32, maxWindows: number): number {
  let s = 0;
  for (let i = 0; i < maxWindows; i++) {
    s = Math.max(0, s + design.m * poisson(rng, rate(i)) - design.K);
    if (s >= design.J) return i;
  }
  return -1;
}

describe('Poisson arithmetic', () => {
  it('log-factorials are exact for small and close for large arguments', () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 12);
    let exact = 0;
    for (let i = 1; i <= 300; i++) exact += Math.log(i);
    expect(logFactorial(300)).toBeCloseTo(exact, 8);
  });

  it('the pmf sums to 1 and peaks at the mean, for small and large means', () => {
    for (const lambda of [0.003, 0.7, 12, 900]) {
      const p = poissonPmf(lambda, Math.ceil(lambda + 20 * Math.sqrt(lambda) + 20));
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(poissonPmf(0, 3)[0]).toBe(1);
    expect(poissonPmf(2, 4)[2]).toBeCloseTo(2 * Math.exp(-2), 12);
  });
});

describe('CUSUM run lengths', () => {
  it('matches a closed form: with k = 1, H = 1 count it alarms at the first window with 2 or more', () => {
    const lambda = 0.3;
    const pTwoOrMore = 1 - Math.exp(-lambda) * (1 + lambda);
    expect(averageRunLength(lambda, 1, 1, 1)).toBeCloseTo(1 / pTwoOrMore, 6);
  });

  it('the linear solve and the forward distribution give the same ARL', () => {
    const design: CusumDesign = { m: 4, K: 7, J: 22, ratio: 3, arl0: NaN };
    const arl = averageRunLength(1.2, design.m, design.K, design.J);
    const n = 20_000;
    const { alarmAt, pDetect } = alarmDistribution(design, new Float64Array(n).fill(1.2));
    let mean = 0;
    for (let i = 0; i < n; i++) mean += (i + 1) * alarmAt[i]!;
    expect(pDetect).toBeGreaterThan(1 - 1e-9);
    expect(mean).toBeCloseTo(arl, 3);
  });

  it('agrees with simulation, for the ARL and for the delay on a ramp', () => {
    const rng = new Sfc32(7, 0);
    const design = designCusum(0.5, 4, 300);
    expect(design.arl0).toBeGreaterThanOrEqual(300);
    // ARL0 by simulation, 4,000 runs: within 5% (the standard error is about 1.6%).
    let total = 0;
    for (let r = 0; r < 4000; r++) total += simulate(design, () => 0.5, rng, 100_000) + 1;
    expect(total / 4000 / design.arl0).toBeGreaterThan(0.95);
    expect(total / 4000 / design.arl0).toBeLessThan(1.05);
    // Delay on a ramp from 0.5 to 4 per window over 10 windows.
    const rates = Array.from({ length: 80 }, (_, i) => 0.5 + 3.5 * Math.min(1, (i + 0.5) / 10));
    const exact = delayOf(design, rates);
    let sum = 0;
    let hits = 0;
    for (let r = 0; r < 4000; r++) {
      const at = simulate(design, (i) => rates[i]!, rng, rates.length);
      if (at >= 0) {
        sum += at + 1;
        hits++;
      }
    }
    expect(hits / 4000).toBeCloseTo(exact.pDetect, 2);
    expect(sum / hits / exact.meanWindows!).toBeGreaterThan(0.97);
    expect(sum / hits / exact.meanWindows!).toBeLessThan(1.03);
  });

  it('sets the smallest threshold with ARL0 at least the target', () => {
    for (const [lambda, ratio] of [
      [0.2, 15],
      [2, 2],
      [50, 1.2],
      [0.002, 1.1],
    ] as const) {
      const d = designCusum(lambda, ratio, 525_600);
      expect(d.arl0).toBeGreaterThanOrEqual(525_600);
      expect(averageRunLength(lambda, d.m, d.K, d.J - 1)).toBeLessThan(525_600);
    }
  });

  it('reports a run length beyond what doubles can resolve as infinite, never as a wrong number', () => {
    expect(averageRunLength(0.002, 1, 1, 10)).toBe(Infinity);
  });
});

describe('the oracle', () => {
  const ARL0 = 525_600; // one year of one-minute windows

  it('takes a few minutes for a small service that jumps from 0.2 to 3 a minute', () => {
    const rates = Array.from({ length: 60 }, () => 3);
    const o = oracleDelay(0.2, rates, ARL0);
    expect(o.pDetect).toBeGreaterThan(0.999);
    expect(o.meanWindows!).toBeGreaterThan(1.5);
    expect(o.meanWindows!).toBeLessThan(5);
  });

  it('is faster for a bigger jump and for a larger service', () => {
    const step = (lambda0: number, factor: number) => oracleDelay(lambda0, new Float64Array(120).fill(lambda0 * factor), ARL0).meanWindows!;
    expect(step(0.2, 30)).toBeLessThan(step(0.2, 5));
    expect(step(20, 5)).toBeLessThan(step(0.2, 5));
  });

  it('is no slower than any single design of its grid', () => {
    const rates = Array.from({ length: 90 }, (_, i) => 1 + 20 * Math.min(1, (i + 0.5) / 15));
    const best = oracleDelay(1, rates, ARL0);
    for (const ratio of designRatios(1, rates)) {
      expect(best.censoredMeanWindows).toBeLessThanOrEqual(delayOf(designCusum(1, ratio, ARL0), rates).censoredMeanWindows + 1e-9);
    }
  });

  it('often misses an outage too weak for its span, and says so', () => {
    // 1/100 of a 0.2-a-minute service going to 6 a minute for ten minutes.
    const rates = Array.from({ length: 25 }, (_, i) => (i < 10 ? 0.06 : 0.002));
    const o = oracleDelay(0.002, rates, ARL0);
    expect(o.pDetect).toBeLessThan(0.5);
    expect(o.medianWindows).toBeUndefined();
  });

  it('counts the delay from the onset inside the first window', () => {
    const design = designCusum(1, 5, ARL0);
    const rates = new Float64Array(60).fill(40);
    expect(delayOf(design, rates, 0.5).meanWindows!).toBeCloseTo(delayOf(design, rates, 0).meanWindows! - 0.5, 9);
  });

  it('keeps its figures when the lattice is finer', () => {
    const rates = Array.from({ length: 120 }, (_, i) => 0.5 + 9.5 * Math.min(1, (i + 0.5) / 10));
    const coarse = delayOf(designCusum(0.5, 6, ARL0), rates).meanWindows!;
    const fine = delayOf(designCusum(0.5, 6, ARL0, 240), rates).meanWindows!;
    expect(Math.abs(coarse - fine) / fine).toBeLessThan(0.1);
  });
});
