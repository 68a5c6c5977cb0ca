import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDateTime,
  formatDay,
  formatDuration,
  formatTime,
  formatWeekday,
  parseDateTimeInput,
  toDateTimeInput,
  zoneName,
  zoneOffsetMs,
  zonedToEpoch,
} from './time';

const ONSET = Date.UTC(2021, 9, 4, 15, 44); // 2021-10-04 15:44 UTC
const NY = 'America/New_York';

describe('formatTime and friends', () => {
  it('formats in UTC whatever zone the machine is in', () => {
    expect(formatTime(ONSET, 'UTC')).toBe('15:44');
    expect(formatDay(ONSET, 'UTC')).toBe('4 Oct');
    expect(formatWeekday(ONSET, 'UTC')).toBe('Mon 4 Oct');
    expect(formatDate(ONSET, 'UTC')).toBe('4 Oct 2021');
    expect(formatDateTime(ONSET, 'UTC')).toBe('4 Oct 2021, 15:44');
  });

  it('formats the same instant on a New York wall clock (EDT, UTC-4)', () => {
    expect(formatTime(ONSET, NY)).toBe('11:44');
    expect(formatDateTime(ONSET, NY)).toBe('4 Oct 2021, 11:44');
    expect(formatDateTime(Date.UTC(2021, 9, 5, 2, 30), NY)).toBe('4 Oct 2021, 22:30');
    expect(zoneName(ONSET, NY)).toBe('EDT');
    expect(zoneName(ONSET, 'UTC')).toBe('UTC');
  });

  it('prints midnight as 00, never 24', () => {
    expect(formatTime(Date.UTC(2021, 9, 5, 0, 0), 'UTC')).toBe('00:00');
    expect(formatDateTime(Date.UTC(2021, 9, 5, 4, 0), NY)).toBe('5 Oct 2021, 00:00');
  });

  it('knows the zone offset at an instant, across daylight saving', () => {
    expect(zoneOffsetMs(ONSET, NY)).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.UTC(2021, 11, 1), NY)).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs(ONSET, 'UTC')).toBe(0);
    expect(zoneOffsetMs(ONSET, 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('formats durations', () => {
    expect(formatDuration(45 * 60_000)).toBe('45 min');
    expect(formatDuration(7 * 3_600_000 + 11 * 60_000)).toBe('7 h 11 min');
    expect(formatDuration(3 * 3_600_000)).toBe('3 h');
    expect(formatDuration(76 * 3_600_000)).toBe('3 d 4 h');
  });
});

describe('wall time <-> instant', () => {
  it('reads a datetime-local value in UTC or in New York', () => {
    expect(parseDateTimeInput('2021-10-04T15:00', 'UTC')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parseDateTimeInput('2021-10-04T11:00', NY)).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parseDateTimeInput('2021-12-01T11:00', NY)).toBe(Date.UTC(2021, 11, 1, 16, 0));
    expect(parseDateTimeInput('2021-10-04T15:00:30', 'UTC')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parseDateTimeInput('2021-10-04 15:00', 'UTC')).toBe(Date.UTC(2021, 9, 4, 15, 0));
    expect(parseDateTimeInput(' 2021-10-04 9:05 ', 'UTC')).toBe(Date.UTC(2021, 9, 4, 9, 5));
  });

  it('rejects what is not a date and a 24-hour time', () => {
    expect(parseDateTimeInput('', 'UTC')).toBeNull();
    expect(parseDateTimeInput('10/04/2021, 03:00 PM', 'UTC')).toBeNull();
    expect(parseDateTimeInput('2021-10-04 24:00', 'UTC')).toBeNull();
    expect(parseDateTimeInput('2021-13-01T00:00', 'UTC')).toBeNull();
    expect(parseDateTimeInput('yesterday', 'UTC')).toBeNull();
  });

  it('writes the input value for an instant, round trip', () => {
    expect(toDateTimeInput(Date.UTC(2021, 9, 4, 23, 59), 'UTC')).toBe('2021-10-04 23:59');
    expect(toDateTimeInput(Date.UTC(2021, 9, 4, 15, 0), 'UTC')).toBe('2021-10-04 15:00');
    expect(toDateTimeInput(Date.UTC(2021, 9, 4, 23, 59), NY)).toBe('2021-10-04 19:59');
    const t = Date.UTC(2021, 9, 4, 15, 0);
    expect(parseDateTimeInput(toDateTimeInput(t, NY), NY)).toBe(t);
  });

  it('resolves a wall time in the spring-forward gap to just after the jump, and an ambiguous one to the first', () => {
    // 14 Mar 2021 02:30 does not exist in New York: 03:30 EDT
    expect(zonedToEpoch({ year: 2021, month: 3, day: 14, hour: 2, minute: 30 }, NY)).toBe(Date.UTC(2021, 2, 14, 7, 30));
    // 7 Nov 2021 01:30 happens twice: the first (EDT)
    expect(zonedToEpoch({ year: 2021, month: 11, day: 7, hour: 1, minute: 30 }, NY)).toBe(Date.UTC(2021, 10, 7, 5, 30));
  });
});
