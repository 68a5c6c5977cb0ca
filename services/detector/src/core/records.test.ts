/**
 * The record test (records.ts): its chance holds for any distribution of exchangeable values, and
 * the evidence it joins to the residual's is calibrated: P(combined >= x) = 10^-x under the null.
 */
import { describe, expect, it } from 'vitest';
import { RecordRange, withRecordLog10 } from './records';
import { seededRandom } from '../testing/simulate';

describe('RecordRange', () => {
  it('gives a record log10((n + 1) / 2) decades both ways, log10(n + 1) upwards only, and 0 inside the range', () => {
    const both = new RecordRange('both');
    const up = new RecordRange('up');
    expect(both.log10(5)).toBe(0); // nothing seen: no evidence
    for (const v of [3, 7, 5, 4]) {
      both.observe(v);
      up.observe(v);
    }
    expect(both.chance).toBeCloseTo(2 / 5, 12);
    expect(up.chance).toBeCloseTo(1 / 5, 12);
    expect(both.log10(8)).toBeCloseTo(Math.log10(5 / 2), 12);
    expect(both.log10(2)).toBeCloseTo(Math.log10(5 / 2), 12);
    expect(up.log10(8)).toBeCloseTo(Math.log10(5), 12);
    expect(up.log10(2)).toBe(0);
    expect(both.log10(7)).toBe(0); // equal to the highest is no record
    expect(both.log10(3)).toBe(0);
    const restored = new RecordRange('both');
    restored.restore(JSON.parse(JSON.stringify(both.toJSON())));
    expect(restored.log10(8)).toBe(both.log10(8));
    expect(restored.log10(6)).toBe(0);
  });

  it('records come at the rate it states, 2 / (n + 1), whatever the distribution (Gaussian, exponential, Cauchy)', () => {
    const rand = seededRandom(4);
    const draws: Record<string, () => number> = {
      gaussian: () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand()),
      exponential: () => -Math.log(rand() + 1e-300),
      cauchy: () => Math.tan(Math.PI * (rand() - 0.5)),
    };
    const n = 49;
    const runs = 20_000;
    for (const [name, draw] of Object.entries(draws)) {
      let records = 0;
      for (let r = 0; r < runs; r++) {
        const range = new RecordRange('both');
        for (let i = 0; i < n; i++) range.observe(draw());
        if (range.log10(draw()) > 0) records++;
      }
      // expected 2 / 50 = 4 % of 20,000 = 800, sd ~28
      expect(Math.abs(records - (runs * 2) / (n + 1)), name).toBeLessThan(120);
    }
  });
});

describe('withRecordLog10', () => {
  it('is calibrated: with a calibrated residual evidence and records of chance q, P(combined >= x) = 10^-x', () => {
    const rand = seededRandom(11);
    for (const q of [0.5, 0.02, 1e-3]) {
      const draws = 400_000;
      const thresholds = [0.5, 1, 2, 3];
      const hits = thresholds.map(() => 0);
      for (let i = 0; i < draws; i++) {
        const residual = -Math.log10(rand() + 1e-300);
        const record = rand() < q ? -Math.log10(q) : 0;
        const e = withRecordLog10(residual, record, q);
        thresholds.forEach((x, k) => {
          if (e >= x) hits[k]!++;
        });
      }
      thresholds.forEach((x, k) => {
        const expected = draws * Math.pow(10, -x);
        // within 4 binomial standard deviations
        expect(Math.abs(hits[k]! - expected), `q=${q} x=${x}: ${hits[k]} hits for ${expected.toFixed(0)} expected`).toBeLessThan(4 * Math.sqrt(expected) + 1);
      });
    }
  });

  it('a record adds its decades less at most log10 2; no record costs at most log10 2', () => {
    const q = 1e-3;
    expect(withRecordLog10(5, 3, q)).toBeCloseTo(8 - Math.log10(2 - q), 9);
    expect(withRecordLog10(5, 0, q)).toBeCloseTo(5 - Math.log10(2 - q), 9);
    expect(withRecordLog10(0, 3, q)).toBeCloseTo(3 - Math.log10(2 - q), 9);
    expect(withRecordLog10(1, 0, q)).toBeGreaterThan(1 - Math.log10(2));
    expect(withRecordLog10(0, 0, q)).toBe(0);
    expect(withRecordLog10(1e6, 3, q)).toBeCloseTo(1e6 + 3 - Math.log10(2 - q), 3);
  });
});
