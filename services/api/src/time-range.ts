import { badParameter } from './errors';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
export const MAX_RANGE_MS = 31 * DAY_MS;
export const MAX_POINTS = 10_000;
/** A range that ends more than this before now no longer changes: it may be cached for an hour. */
export const SETTLED_AFTER_MS = 10 * MINUTE_MS;

export interface TimeRange {
  from: number;
  to: number;
}

const EPOCH_MS = /^\d{1,15}$/;
// 2021-10-04, 2021-10-04T15:00, 2021-10-04T15:00:00.250Z, 2021-10-04 17:00:00+02:00
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A time given in the query: epoch milliseconds, or ISO 8601 (the dashboard's own addresses use
 * ISO). Without a zone an ISO time is UTC, like every time of the API. undefined stays undefined;
 * anything else is a 400 naming the parameter.
 */
export function parseInstant(field: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
  } else {
    const text = value.trim();
    if (EPOCH_MS.test(text)) return Number(text);
    const m = ISO_8601.exec(text);
    if (m) {
      const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
      const fraction = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
      const wall = Date.UTC(year!, month! - 1, day!, hour, minute, second, fraction);
      const d = new Date(wall);
      // Date.UTC rolls 31 September over into October: a field out of range is an error, not a shift.
      const valid =
        d.getUTCFullYear() === year && d.getUTCMonth() === month! - 1 && d.getUTCDate() === day && d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
      const zone = m[8]?.toUpperCase();
      let offsetMs = 0;
      if (zone && zone !== 'Z') {
        const digits = zone.slice(1).replace(':', '');
        const hours = Number(digits.slice(0, 2));
        const minutes = Number(digits.slice(2) || '0');
        offsetMs = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * MINUTE_MS;
        if (hours > 23 || minutes > 59) offsetMs = Number.NaN;
      }
      const ms = wall - offsetMs;
      if (valid && Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const shown = String(value).length > 40 ? `${String(value).slice(0, 40)}...` : String(value);
  throw badParameter(
    field,
    `querystring.${field} must be epoch milliseconds or an ISO 8601 time such as 2021-10-04T15:00:00Z (got ${JSON.stringify(shown)})`,
  );
}

/**
 * Resolves `from`/`to` (defaults: the last 24 hours up to now) and enforces the bounds every
 * route shares: to > from and at most 31 days.
 */
export function resolveRange(q: { from?: number | string; to?: number | string }, now: number, defaultSpanMs = DAY_MS): TimeRange {
  const qFrom = parseInstant('from', q.from);
  const qTo = parseInstant('to', q.to);
  const to = qTo ?? (qFrom !== undefined ? Math.min(now, qFrom + defaultSpanMs) : now);
  const from = qFrom ?? to - defaultSpanMs;
  if (from < 0) throw badParameter('from', `querystring.from must be >= 0 (to - 24 h is before the epoch)`);
  if (to <= from) throw badParameter('to', `querystring.to must be greater than from (from=${from}, to=${to})`);
  if (to - from > MAX_RANGE_MS)
    throw badParameter('from', `querystring.from..to spans ${((to - from) / DAY_MS).toFixed(1)} days; at most 31 days are allowed`);
  return { from, to };
}

export interface Buckets {
  /** first bucket start: `from` floored to the step */
  start: number;
  /** exclusive end */
  to: number;
  stepMs: number;
  count: number;
}

/** The dense bucket grid of a curve: starts from `from` floored to the step, up to `to` (exclusive). */
export function bucketsFor(range: TimeRange, stepMinutes: number): Buckets {
  const stepMs = stepMinutes * MINUTE_MS;
  const start = Math.floor(range.from / stepMs) * stepMs;
  const count = Math.ceil((range.to - start) / stepMs);
  if (count > MAX_POINTS)
    throw badParameter(
      'step',
      `querystring.step ${stepMinutes} gives ${count} points over this range; at most ${MAX_POINTS} are allowed (use a larger step or a shorter range)`,
    );
  return { start, to: range.to, stepMs, count };
}

/** `public, max-age=3600` for a range that can no longer change, `max-age=5` for a live one. */
export function cacheControlFor(to: number, now: number): string {
  return to < now - SETTLED_AFTER_MS ? 'public, max-age=3600' : 'public, max-age=5';
}
