/**
 * Time formatting in an explicit IANA time zone ('UTC' or the viewer's zone), independent of the
 * machine the code runs on. Strings are assembled from Intl's numeric parts and our own month and
 * weekday names, so that Node and every browser produce exactly the same text.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export interface ZonedParts {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone. */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year':
        out.year = Number(p.value);
        break;
      case 'month':
        out.month = Number(p.value);
        break;
      case 'day':
        out.day = Number(p.value);
        break;
      case 'hour':
        out.hour = Number(p.value) % 24; // some engines print midnight as 24
        break;
      case 'minute':
        out.minute = Number(p.value);
        break;
      case 'second':
        out.second = Number(p.value);
        break;
      case 'weekday':
        out.weekday = Math.max(0, WEEKDAYS.indexOf(p.value as (typeof WEEKDAYS)[number]));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Offset of the zone from UTC at that instant, in ms (New York in October: -4 h). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = zonedParts(whole, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * The instant at which the wall clock of `timeZone` shows the given time. A wall time skipped by
 * a daylight-saving jump resolves to the instant just after the jump.
 */
export function zonedToEpoch(wall: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const guess = asUtc - zoneOffsetMs(asUtc, timeZone);
  const corrected = asUtc - zoneOffsetMs(guess, timeZone);
  if (corrected === guess) return guess;
  if (zoneOffsetMs(corrected, timeZone) === asUtc - corrected) return corrected;
  // Neither is consistent: the wall time falls in a daylight-saving gap.
  return Math.max(guess, corrected);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "15:44" */
export function formatTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** "4 Oct" */
export function formatDay(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.day} ${MONTHS[p.month - 1]}`;
}

/** "Mon 4 Oct" */
export function formatWeekday(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${WEEKDAYS[p.weekday]} ${p.day} ${MONTHS[p.month - 1]}`;
}

/** "4 Oct 2021" */
export function formatDate(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
}

/** "4 Oct 2021, 15:44" */
export function formatDateTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.day} ${MONTHS[p.month - 1]} ${p.year}, ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** The short name of the zone at that instant: "UTC", "EDT", "GMT+2". For display only. */
export function zoneName(ms: number, timeZone: string): string {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? timeZone;
}

/**
 * "2021-10-04 15:00": how a time is typed in the range inputs, in the zone shown. Year first and
 * 24-hour, so it cannot be misread (a browser's datetime-local shows "10/04/2021, 03:00 PM" in
 * an en-US locale, next to a "UTC" label).
 */
export function toDateTimeInput(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** Reads "2021-10-04 15:00" (or with a T, or seconds) as a wall time in the zone; null when it is not one. */
export function parseDateTimeInput(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ]\s*(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  return zonedToEpoch({ year, month, day, hour, minute }, timeZone);
}

/** "45 min", "2 h 5 min", "3 d 4 h" */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE_MS));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restH = hours % 24;
  return restH ? `${days} d ${restH} h` : `${days} d`;
}

/** The zone the dashboard formats in: UTC, or the viewer's own. */
export function resolveTimeZone(mode: 'utc' | 'local'): string {
  if (mode === 'utc') return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
