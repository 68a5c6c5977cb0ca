import { describe, expect, it } from 'vitest';
import type { CurvePoint, IncidentSummary } from '../../../../schemas/api/index';
import { prepareCurve, prepareIncidentSpans } from './curve';

const M = 60_000;
const at = (h: number, m = 0) => Date.UTC(2021, 9, 4, h, m);
const pt = (t: number, reports: number, baseline: number | null = 10, upper: number | null = 20, level: CurvePoint['level'] = 'ok'): CurvePoint => ({
  t,
  reports,
  baseline,
  upper,
  score: baseline === null ? null : 0.1,
  level: baseline === null ? null : level,
});

describe('prepareCurve: dense series', () => {
  it('fills missing buckets: 0 reports, and null (a gap) for baseline, band, score and level', () => {
    const c = prepareCurve([pt(at(15, 0), 12), pt(at(15, 30), 8)], { timeZone: 'UTC', step: 15, from: at(15), to: at(16) });
    expect(c.rows.map((r) => r.t)).toEqual([at(15, 0), at(15, 15), at(15, 30), at(15, 45)]);
    expect(c.rows.map((r) => r.reports)).toEqual([12, 0, 8, 0]);
    expect(c.rows.map((r) => r.baseline)).toEqual([10, null, 10, null]);
    expect(c.rows.map((r) => r.band)).toEqual([[10, 20], null, [10, 20], null]);
    expect(c.rows.map((r) => r.level)).toEqual(['ok', null, 'ok', null]);
    expect(c.rows[1]!.label).toBe('4 Oct 2021, 15:15');
    expect(c.totalReports).toBe(20);
    expect(c.from).toBe(at(15));
    expect(c.to).toBe(at(16));
  });

  it('keeps the API gaps as gaps and never turns a null baseline into 0', () => {
    const c = prepareCurve([pt(at(15, 0), 3, null, null), pt(at(15, 15), 4)], { timeZone: 'UTC', step: 15 });
    expect(c.rows.map((r) => r.band)).toEqual([null, [10, 20]]);
    expect(c.rows[0]!.above).toBe(false);
  });

  it('aligns buckets to the step and derives the range from the points when none is given', () => {
    const c = prepareCurve([pt(at(15, 5), 1), pt(at(15, 20), 2)], { timeZone: 'UTC', step: 5 });
    expect(c.rows.map((r) => r.t)).toEqual([at(15, 5), at(15, 10), at(15, 15), at(15, 20)]);
    expect(c.stepMs).toBe(5 * M);
  });

  it('is empty without points or range', () => {
    const c = prepareCurve([], { timeZone: 'UTC', step: 15 });
    expect(c.rows).toEqual([]);
    expect(c.empty).toBe(true);
    expect(c.peak).toBeNull();
    expect(c.onset).toBeNull();
  });

  it('is empty when a range has no reports and no baseline, but not when only reports are 0', () => {
    expect(prepareCurve([], { timeZone: 'UTC', step: 15, from: at(15), to: at(16) }).empty).toBe(true);
    expect(prepareCurve([pt(at(15), 0)], { timeZone: 'UTC', step: 15, from: at(15), to: at(16) }).empty).toBe(false);
  });
});

