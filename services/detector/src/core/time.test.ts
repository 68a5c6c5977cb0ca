import { describe, expect, it } from 'vitest';
import { minuteOfWeek, utcMinuteStamp, utcMinuteText, windowStartOf } from './time';

describe('time', () => {
  it('aligns windows to the epoch', () => {
    const t = Date.UTC(2021, 9, 4, 15, 44, 37, 123);
    expect(windowStartOf(t, 60_000)).toBe(Date.UTC(2021, 9, 4, 15, 44));
    expect(windowStartOf(t, 900_000)).toBe(Date.UTC(2021, 9, 4, 15, 30));
    expect(windowStartOf(Date.UTC(2021, 9, 4, 15, 45), 60_000)).toBe(Date.UTC(2021, 9, 4, 15, 45));
  });

  it('counts minutes of the week from Monday 00:00 UTC', () => {
    expect(minuteOfWeek(Date.UTC(2021, 9, 4, 0, 0))).toBe(0); // Monday 4 October 2021
    expect(minuteOfWeek(Date.UTC(2021, 9, 4, 15, 44))).toBe(15 * 60 + 44);
    expect(minuteOfWeek(Date.UTC(2021, 9, 10, 23, 59))).toBe(7 * 1440 - 1); // Sunday
    expect(minuteOfWeek(0)).toBe(3 * 1440); // Thursday 1 January 1970
  });

  it('stamps minutes for stable ids and summaries', () => {
    expect(utcMinuteStamp(Date.UTC(2021, 9, 4, 15, 44, 59))).toBe('202110041544');
    expect(utcMinuteText(Date.UTC(2021, 9, 4, 15, 44))).toBe('2021-10-04 15:44 UTC');
  });
});
