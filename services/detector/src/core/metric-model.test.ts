/**
 * The metric model (ServiceScorer with model 'metric': metric-baseline.ts, Gaussian, two-sided),
 * the one `npm run detect -- score` answers with for any series that is not counts. Each test
 * draws several seeded series, at NAB's 5-minute interval, and states what must hold on all of
 * them: level shifts found within a few windows, stationary noise and clean daily cycles left
 * alone, the same scores whatever the unit, offset or sign, and a snapshot that scores on
 * exactly as the original.
 */
import { describe, expect, it } from 'vitest';
import { resolveDetectorConfig } from './config';
import { ServiceScorer, type WindowVerdict } from './scorer';
import { seededRandom } from '../testing/simulate';

const W = 5 * 60_000;
const DAY = (24 * 60 * 60_000) / W;
const T0 = Date.UTC(2021, 9, 4);
const config = resolveDetectorConfig({ levels: { minReports: 0 } });
const { warningLog10, unusualLog10 } = config.levels;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
}

function metricScorer(): ServiceScorer {
  return new ServiceScorer({ windowMs: W, priorPerMinute: undefined, config, model: 'metric' });
}

function scoreAll(values: readonly number[]): WindowVerdict[] {
  const s = metricScorer();
  return values.map((v, i) => s.scoreWindow(T0 + i * W, v));
}

const maxEvidence = (vs: readonly WindowVerdict[]) => Math.max(...vs.map((v) => v.evidence));
/** Windows from `from` until the first at warning or above (-1: none). */
const windowsToWarning = (vs: readonly WindowVerdict[], from: number) => vs.slice(from).findIndex((v) => v.evidence >= warningLog10);

describe('metric model: level shifts', () => {
  it('a drop of 6 noise standard deviations is a warning within 2 windows, after two quiet days, on every draw', () => {
    for (const seed of SEEDS) {
      const rand = seededRandom(seed);
      const onset = 2 * DAY;
      const vs = scoreAll(Array.from({ length: 3 * DAY }, (_, i) => 20 + 2 * normal(rand) - (i >= onset ? 12 : 0)));
      expect(maxEvidence(vs.slice(DAY, onset)), `seed ${seed}: day 2 is quiet`).toBeLessThan(warningLog10);
      const delay = windowsToWarning(vs, onset);
      expect(delay, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(delay, `seed ${seed}`).toBeLessThanOrEqual(1);
      // event-level: the shift is reported at its first window, not row after row
      expect(vs[onset]!.eventEvidence, `seed ${seed}`).toBeGreaterThanOrEqual(unusualLog10);
      expect(vs.slice(onset, onset + DAY / 4).filter((v) => v.eventEvidence >= unusualLog10).length, `seed ${seed}`).toBeLessThanOrEqual(8);
    }
  });

  it('a rise of 3 noise standard deviations is unusual at once and a warning within 12 windows (an hour) on at least 9 draws in 10', () => {
    let warned = 0;
    for (const seed of SEEDS) {
      const rand = seededRandom(seed);
      const onset = 2 * DAY;
      const vs = scoreAll(Array.from({ length: 3 * DAY }, (_, i) => 20 + 2 * normal(rand) + (i >= onset ? 6 : 0)));
      expect(Math.max(...vs.slice(onset, onset + 3).map((v) => v.evidence)), `seed ${seed}`).toBeGreaterThanOrEqual(unusualLog10);
      const delay = windowsToWarning(vs, onset);
      if (delay >= 0 && delay <= 12) warned++;
    }
    expect(warned).toBeGreaterThanOrEqual(9);
  });
});

describe('metric model: novelty relative to the whole history', () => {
  it('a rise to values the series has never had ranks above its everyday dips, although its residual is smaller than theirs (the record test)', () => {
    for (const seed of SEEDS) {
      const rand = seededRandom(seed);
      const onset = 4 * DAY;
      // Noise of 1 around 50, and on 2 % of windows a dip of 8 to 20: a heavy-tailed metric whose
      // own record of episodes (the self-calibration) says that a 6-sd move is an everyday event.
      const values = Array.from({ length: onset + 12 }, (_, i) => (i >= onset ? 56 + normal(rand) : 50 + normal(rand) - (rand() < 0.02 ? 8 + 12 * rand() : 0)));
      const vs = scoreAll(values);
      let lowest = Infinity;
      let highest = -Infinity;
      let ordinary = 0; // strongest evidence of the last day's windows that stayed within the range seen before them
      values.forEach((v, i) => {
        if (i >= onset - DAY && i < onset && v >= lowest && v <= highest) ordinary = Math.max(ordinary, vs[i]!.evidence);
        lowest = Math.min(lowest, v);
        highest = Math.max(highest, v);
      });
      expect(values[onset]!, `seed ${seed}: the first window of the rise is a record`).toBeGreaterThan(Math.max(...values.slice(0, onset)));
      expect(vs[onset]!.evidence, `seed ${seed}`).toBeGreaterThan(ordinary + 1);
      expect(vs[onset]!.eventEvidence, `seed ${seed}: reported at once`).toBe(vs[onset]!.evidence);
    }
  });
});

describe('metric model: what is not an anomaly', () => {
  it('stationary Gaussian noise and a quantised metric (a value that sits still, steps of 0.11, rare jumps) stay below warning after their first day', () => {
    const series: Record<string, (rand: () => number) => number> = {
      gaussian: (rand) => 50 + 2 * normal(rand),
      quantised: (rand) => 33.3 + (rand() < 0.05 ? 2.5 * Math.sign(normal(rand)) : 0) + (rand() < 0.3 ? 0.11 : 0),
    };
    for (const [name, draw] of Object.entries(series)) {
      for (const seed of SEEDS.slice(0, 6)) {
        const rand = seededRandom(seed);
        const vs = scoreAll(Array.from({ length: 7 * DAY }, () => draw(rand)));
        expect(maxEvidence(vs.slice(DAY)), `${name}, seed ${seed}`).toBeLessThan(warningLog10);
        expect(vs.slice(DAY).every((v) => v.level === 'ok'), `${name}, seed ${seed}`).toBe(true);
      }
    }
  });

  it('a daily square wave (20 by night, 80 by day) is learnt: days 3 to 6 stay ok, and a day without its peak is a warning at the first missing window', () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const rand = seededRandom(seed);
      const missing = 6 * DAY + DAY / 3;
      const vs = scoreAll(
        Array.from({ length: 7 * DAY }, (_, i) => {
          const peak = i % DAY >= DAY / 3 && i % DAY < (2 * DAY) / 3;
          return (peak && (i < 6 * DAY) ? 80 : 20) + normal(rand);
        }),
      );
      expect(vs.slice(2 * DAY, 6 * DAY).every((v) => v.level === 'ok'), `seed ${seed}`).toBe(true);
      expect(windowsToWarning(vs, missing), `seed ${seed}`).toBe(0);
    }
  });

  it('a noisy daily sinusoid is left alone from its third day on: the profile takes over from the lagging level early on day 2', () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const rand = seededRandom(seed);
      const vs = scoreAll(Array.from({ length: 7 * DAY }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / DAY) + 2 * normal(rand)));
      expect(maxEvidence(vs.slice(2 * DAY)), `seed ${seed}`).toBeLessThan(warningLog10);
      // day 2 may start flagged (the first day had only the lagging level), but not for long
      expect(vs.slice(DAY, 2 * DAY).filter((v) => v.level !== 'ok').length, `seed ${seed}`).toBeLessThan(DAY / 8);
    }
  });
});

