/**
 * Ticks for a time axis: at most `maxTicks`, on round wall-clock times of the viewer's zone
 * (every 2 hours on the hour, every day at midnight, ...), labelled with the time, or with the
 * date where a tick falls on midnight.
 */
import { DAY_MS, MINUTE_MS, formatDay, formatTime, zonedParts, zonedToEpoch } from './time';

/** Candidate intervals in minutes. Every sub-day one divides 24 h, so a day restarts the pattern. */
const INTERVALS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080] as const;

export interface TimeAxis {
  from: number;
  to: number;
  /** tick instants, ascending, inside [from, to] */
  ticks: number[];
  /** one label per tick */
  labels: string[];
  intervalMs: number;
  /** 'time' when ticks are within days ("16:00", or "5 Oct" at midnight), 'day' for daily or longer */
  unit: 'time' | 'day';
}

export interface TimeAxisOptions {
  maxTicks?: number;
}

export function prepareTimeAxis(from: number, to: number, timeZone: string, options: TimeAxisOptions = {}): TimeAxis {
  const maxTicks = Math.max(2, options.maxTicks ?? 8);
  if (!(to > from)) return { from, to, ticks: [], labels: [], intervalMs: 0, unit: 'time' };
  const spanMin = (to - from) / MINUTE_MS;
  const intervalMin = INTERVALS_MIN.find((i) => spanMin / i <= maxTicks) ?? INTERVALS_MIN[INTERVALS_MIN.length - 1]!;
  const unit = intervalMin >= 1440 ? 'day' : 'time';

  // Walk wall-clock time in a fake UTC space (so month lengths and day changes are free), and
  // convert each wall time back to an instant in the zone.
  const start = zonedParts(from, timeZone);
  const dayStartWall = Date.UTC(start.year, start.month - 1, start.day);
  let wall: number;
  if (unit === 'day') {
    wall = dayStartWall;
  } else {
    const minuteOfDay = start.hour * 60 + start.minute;
    wall = dayStartWall + Math.floor(minuteOfDay / intervalMin) * intervalMin * MINUTE_MS;
  }
  const stepWall = intervalMin * MINUTE_MS;

  const ticks: number[] = [];
  const labels: string[] = [];
  // Bounded loop: a span never holds more than maxTicks + 2 candidate walls.
  for (let guard = 0; guard < maxTicks * 4 + 8; guard++, wall += stepWall) {
    const d = new Date(wall);
    const t = zonedToEpoch(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() },
      timeZone,
    );
    if (t > to) break;
    if (t < from || (ticks.length > 0 && t <= ticks[ticks.length - 1]!)) continue;
    ticks.push(t);
    const atMidnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    labels.push(unit === 'day' || atMidnight ? formatDay(t, timeZone) : formatTime(t, timeZone));
  }
  return { from, to, ticks, labels, intervalMs: intervalMin * MINUTE_MS, unit };
}

/** Label lookup for a chart's tickFormatter: the prepared label, else the time. */
export function tickLabeller(axis: TimeAxis, timeZone: string): (t: number) => string {
  const byTick = new Map(axis.ticks.map((t, i) => [t, axis.labels[i] ?? ''] as const));
  return (t: number) => byTick.get(t) ?? (axis.intervalMs >= DAY_MS ? formatDay(t, timeZone) : formatTime(t, timeZone));
}
