import { describe, expect, it } from 'vitest';
import { prepareTimeAxis, tickLabeller } from './time-axis';

const H = 3_600_000;
const at = (d: number, h: number, m = 0) => Date.UTC(2021, 9, d, h, m);

describe('prepareTimeAxis', () => {
  it('puts the 4 Oct 2021 outage window (15:00-23:59 UTC) on 2-hour ticks', () => {
    const axis = prepareTimeAxis(at(4, 15), at(4, 23, 59), 'UTC');
    expect(axis.intervalMs).toBe(2 * H);
    expect(axis.ticks).toEqual([at(4, 16), at(4, 18), at(4, 20), at(4, 22)]);
    expect(axis.labels).toEqual(['16:00', '18:00', '20:00', '22:00']);
    expect(axis.unit).toBe('time');
  });

  it('shows the same range on New York wall-clock hours', () => {
    const axis = prepareTimeAxis(at(4, 15), at(4, 23, 59), 'America/New_York');
    expect(axis.ticks).toEqual([at(4, 16), at(4, 18), at(4, 20), at(4, 22)]);
    expect(axis.labels).toEqual(['12:00', '14:00', '16:00', '18:00']);
  });

  it('uses 3-hour ticks over 24 hours and labels midnight with the date', () => {
    const axis = prepareTimeAxis(at(4, 12), at(5, 12), 'UTC');
    expect(axis.intervalMs).toBe(3 * H);
    expect(axis.labels).toEqual(['12:00', '15:00', '18:00', '21:00', '5 Oct', '03:00', '06:00', '09:00', '12:00']);
  });

  it('aligns to the wall clock of a half-hour zone', () => {
    // 6 hours in Kolkata (UTC+5:30): hourly ticks on the local hour, not on UTC's
    const axis = prepareTimeAxis(at(4, 10), at(4, 16), 'Asia/Kolkata');
    expect(axis.intervalMs).toBe(H);
    expect(axis.ticks[0]).toBe(at(4, 10, 30));
    expect(axis.labels).toEqual(['16:00', '17:00', '18:00', '19:00', '20:00', '21:00']);
  });

  it('uses days over a week, at local midnight', () => {
    const axis = prepareTimeAxis(at(1, 9), at(8, 9), 'UTC');
    expect(axis.unit).toBe('day');
    expect(axis.labels).toEqual(['2 Oct', '3 Oct', '4 Oct', '5 Oct', '6 Oct', '7 Oct', '8 Oct']);
    const ny = prepareTimeAxis(at(1, 9), at(8, 9), 'America/New_York');
    expect(ny.ticks[0]).toBe(at(2, 4));
    expect(ny.labels[0]).toBe('2 Oct');
  });

  it('chooses finer ticks for short ranges and honours maxTicks', () => {
    expect(prepareTimeAxis(at(4, 15, 40), at(4, 16, 10), 'UTC').labels).toEqual(['15:40', '15:45', '15:50', '15:55', '16:00', '16:05', '16:10']);
    expect(prepareTimeAxis(at(4, 15), at(4, 23, 59), 'UTC', { maxTicks: 3 }).labels).toEqual(['15:00', '18:00', '21:00']);
  });

  it('gives no ticks for an empty range', () => {
    expect(prepareTimeAxis(at(4, 15), at(4, 15), 'UTC').ticks).toEqual([]);
  });

  it('labels any instant through tickLabeller', () => {
    const axis = prepareTimeAxis(at(4, 15), at(4, 23, 59), 'UTC');
    const label = tickLabeller(axis, 'UTC');
    expect(label(at(4, 18))).toBe('18:00');
    expect(label(at(4, 18, 7))).toBe('18:07');
  });
});
