import { describe, expect, it } from 'vitest';
import { parseTimestamp, SeriesCsvReader, SeriesInputError, SeriesScorer } from './series';
import { diurnal, poisson, seededRandom } from '../testing/simulate';

const T0 = Date.UTC(2021, 9, 4, 0, 0);

function series(n: number, stepMs: number, seed = 1): { at: number; value: number }[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const at = T0 + i * stepMs;
    const blip = i > n * 0.8 && i < n * 0.8 + 6 ? 12 : 1;
    return { at, value: poisson(rand, 4 * diurnal(at) * blip) };
  });
}

function scoreAll(rows: { at: number; value: number }[]): number[] {
  const s = new SeriesScorer();
  return rows.map((r) => s.score(r));
}

describe('parseTimestamp', () => {
  it('reads ISO 8601 (no zone = UTC) and epoch seconds or milliseconds', () => {
    const t = Date.UTC(2021, 9, 4, 15, 44, 0);
    expect(parseTimestamp('2021-10-04T15:44:00Z')).toBe(t);
    expect(parseTimestamp('2021-10-04T15:44:00')).toBe(t);
    expect(parseTimestamp('2021-10-04 15:44')).toBe(t);
    expect(parseTimestamp('2021-10-04T17:44:00+02:00')).toBe(t);
    expect(parseTimestamp('2021-10-04T17:44:00+0200')).toBe(t);
    expect(parseTimestamp('2021-10-04T15:44:00.250123Z')).toBe(t + 250);
    expect(parseTimestamp('2021-10-04')).toBe(Date.UTC(2021, 9, 4));
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseTimestamp('2021-13-45T99:00:00Z')).toBeUndefined();
  });
});

