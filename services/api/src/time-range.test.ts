import { describe, expect, it } from 'vitest';
import { HttpError } from '@downradar/common/http';
import { bucketsFor, cacheControlFor, DAY_MS, MINUTE_MS, parseInstant, resolveRange } from './time-range';

const NOW = Date.UTC(2021, 9, 4, 16, 7, 30);

function errorOf(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected an HttpError');
}

describe('resolveRange', () => {
  it('defaults to the last 24 hours', () => {
    expect(resolveRange({}, NOW)).toEqual({ from: NOW - DAY_MS, to: NOW });
  });
  it('takes 24 hours after from when only from is given, but not beyond now', () => {
    expect(resolveRange({ from: NOW - 2 * DAY_MS }, NOW)).toEqual({ from: NOW - 2 * DAY_MS, to: NOW - DAY_MS });
    expect(resolveRange({ from: NOW - 3_600_000 }, NOW)).toEqual({ from: NOW - 3_600_000, to: NOW });
  });
  it('refuses to <= from, naming to', () => {
    const e = errorOf(() => resolveRange({ from: 10, to: 10 }, NOW));
    expect(e.statusCode).toBe(400);
    expect(e.field).toBe('to');
    expect(e.message).toMatch(/querystring\.to must be greater than from/);
  });
  it('refuses more than 31 days, naming from', () => {
    expect(resolveRange({ from: NOW - 31 * DAY_MS, to: NOW }, NOW).from).toBe(NOW - 31 * DAY_MS);
    const e = errorOf(() => resolveRange({ from: NOW - 31 * DAY_MS - 1, to: NOW }, NOW));
    expect(e.field).toBe('from');
    expect(e.message).toMatch(/at most 31 days/);
  });
});

describe('bucketsFor', () => {
  it('floors from to the step and covers to', () => {
    const b = bucketsFor({ from: Date.UTC(2021, 9, 4, 15, 7), to: Date.UTC(2021, 9, 4, 16, 0) }, 15);
    expect(b.start).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(b.count).toBe(4);
    expect(b.stepMs).toBe(15 * MINUTE_MS);
  });
  it('gives 97 buckets of 15 minutes for an unaligned 24 hours (the partial last one included)', () => {
    expect(bucketsFor({ from: NOW - DAY_MS, to: NOW }, 15).count).toBe(97);
    expect(bucketsFor({ from: Date.UTC(2021, 9, 4), to: Date.UTC(2021, 9, 5) }, 15).count).toBe(96);
  });
  it('refuses more than 10,000 points, naming step', () => {
    expect(bucketsFor({ from: 0, to: 10_000 * MINUTE_MS }, 1).count).toBe(10_000);
    const e = errorOf(() => bucketsFor({ from: 0, to: 10_001 * MINUTE_MS }, 1));
    expect(e.field).toBe('step');
    expect(e.message).toMatch(/10001 points/);
  });
});

describe('cacheControlFor', () => {
  it('caches settled ranges for an hour and live ones for 5 s', () => {
    expect(cacheControlFor(NOW - 11 * MINUTE_MS, NOW)).toBe('public, max-age=3600');
    expect(cacheControlFor(NOW - 9 * MINUTE_MS, NOW)).toBe('public, max-age=5');
    expect(cacheControlFor(NOW + DAY_MS, NOW)).toBe('public, max-age=5');
  });
});

describe('parseInstant', () => {
  const parse = (v: string | number | undefined) => parseInstant('from', v);
  it('takes epoch milliseconds and ISO 8601, an ISO time without a zone being UTC', () => {
    expect(parse(undefined)).toBeUndefined();
    expect(parse('1633359600000')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse(1633359600000)).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04T15:00:00Z')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04T15:00:00.250Z')).toBe(Date.UTC(2021, 9, 4, 15, 0, 0, 250));
    expect(parse('2021-10-04T15:00Z')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04T15:00')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04 17:00:00+02:00')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04T11:00:00-0400')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parse('2021-10-04')).toBe(Date.UTC(2021, 9, 4));
  });
  it('refuses anything else with a 400 naming the parameter and both accepted forms', () => {
    for (const bad of ['yesterday', '-5', '1.5', '2021-09-31T00:00:00Z', '2021-10-04T25:00:00Z', '2021-10-04T15:00:00+25:00', '10/04/2021', '', '1e12']) {
      const e = errorOf(() => parse(bad));
      expect(e.statusCode, bad).toBe(400);
      expect(e.code).toBe('BAD_PARAMETER');
      expect(e.field).toBe('from');
      expect(e.message).toMatch(/^querystring\.from must be epoch milliseconds or an ISO 8601 time such as 2021-10-04T15:00:00Z \(got "/);
    }
    expect(errorOf(() => parse(-1)).field).toBe('from');
  });
  it('lets resolveRange take ISO bounds', () => {
    expect(resolveRange({ from: '2021-10-04T15:00:00Z', to: '1633392000000' }, NOW)).toEqual({ from: Date.UTC(2021, 9, 4, 15), to: Date.UTC(2021, 9, 5) });
    expect(errorOf(() => resolveRange({ to: 'soon' }, NOW)).field).toBe('to');
  });
});
