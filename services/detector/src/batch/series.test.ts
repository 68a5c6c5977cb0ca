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
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:45:00Z,-2', 2, 'is negative'],
    ['2021-10-04T15:44:00Z,3\nsoon,4', 2, 'timestamp "soon" is neither ISO 8601 nor epoch'],
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:46:00Z,4\n2021-10-04T15:45:00Z,5', 3, 'is not after the previous row\'s "2021-10-04T15:46:00Z" (line 2)'],
    ['2021-10-04T15:44:00Z,3\n2021-10-04T15:44:00Z,4', 2, 'not after'],
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
  });

  it('infers the interval from the first two rows and accepts gaps and real values', () => {
    const s = new SeriesScorer();
    s.score({ at: T0, value: 10.5 });
    s.score({ at: T0 + 300_000, value: 11.25 });
    expect(s.intervalMs).toBe(300_000);
    const afterGap = s.score({ at: T0 + 3_600_000, value: 10 });
    expect(afterGap).toBeGreaterThanOrEqual(0);
    expect(afterGap).toBeLessThan(0.3);
  });
});