describe('SeriesCsvReader', () => {
  const read = (text: string) => {
    const r = new SeriesCsvReader();
    return text.split('\n').map((l, i) => r.push(l, i + 1)).filter((x) => x !== undefined);
  };

  it('skips an optional header and blank lines, keeps the text as written', () => {
    expect(read('timestamp,value\n2021-10-04T15:44:00Z,3\n\n2021-10-04T15:45:00Z, 4.5\r').map((r) => [r.line, r.timestampText, r.valueText, r.value])).toEqual([
      [2, '2021-10-04T15:44:00Z', '3', 3],
      [4, '2021-10-04T15:45:00Z', '4.5', 4.5],
    ]);
    expect(read('1633362240,3\n1633362300,4')).toHaveLength(2);
    expect(read('"ts","count"\n"2021-10-04 15:44:00","3"')).toHaveLength(1);
  });

  it.each([
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:45:00Z,abc', 2, 'value "abc" is not a number'],
    ['2021-10-04T15:44:00Z,3\nsoon,4', 2, 'timestamp "soon" is neither ISO 8601 nor epoch'],
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:45:00Z,', 2, 'value "" is not a number'],
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:45:00Z,1e999', 2, 'is not a finite number'],
    ['2021-10-04T15:44:00Z;3', 1, 'the separator must be a comma'],
    ['a,b\n2021-10-04T15:44:00Z,3,7', 2, 'expected 2 fields'],
  ])('rejects bad input naming the line: %j', (text, line, message) => {
    let error: unknown;
    try {
      read(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeriesInputError);
    expect((error as SeriesInputError).line).toBe(line);
    expect((error as Error).message).toContain(`line ${line}: `);
    expect((error as Error).message).toContain(message);
  });
});

describe('SeriesCsvReader takes any numeric series', () => {
  it('accepts negative and fractional values, repeated and out-of-order timestamps, one row per line', () => {
    const r = new SeriesCsvReader();
    const lines = ['2021-10-04T15:44:00Z,-2.5', '2021-10-04T15:45:00Z,3', '2021-10-04T15:45:00Z,4', '2021-10-04T15:43:00Z,0.125'];
    const rows = lines.map((l, i) => r.push(l, i + 1)!);
    expect(rows.map((x) => [x.line, x.value])).toEqual([
      [1, -2.5],
      [2, 3],
      [3, 4],
      [4, 0.125],
    ]);
  });
});

describe('SeriesScorer', () => {
  it('gives the first row 0 and scores in [0, 1], high on the blip', () => {
    const rows = series(2000, 60_000);
    const scores = scoreAll(rows);
    expect(scores[0]).toBe(0);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    const blipStart = Math.floor(2000 * 0.8) + 1;
    expect(Math.max(...scores.slice(blipStart, blipStart + 6))).toBeGreaterThan(0.6);
    expect(Math.max(...scores.slice(300, blipStart - 1))).toBeLessThan(0.6);
  });

  it('is strictly causal: every prefix scores its rows exactly as the full run', () => {
    for (const step of [60_000, 300_000, 3_600_000, 86_400_000]) {
      const rows = series(400, step, step);
      const full = scoreAll(rows);
      for (let n = 1; n <= rows.length; n += 7) expect(scoreAll(rows.slice(0, n))).toEqual(full.slice(0, n));
    }
    // ... with a switch from counts to a metric, repeats and disorder too
    const rand = seededRandom(11);
    const odd = Array.from({ length: 300 }, (_, i) => ({ at: T0 + (i === 120 ? 100 : i === 121 ? 119 : i) * 60_000, value: i > 200 ? 3 + rand() : poisson(rand, 3) }));
    const full = scoreAll(odd);
    for (let n = 1; n <= odd.length; n += 13) expect(scoreAll(odd.slice(0, n))).toEqual(full.slice(0, n));
  });

  it('infers the interval from the first positive gap between timestamps and accepts gaps and real values', () => {
    const s = new SeriesScorer();
    expect(s.score({ at: T0, value: 10.5 })).toBe(0);
    expect(s.score({ at: T0, value: 10.75 })).toBe(0);
    s.score({ at: T0 + 300_000, value: 11.25 });
    expect(s.intervalMs).toBe(300_000);
    const afterGap = s.score({ at: T0 + 3_600_000, value: 10 });
    expect(afterGap).toBeGreaterThanOrEqual(0);
    expect(afterGap).toBeLessThan(0.3);
  });

  it('answers with the count model while values are counts, then with the metric model for good (auto)', () => {
    const s = new SeriesScorer();
    const rand = seededRandom(3);
    for (let i = 0; i < 300; i++) s.score({ at: T0 + i * 60_000, value: poisson(rand, 5) });
    expect(s.model).toBe('count');
    s.score({ at: T0 + 300 * 60_000, value: 4.5 });
    expect(s.model).toBe('metric');
    s.score({ at: T0 + 301 * 60_000, value: 5 });
    expect(s.model).toBe('metric');
    expect(new SeriesScorer({ model: 'metric' }).model).toBe('metric');
  });

  it('metric model: a level that drops on a series with negative values is an anomaly (both directions)', () => {
    const rand = seededRandom(5);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ at: T0 + i * 300_000, value: (i >= 2500 && i < 2520 ? -40 : -10) + 2 * (rand() - 0.5) }));
    const scores = scoreAll(rows);
    expect(Math.max(...scores.slice(2500, 2505))).toBeGreaterThan(0.6);
    expect(Math.max(...scores.slice(700, 2499))).toBeLessThan(Math.max(...scores.slice(2500, 2505)));
  });

  it('event-level: a long anomaly is one detection (or a few while its evidence doubles), not one per row', () => {
    const rand = seededRandom(8);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ at: T0 + i * 60_000, value: poisson(rand, i >= 2600 && i < 2700 ? 60 : 4) }));
    const s = new SeriesScorer();
    const verdicts = rows.map((r) => s.verdict(r)!);
    const flagged = verdicts.slice(2600, 2700).filter((v) => v.evidence > 7).length;
    const detections = verdicts.slice(2600, 2700).filter((v) => v.eventEvidence > 7).length;
    expect(flagged).toBeGreaterThan(90);
    expect(detections).toBeGreaterThanOrEqual(1);
    expect(detections).toBeLessThanOrEqual(6);
    // each detection carries more than twice the evidence of the one before
    const reported = verdicts.slice(2600, 2700).filter((v) => v.eventEvidence > 0).map((v) => v.eventEvidence);
    for (let i = 1; i < reported.length; i++) expect(reported[i]!).toBeGreaterThanOrEqual(2 * reported[i - 1]!);
  });
});