describe('metric model: any unit, offset and sign, negative and fractional values', () => {
  it('a * value + b scores as value (to 1e-9: floating rounding only), for tiny, huge and negative a', () => {
    const rand = seededRandom(9);
    const base = Array.from({ length: 3 * DAY }, (_, i) => 50 + 3 * normal(rand) + (i >= 2 * DAY && i < 2 * DAY + 10 ? 20 : 0));
    const reference = scoreAll(base);
    expect(Math.max(...reference.slice(2 * DAY, 2 * DAY + 10).map((v) => v.evidence))).toBeGreaterThanOrEqual(warningLog10);
    for (const [a, b] of [
      [1e-6, 0],
      [1e9, -7],
      [-2, 100],
      [0.01, -273.15],
    ] as const) {
      const scaled = scoreAll(base.map((x) => a * x + b));
      for (let i = 0; i < base.length; i++) {
        expect(Math.abs(scaled[i]!.evidence - reference[i]!.evidence), `a=${a} b=${b} window ${i}`).toBeLessThan(1e-9);
        expect(Math.abs(scaled[i]!.eventScore - reference[i]!.eventScore), `a=${a} b=${b} window ${i}`).toBeLessThan(1e-9);
      }
    }
  });

  it('a negative, fractional series (a temperature near -40.5 with noise of 0.05) detects both a small drop and a small rise', () => {
    for (const [step, name] of [
      [-0.4, 'drop'],
      [0.4, 'rise'],
    ] as const) {
      const rand = seededRandom(13);
      const onset = 2 * DAY;
      const vs = scoreAll(Array.from({ length: 3 * DAY }, (_, i) => -40.5 + 0.05 * normal(rand) + (i >= onset && i < onset + 12 ? step : 0)));
      expect(maxEvidence(vs.slice(DAY, onset)), name).toBeLessThan(warningLog10);
      expect(windowsToWarning(vs, onset), name).toBe(0);
      expect(vs.slice(onset, onset + 12).some((v) => v.level !== 'ok'), name).toBe(true);
    }
  });
});

describe('metric model: state', () => {
  it('is causal and restorable: a snapshot taken mid-stream scores the rest exactly as the original', () => {
    const rand = seededRandom(21);
    const values = Array.from({ length: 4 * DAY }, (_, i) => 10 + 4 * Math.sin((2 * Math.PI * i) / DAY) + normal(rand) + (i > 3 * DAY && i < 3 * DAY + 20 ? -8 : 0));
    const full = scoreAll(values);
    const cut = 2 * DAY + 17;
    const a = metricScorer();
    values.slice(0, cut).forEach((v, i) => a.scoreWindow(T0 + i * W, v));
    const b = new ServiceScorer({ windowMs: W, priorPerMinute: undefined, config, model: 'metric' }, JSON.parse(JSON.stringify(a.toJSON())));
    const rest = values.slice(cut).map((v, i) => b.scoreWindow(T0 + (cut + i) * W, v));
    expect(rest).toEqual(full.slice(cut));
    expect(full.slice(3 * DAY).some((v) => v.level !== 'ok')).toBe(true);
  });
});
