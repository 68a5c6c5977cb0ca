/**
 * Event-time arithmetic shared by the windows, the baselines and the incident ids.
 *
 * Everything is UTC milliseconds since the epoch. Nothing here reads a clock: the detector is
 * driven by the event times it is given, which is what lets a replay at 60x speed produce the
 * same scores as the live stream.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
export const MINUTES_PER_WEEK = 7 * 24 * 60;

/** Start of the tumbling window of length `windowMs` that holds `at` (windows are aligned to the epoch). */
export function windowStartOf(at: number, windowMs: number): number {
  const r = at % windowMs;
  return r < 0 ? at - r - windowMs : at - r;
}

/**
 * Minute of the week, Monday 00:00 UTC = 0 .. Sunday 23:59 = 10079.
 * The epoch (1970-01-01) was a Thursday, hence the shift of three days.
 */
export function minuteOfWeek(at: number): number {
  const m = Math.floor(at / MINUTE_MS) + 3 * 24 * 60;
  const r = m % MINUTES_PER_WEEK;
  return r < 0 ? r + MINUTES_PER_WEEK : r;
}

/** "202110041544" for 2021-10-04T15:44Z: the minute part of stable incident ids. */
export function utcMinuteStamp(at: number): string {
  const d = new Date(at);
  const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}`;
}

/** "2021-10-04 15:44 UTC", for human-readable summaries. */
export function utcMinuteText(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
