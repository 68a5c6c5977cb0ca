import { describe, expect, it } from 'vitest';
import { LatenessCounter } from './signal-order';
import { scenarioLateness } from './scenario-lateness';

describe('LatenessCounter', () => {
  it('calls a signal late only beyond the allowed lateness behind the latest before it on its own partition', () => {
    const c = new LatenessCounter(15_000);
    expect(c.observe(0, 100_000)).toBe(false);
    expect(c.observe(0, 85_000)).toBe(false); // exactly 15 s behind: allowed
    expect(c.observe(0, 84_999)).toBe(true);
    expect(c.observe(1, 10_000)).toBe(false); // another partition has its own latest
    expect(c.observe(0, 120_000)).toBe(false);
    expect(c.observe(0, 100_000)).toBe(true); // behind the new latest, not the first
    const r = c.result();
    expect(r).toMatchObject({ signals: 6, late: 2, worstMs: 20_000 });
    expect(r.lateShare).toBeCloseTo(2 / 6);
  });

  it('a late signal does not lower its partition latest', () => {
    const c = new LatenessCounter(1_000);
    c.observe(0, 50_000);
    c.observe(0, 1_000);
    expect(c.observe(0, 48_000)).toBe(true);
  });
});

describe('scenarioLateness', () => {
  // Two hours of the 2021 day at a small scale, signals read by services/nlp as ingest reads them.
  const slice = { scale: 0.01, from: '2021-10-04T15:00:00Z', to: '2021-10-04T17:00:00Z' };

  it('counts, in emission order and with no pipeline, signals late on their partition only from events the scenario emits late', () => {
    const r = scenarioLateness(slice);
    expect(r.events).toBe(r.reports + r.posts);
    expect(r.signals).toBeGreaterThanOrEqual(r.reports);
    expect(r.late).toBeGreaterThan(0);
    // No event is emitted before its time, so a signal can be beyond the allowed lateness on its
    // partition only when its event was emitted that late: the drawn lateness is the only source.
    expect(r.emittedLateBeyondAllowed).toBeGreaterThan(0);
    expect(r.worstMs).toBeLessThanOrEqual(r.worstEmitDelayMs);
    expect(Object.values(r.lateByPartition).reduce((a, b) => a + b, 0)).toBe(r.late);
  });

  it('finds nothing late with a lateness beyond the scenario worst emission delay, and the same count twice', () => {
    const a = scenarioLateness(slice);
    expect(scenarioLateness({ ...slice, latenessMs: a.worstEmitDelayMs }).late).toBe(0);
    expect(scenarioLateness(slice).late).toBe(a.late);
  });
});
