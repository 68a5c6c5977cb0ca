import { describe, expect, it } from 'vitest';
import { OUTAGE_2021_10_04, allowedSteps, parseRangeQuery, rangeToQuery, resolveRange, sameSpec } from './range';

const H = 3_600_000;

describe('time ranges in the address', () => {
  it('reads the 4 Oct 2021 outage range and writes it back the same', () => {
    const q = parseRangeQuery('?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z');
    expect(q).toEqual({ spec: OUTAGE_2021_10_04, step: 15, problem: null });
    expect(rangeToQuery(OUTAGE_2021_10_04, 15)).toBe('?from=2021-10-04T15%3A00%3A00Z&to=2021-10-04T23%3A59%3A00Z');
    expect(parseRangeQuery(rangeToQuery(OUTAGE_2021_10_04, 5))).toEqual({ spec: OUTAGE_2021_10_04, step: 5, problem: null });
  });

  it('accepts epoch milliseconds too', () => {
    expect(parseRangeQuery(`?from=${OUTAGE_2021_10_04.kind === 'absolute' ? OUTAGE_2021_10_04.from : 0}&to=1633391940000`).spec).toEqual(OUTAGE_2021_10_04);
  });

  it('defaults to the last 24 hours and says what was wrong', () => {
    expect(parseRangeQuery('')).toEqual({ spec: { kind: 'preset', preset: '24h' }, step: 15, problem: null });
    expect(parseRangeQuery('?range=6h&step=1')).toEqual({ spec: { kind: 'preset', preset: '6h' }, step: 1, problem: null });
    expect(parseRangeQuery('?range=2y').problem).toBe('Unknown range "2y".');
    expect(parseRangeQuery('?from=2021-10-05&to=2021-10-04').problem).toBe('The range in the address ends before it starts.');
    expect(parseRangeQuery('?from=2021-01-01&to=2021-03-01').problem).toBe('The range in the address is longer than 31 days.');
  });

  it('falls back to 15-minute buckets where a finer step would give too many points', () => {
    expect(parseRangeQuery('?range=7d&step=1').step).toBe(15);
    expect(parseRangeQuery('?range=7d&step=5').step).toBe(5);
    expect(allowedSteps(24 * H)).toEqual([1, 5, 15]);
    expect(allowedSteps(8 * 24 * H)).toEqual([15]);
  });

  it('resolves presets against now and says when a range is live', () => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 30);
    expect(resolveRange({ kind: 'preset', preset: '6h' }, now)).toEqual({ from: Date.UTC(2024, 0, 1, 6, 1), to: Date.UTC(2024, 0, 1, 12, 1), live: true });
    expect(resolveRange(OUTAGE_2021_10_04, now).live).toBe(false);
    expect(resolveRange({ kind: 'absolute', from: now - H, to: now }, now).live).toBe(true);
  });

  it('compares ranges', () => {
    expect(sameSpec(OUTAGE_2021_10_04, { kind: 'absolute', from: Date.UTC(2021, 9, 4, 15), to: Date.UTC(2021, 9, 4, 23, 59) })).toBe(true);
    expect(sameSpec({ kind: 'preset', preset: '6h' }, { kind: 'preset', preset: '24h' })).toBe(false);
  });
});