describe('prepareCurve: scale, peak, onset, levels', () => {
  // 15:00..17:00: quiet, then the outage starting at 15:44 fills 1 of 15 minutes of the 15:30 bucket
  const series: CurvePoint[] = [
    pt(at(15, 0), 9),
    pt(at(15, 15), 11),
    pt(at(15, 30), 10 + 3000, 10, 20, 'warning'),
    pt(at(15, 45), 10 + 45000, 10, 20, 'danger'),
    pt(at(16, 0), 48000, 10, 20, 'danger'),
    pt(at(16, 15), 30000, 10, 20, 'danger'),
    pt(at(16, 30), 12000, 10, 20, 'warning'),
    pt(at(16, 45), 15, 10, 20, 'ok'),
  ];
  const c = prepareCurve(series, { timeZone: 'UTC', step: 15, from: at(15), to: at(17) });

  it('names the y axis unit after the bucket', () => {
    expect(c.yUnit).toBe('Reports per 15 min');
    expect(prepareCurve(series, { timeZone: 'UTC', step: 5, from: at(15), to: at(17) }).yUnit).toBe('Reports per 5 min');
  });

  it('finds the peak and how far above the threshold it is', () => {
    expect(c.peak).toEqual({ t: at(16), label: '4 Oct 2021, 16:00', reports: 48000, upper: 20, baseline: 10, timesUpper: 2400 });
  });

  it('puts the y axis on round numbers above the peak', () => {
    expect(c.yMax).toBe(60000);
    expect(c.yTicks).toEqual([0, 20000, 40000, 60000]);
  });

  it('estimates the onset inside the first bucket above the threshold (15:44)', () => {
    expect(c.onset).toEqual({ bucketStart: at(15, 30), at: at(15, 44), label: 'Onset ≈ 15:44' });
  });

  it('puts the onset in the bucket before when that bucket already holds clearly more than its baseline', () => {
    // A tiny baseline (0.15 per bucket): the 15:30 bucket got 10 extra reports in its last minute,
    // the 15:45 bucket fills at about 10 per minute, so the outage began 1 minute before 15:45.
    const ramp: CurvePoint[] = [pt(at(15, 0), 0, 0.15, 15, 'ok'), pt(at(15, 15), 0, 0.15, 15, 'ok'), pt(at(15, 30), 10, 0.15, 15, 'ok'), pt(at(15, 45), 150, 0.15, 15, 'danger'), pt(at(16, 0), 450, 0.15, 15, 'danger')];
    const r = prepareCurve(ramp, { timeZone: 'UTC', step: 15, from: at(15), to: at(16, 15) });
    expect(r.onset).toEqual({ bucketStart: at(15, 45), at: at(15, 44), label: 'Onset ≈ 15:44' });
  });

  it('keeps the bucket start while the buckets still ramp up (a partly filled bucket and a ramp look alike)', () => {
    const ramp: CurvePoint[] = [pt(at(15, 0), 0, 0.15, 15, 'ok'), pt(at(15, 15), 0, 0.15, 15, 'ok'), pt(at(15, 30), 0, 0.15, 15, 'ok'), pt(at(15, 45), 149, 0.15, 15, 'danger'), pt(at(16, 0), 456, 0.15, 15, 'danger'), pt(at(16, 15), 636, 0.15, 15, 'danger')];
    const r = prepareCurve(ramp, { timeZone: 'UTC', step: 15, from: at(15), to: at(16, 30) });
    expect(r.onset).toEqual({ bucketStart: at(15, 45), at: at(15, 45), label: 'Onset ≈ 15:45' });
  });

  it('labels the onset on the viewer clock', () => {
    const ny = prepareCurve(series, { timeZone: 'America/New_York', step: 15, from: at(15), to: at(17) });
    expect(ny.onset?.label).toBe('Onset ≈ 11:44');
    expect(ny.rows[0]!.label).toBe('4 Oct 2021, 11:00');
    expect(ny.axis.labels).toEqual(['11:00', '11:15', '11:30', '11:45', '12:00', '12:15', '12:30', '12:45', '13:00']);
  });

  it('ignores a single bucket above the threshold, and a run that began before the range', () => {
    const blip = prepareCurve([pt(at(15), 5), pt(at(15, 15), 50), pt(at(15, 30), 5)], { timeZone: 'UTC', step: 15 });
    expect(blip.onset).toBeNull();
    const ongoing = prepareCurve([pt(at(15), 500), pt(at(15, 15), 600)], { timeZone: 'UTC', step: 15 });
    expect(ongoing.onset).toBeNull();
  });

  it('takes a short run at the end of the range as an outage starting now', () => {
    const now = prepareCurve([pt(at(15), 5), pt(at(15, 15), 6), pt(at(15, 30), 90)], { timeZone: 'UTC', step: 15 });
    expect(now.onset).toEqual({ bucketStart: at(15, 30), at: at(15, 30), label: 'Onset ≈ 15:30' });
  });

  it('groups levels into runs and marks where they rise', () => {
    expect(c.levelRuns).toEqual([
      { from: at(15, 0), to: at(15, 30), level: 'ok' },
      { from: at(15, 30), to: at(15, 45), level: 'warning' },
      { from: at(15, 45), to: at(16, 30), level: 'danger' },
      { from: at(16, 30), to: at(16, 45), level: 'warning' },
      { from: at(16, 45), to: at(17, 0), level: 'ok' },
    ]);
    expect(c.markers).toEqual([
      { t: at(15, 30), level: 'warning', label: 'Warning 15:30' },
      { t: at(15, 45), level: 'danger', label: 'Danger 15:45' },
    ]);
  });
});

