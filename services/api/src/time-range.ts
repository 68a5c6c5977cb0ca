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

/**
 * Resolves `from`/`to` (defaults: the last 24 hours up to now) and enforces the bounds every
 * route shares: to > from and at most 31 days.
 */
export function resolveRange(q: { from?: number; to?: number }, now: number, defaultSpanMs = DAY_MS): TimeRange {
  const to = q.to ?? (q.from !== undefined ? Math.min(now, q.from + defaultSpanMs) : now);
  const from = q.from ?? to - defaultSpanMs;
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
