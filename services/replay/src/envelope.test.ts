import { describe, expect, it } from 'vitest';
import { envelopeSpan, levelAt, sagLogPerMinute, sumLevels, type EnvelopeShape } from './envelope';
import { buildWeekTable, minuteOfWeek, MINUTES_PER_WEEK } from './profile';

const shape = (over: Partial<EnvelopeShape> = {}): EnvelopeShape => ({
  onset: 4,
  rampMinutes: 10,
  rampPower: 1,
  plateauMinutes: 20,
  sagLogPerMinute: sagLogPerMinute(0.5),
  recoveryAt: 100,
  decayMinutes: 20,
  bump: null,
  ...over,
});

describe('envelope', () => {
  it('is 0 before the onset, ramps, holds, sags, decays to 0', () => {
    const s = shape();
    expect(levelAt(s, 3.9)).toBe(0);
    expect(levelAt(s, 9)).toBeCloseTo(0.5, 9); // halfway up the ramp
    expect(levelAt(s, 20)).toBe(1); // plateau
    expect(levelAt(s, 34 + 60)).toBeCloseTo(0.5, 9); // one hour of 50%/h sag after the plateau
    const atRecovery = levelAt(s, 100);
    expect(levelAt(s, 110)).toBeCloseTo(atRecovery / 2, 9); // half-cosine midpoint
    expect(levelAt(s, 120)).toBe(0);
    expect(envelopeSpan(s)).toEqual({ from: 4, to: 120 });
  });

  it('a ramp power above 1 starts slowly', () => {
    expect(levelAt(shape({ rampPower: 2 }), 9)).toBeCloseTo(0.25, 9);
  });

  it('recovery before the peak decays from the level reached', () => {
    const s = shape({ recoveryAt: 9 });
    expect(levelAt(s, 9)).toBeCloseTo(0.5, 9);
    expect(levelAt(s, 19)).toBeCloseTo(0.25, 9);
  });

  it('adds a second bump and extends the span', () => {
    const s = shape({ bump: { start: 130, height: 0.4, rampMinutes: 10, plateauMinutes: 5, decayMinutes: 10 } });
    expect(levelAt(s, 125)).toBe(0);
    expect(levelAt(s, 140)).toBeCloseTo(0.4, 9);
    expect(envelopeSpan(s).to).toBe(155);
    expect(sumLevels(s, 0, 200)).toBeGreaterThan(sumLevels(shape(), 0, 200));
  });
});

describe('week profile', () => {
  it('maps epoch minutes to the ISO week (Monday 00:00 UTC = 0)', () => {
    expect(minuteOfWeek(Date.parse('2021-10-04T00:00:00Z') / 60_000)).toBe(0); // a Monday
    expect(minuteOfWeek(Date.parse('2021-10-03T15:00:00Z') / 60_000)).toBe(6 * 1440 + 15 * 60);
  });

  it('has mean 1, follows the local hour, and has no steps at hour boundaries', () => {
    const hours = Array.from({ length: 24 }, (_, h) => (h >= 18 && h <= 21 ? 2 : 1));
    const t = buildWeekTable({ hourOfDay: hours, dayOfWeek: [1, 1, 1, 1, 1, 1, 1] }, [{ offsetHours: -5, weight: 1 }]);
    let sum = 0;
    let maxStep = 0;
    for (let u = 0; u < MINUTES_PER_WEEK; u++) {
      sum += t[u]!;
      maxStep = Math.max(maxStep, Math.abs(t[u]! - t[(u + 1) % MINUTES_PER_WEEK]!));
    }
    expect(sum / MINUTES_PER_WEEK).toBeCloseTo(1, 9);
    expect(maxStep).toBeLessThan(0.02);
    // 20:00 local at UTC-5 is 01:00 UTC: evening peak there, not at 20:00 UTC
    expect(t[1 * 60 + 30]!).toBeGreaterThan(t[20 * 60 + 30]! * 1.5);
  });
});
