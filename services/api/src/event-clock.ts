import type { Reader } from './clickhouse';
import { scoredUntilSql, type ScoredUntilRow } from './queries/services.queries';

/** How long one reading of the clock is reused: every board poll and incident page asks for it. */
export const EVENT_CLOCK_TTL_MS = 1000;

/**
 * The detector's event-time clock as stored: the end of its newest scored window (null before
 * any score). Live it is about a minute behind the wall clock; after a replay of 2021 it stands in
 * 2021, which is what an open incident's duration must run to (not today). Read with max() over
 * the scores table, so one reading serves every request for a second.
 */
export function createEventClock(reader: Reader, clock: () => number = () => performance.now()): () => Promise<number | null> {
  let current: Promise<number | null> | null = null;
  let readAt = -Infinity;
  return () => {
    const t = clock();
    if (current === null || t - readAt > EVENT_CLOCK_TTL_MS) {
      readAt = t;
      const reading = reader.rows<ScoredUntilRow>(scoredUntilSql(reader)).then((rows) => {
        const s = Number(rows[0]?.until_s ?? 0);
        return s > 0 ? s * 1000 : null;
      });
      // A failed reading is not kept: the next request reads again.
      reading.catch(() => {
        if (current === reading) current = null;
      });
      current = reading;
    }
    return current;
  };
}

/** "Now" for an open incident: the event-time clock, never after the wall clock (`now` when nothing is scored). */
export function openIncidentClock(scoredUntil: number | null, now: number): number {
  return scoredUntil === null ? now : Math.min(now, scoredUntil);
}
