import { describe, expect, it } from 'vitest';
import type { CurveResponse } from '../../../../schemas/api/index';
import { prepareIncidentSeries } from './incident-series';

const at = (h: number, m = 0) => Date.UTC(2021, 9, 4, h, m);
const curve = (serviceId: string, step: number, from: number, to: number, reports: [number, number][]): CurveResponse => ({
  serviceId,
  from,
  to,
  step,
  points: reports.map(([t, r]) => ({ t, reports: r, baseline: null, upper: null, score: null, level: null })),
});

describe('prepareIncidentSeries', () => {
  it('merges services onto one axis, a missing bucket being 0 reports', () => {
    const s = prepareIncidentSeries(
      [
        curve('facebook', 15, at(15), at(16), [[at(15), 5], [at(15, 30), 900], [at(15, 45), 4000]]),
        curve('whatsapp', 15, at(15, 30), at(16, 15), [[at(15, 45), 2000], [at(16), 3000]]),
      ],
      { timeZone: 'UTC' },
    );
    expect(s.rows).toEqual([
      { t: at(15), label: '4 Oct 2021, 15:00', s0: 5, s1: 0 },
      { t: at(15, 15), label: '4 Oct 2021, 15:15', s0: 0, s1: 0 },
      { t: at(15, 30), label: '4 Oct 2021, 15:30', s0: 900, s1: 0 },
      { t: at(15, 45), label: '4 Oct 2021, 15:45', s0: 4000, s1: 2000 },
      { t: at(16), label: '4 Oct 2021, 16:00', s0: 0, s1: 3000 },
    ]);
    expect(s.series).toEqual([
      { key: 's0', serviceId: 'facebook', peak: 4000, peakAt: at(15, 45), total: 4905 },
      { key: 's1', serviceId: 'whatsapp', peak: 3000, peakAt: at(16), total: 5000 },
    ]);
    expect(s).toMatchObject({ measure: 'reports', yUnit: 'Reports per 15 min', yScale: 'linear', yMin: 0, yMax: 6000 });
    expect(s.from).toBe(at(15));
    expect(s.to).toBe(at(16, 15));
  });

  it('sums a finer curve into the coarser step', () => {
    const s = prepareIncidentSeries(
      [curve('a', 15, at(15), at(15, 30), [[at(15), 1]]), curve('b', 5, at(15), at(15, 30), [[at(15), 2], [at(15, 5), 3], [at(15, 20), 4]])],
      { timeZone: 'UTC' },
    );
    expect(s.rows.map((r) => [r.s0, r.s1])).toEqual([[1, 5], [0, 4]]);
  });

  it('shows each service against its own baseline on a log axis, a bucket without baseline being a gap', () => {
    const c = (serviceId: string, pts: [number, number, number | null][]): CurveResponse => ({
      serviceId,
      from: at(15),
      to: at(15, 45),
      step: 15,
      points: pts.map(([t, reports, baseline]) => ({ t, reports, baseline, upper: null, score: null, level: null })),
    });
    const s = prepareIncidentSeries(
      [
        c('facebook', [[at(15), 50, 50], [at(15, 15), 36000, 48], [at(15, 30), 40000, null]]),
        c('twitter', [[at(15), 10, 40], [at(15, 15), 1200, 40]]),
      ],
      { timeZone: 'UTC', measure: 'ratio' },
    );
    expect(s.rows.map((r) => [r.s0, r.s1])).toEqual([[1, 1], [750, 30], [null, null]]);
    expect(s.series.map((x) => [x.peak, x.total])).toEqual([[750, 76050], [30, 1210]]);
    expect(s).toMatchObject({ measure: 'ratio', yScale: 'log', yMin: 1, yMax: 1000, yTicks: [1, 10, 100, 1000] });
    expect(s.yUnit).toBe('Reports per 15 min ÷ the usual for that time (log scale)');
  });

  it('is empty without curves', () => {
    const s = prepareIncidentSeries([], { timeZone: 'UTC' });
    expect(s.rows).toEqual([]);
    expect(s.series).toEqual([]);
  });
});