describe('prepareCurve: the bucket that is still filling', () => {
  it('marks buckets ending after now as partial and draws them apart, dotted from the last complete one', () => {
    const c = prepareCurve([pt(at(15), 40), pt(at(15, 15), 42), pt(at(15, 30), 9)], { timeZone: 'UTC', step: 15, from: at(15), to: at(15, 45), now: at(15, 34) });
    expect(c.rows.map((r) => r.partial)).toEqual([false, false, true]);
    expect(c.rows.map((r) => r.reportsComplete)).toEqual([40, 42, null]);
    expect(c.rows.map((r) => r.reportsPartial)).toEqual([null, 42, 9]);
    expect(c.rows.map((r) => r.reports)).toEqual([40, 42, 9]);
  });

  it('has no partial bucket without now, or for a range in the past', () => {
    const c = prepareCurve([pt(at(15), 40)], { timeZone: 'UTC', step: 15, now: at(18) });
    expect(c.rows[0]).toMatchObject({ partial: false, reportsComplete: 40, reportsPartial: null });
  });
});

describe('prepareIncidentSpans', () => {
  const inc = (id: string, startedAt: number, resolvedAt: number | null): IncidentSummary => ({
    incidentId: id,
    status: resolvedAt === null ? 'open' : 'resolved',
    level: 'danger',
    startedAt,
    resolvedAt,
    lastEventAt: resolvedAt ?? startedAt,
    family: 'meta',
    provider: null,
    services: [],
    summary: '',
  });

  it('clips incidents to the range, runs open ones to now, and drops those outside', () => {
    const spans = prepareIncidentSpans(
      [inc('b', at(20), null), inc('a', at(14), at(22, 45)), inc('old', at(1), at(2))],
      { from: at(15), to: at(23, 59), now: at(21) },
      'UTC',
    );
    expect(prepareIncidentSpans([inc('c', at(23, 30), null)], { from: at(15), to: at(23, 59), now: at(23, 50) }, 'UTC')[0]?.labelFits).toBe(false);
    expect(spans).toEqual([
      { incidentId: 'a', x1: at(15), x2: at(22, 45), level: 'danger', status: 'resolved', label: 'Incident 14:00–22:45', labelFits: true },
      { incidentId: 'b', x1: at(20), x2: at(21), level: 'danger', status: 'open', label: 'Incident 20:00–ongoing', labelFits: false },
    ]);
  });

  it('shades a resolved incident in the colour of the worst level it reached, not green', () => {
    const resolved: IncidentSummary = {
      ...inc('r', at(16), at(18)),
      level: 'ok',
      services: [
        { serviceId: 'facebook', role: 'primary', level: 'ok', firstWarningAt: at(16), firstDangerAt: at(16, 5), peakScore: 0.99, peakCount: 500 },
        { serviceId: 'telegram', role: 'collateral', level: 'ok', firstWarningAt: at(16, 30), peakScore: 0.9, peakCount: 20 },
      ],
    };
    expect(prepareIncidentSpans([resolved], { from: at(15), to: at(23, 59), now: at(21) }, 'UTC')[0]!.level).toBe('danger');
    const warned = { ...resolved, services: [{ ...resolved.services[0]!, firstDangerAt: undefined }] } as IncidentSummary;
    expect(prepareIncidentSpans([warned], { from: at(15), to: at(23, 59), now: at(21) }, 'UTC')[0]!.level).toBe('warning');
  });
});
