/**
 * The board "as of a moment of the data": `/?at=2021-10-04T17:00:00Z` (or epoch ms). A replay of
 * 2021 is far behind today's clock, so the live board shows none of it; the board at a moment of
 * the replay shows it as it was. Pure.
 */
export type Moment = { kind: 'live' } | { kind: 'at'; at: number } | { kind: 'invalid'; text: string };

/** Reads `?at=` from a query string. ISO times without a zone are UTC, like the API's. */
export function parseMoment(search: string): Moment {
  const raw = new URLSearchParams(search).get('at');
  if (raw === null || raw.trim() === '') return { kind: 'live' };
  const text = raw.trim();
  if (/^\d{1,15}$/.test(text)) return { kind: 'at', at: Number(text) };
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !/T|\s\d/.test(text) ? text : `${text}Z`;
  const t = Date.parse(zoned.replace(' ', 'T'));
  return Number.isFinite(t) && t >= 0 ? { kind: 'at', at: t } : { kind: 'invalid', text };
}

/** "?at=2021-10-04T17:00:00Z" */
export function momentQuery(at: number): string {
  return `?at=${new Date(at).toISOString().replace('.000Z', 'Z')}`;
}

/** The newest data lag the clock by more than this: the board offers to show them as of then. */
export const STALE_DATA_MS = 60 * 60_000;

/** Where the data end when they are far behind the wall clock (a replay of the past), else null. */
export function staleDataMoment(scoredUntil: number | null, now: number): number | null {
  return scoredUntil !== null && now - scoredUntil > STALE_DATA_MS ? scoredUntil : null;
}
