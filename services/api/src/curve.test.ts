import { describe, expect, it } from 'vitest';
import { denseCurve } from './curve';
import { bucketsFor } from './time-range';

const T0 = Date.UTC(2021, 9, 4, 15, 0);
const s = (ms: number) => ms / 1000;

describe('denseCurve', () => {
  const buckets = bucketsFor({ from: T0, to: T0 + 4 * 15 * 60_000 }, 15);

  it('has every bucket; a missing bucket is 0 reports and a bucket without score is a null gap', () => {
    const points = denseCurve(
      buckets,
      [
        { t: s(T0), reports: 12 },
        { t: s(T0 + 30 * 60_000), reports: 400 },
      ],
      [
        { t: s(T0), baseline: 10.5, upper_sum: 20.25, score_max: 0.1, level_rank: 0 },
        { t: s(T0 + 30 * 60_000), baseline: 11, upper_sum: 21, score_max: 0.99991, level_rank: 2 },
      ],
    );
    expect(points.map((p) => p.t)).toEqual([T0, T0 + 900_000, T0 + 1_800_000, T0 + 2_700_000]);
    expect(points.map((p) => p.reports)).toEqual([12, 0, 400, 0]);
    expect(points.map((p) => p.baseline)).toEqual([10.5, null, 11, null]);
    expect(points.map((p) => p.level)).toEqual(['ok', null, 'danger', null]);
    expect(points[2]!.score).toBe(1);
    expect(points[1]).toEqual({ t: T0 + 900_000, reports: 0, baseline: null, upper: null, score: null, level: null });
  });

  it('ignores rows outside the grid', () => {
    const points = denseCurve(buckets, [{ t: s(T0 - 900_000), reports: 5 }], []);
    expect(points.every((p) => p.reports === 0)).toBe(true);
  });
});
