import { describe, expect, it } from 'vitest';
import { AliasTable, logGamma, poisson, Sfc32, WeightedPick } from './prng';

describe('Sfc32', () => {
  it('gives the same sequence for the same (seed, stream) and different ones otherwise', () => {
    const seq = (seed: number, stream: number) => {
      const r = new Sfc32(seed, stream);
      return Array.from({ length: 5 }, () => r.uint32());
    };
    expect(seq(1, 2)).toEqual(seq(1, 2));
    expect(seq(1, 2)).not.toEqual(seq(1, 3));
    expect(seq(1, 2)).not.toEqual(seq(2, 2));
  });

  it('reseeding resets the sequence', () => {
    const r = new Sfc32(7, 100);
    const a = [r.uint32(), r.uint32()];
    r.reseed(7, 100);
    expect([r.uint32(), r.uint32()]).toEqual(a);
  });

  it('floats are uniform in [0, 1) (mean and bucket counts)', () => {
    const r = new Sfc32(3, 4);
    const buckets = new Array(10).fill(0);
    let sum = 0;
    let outside = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = r.float();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      buckets[Math.floor(u * 10)]++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(600); // ~4.5 sd
  });
});

describe('poisson', () => {
  it.each([0.2, 3, 9.5, 10, 40, 250, 5000, 60_000])('has mean and variance lambda (lambda = %d)', (lambda) => {
    const r = new Sfc32(11, Math.round(lambda * 10));
    const n = 60_000;
    let s = 0;
    let s2 = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson(r, lambda);
      if (!(Number.isInteger(k) && k >= 0)) bad++;
      s += k;
      s2 += k * k;
    }
    expect(bad).toBe(0);
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n)); // 5 standard errors
    expect(variance / lambda).toBeGreaterThan(0.95);
    expect(variance / lambda).toBeLessThan(1.05);
  });

  it('is 0 for lambda 0 and never negative', () => {
    const r = new Sfc32(1, 1);
    expect(poisson(r, 0)).toBe(0);
    expect(poisson(r, -1)).toBe(0);
  });
});

describe('logGamma', () => {
  it('matches ln((n-1)!) for integers', () => {
    let lf = 0;
    for (let n = 1; n < 60; n++) {
      expect(logGamma(n)).toBeCloseTo(lf, 9);
      lf += Math.log(n);
    }
  });
});

describe('AliasTable / WeightedPick', () => {
  it('samples in proportion to the weights', () => {
    const t = new AliasTable([43, 28, 28, 0, 1]);
    const r = new Sfc32(5, 5);
    const counts = [0, 0, 0, 0, 0];
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[t.sample(r)]!++;
    expect(counts[3]).toBe(0);
    expect(counts[0]! / n).toBeCloseTo(0.43, 2);
    expect(counts[1]! / n).toBeCloseTo(0.28, 2);
    expect(counts[4]! / n).toBeCloseTo(0.01, 2);
  });

  it('fromRecord drops zero and missing weights', () => {
    const p = WeightedPick.fromRecord({ app: 1, login: 0, website: undefined });
    expect(p.values).toEqual(['app']);
  });

  it('rejects an empty or all-zero table', () => {
    expect(() => new AliasTable([])).toThrow();
    expect(() => new AliasTable([0, 0])).toThrow();
  });
});
