/** The SQL of /v1/trends (routes/trends.route.ts) and the sparkline it makes of the answer. */
import { sqlInt } from '@downradar/common';
import { since, until, type Reader } from '../clickhouse';
import { MINUTE_MS, type TimeRange } from '../time-range';

/** A sparkline has at most this many points: long ranges are summed into wider buckets. */
export const TREND_SPARK_POINTS = 48;

export interface TrendRow {
  hashtag: string;
  service_id: string;
  outage: number | null;
  total: number;
  max_burst: number;
  any_trending: number;
  last_s: number;
}

/**
 * (Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.)
 * Hashtags with windows in the range, trending ones first, then by burst and volume. A
 * re-emitted window (detector replay) counts once (FINAL on the ReplacingMergeTree).
 */
export function trendsSql(r: Reader, range: TimeRange, limit: number): string {
  return `SELECT hashtag,
  argMax(service_id, window_start) AS service_id, argMax(outage, window_start) AS outage,
  sum(count) AS total, max(burst) AS max_burst, max(trending) AS any_trending, toUInt32(max(window_start)) AS last_s
FROM ${r.table('trends')} FINAL
WHERE window_start >= ${since(range.from)} AND window_start < ${until(range.to)}
GROUP BY hashtag
ORDER BY any_trending DESC, max_burst DESC, total DESC, hashtag
LIMIT ${sqlInt(limit)}`;
}

/** Bucket width for a range: whole minutes, at most TREND_SPARK_POINTS buckets. */
export function sparkStepMs(range: TimeRange): number {
  return Math.max(1, Math.ceil((range.to - range.from) / MINUTE_MS / TREND_SPARK_POINTS)) * MINUTE_MS;
}

export interface UsesRow {
  hashtag: string;
  /** bucket index from range.from (sparkStepMs wide) */
  k: number;
  n: number;
}

/**
 * Exact uses of the listed hashtags per sparkline bucket: distinct posts and reports carrying
 * the hashtag (hashtag_volume_1m, all services together), the one definition the service page
 * and the incident evidence use too. The trend windows' own counts are Space-Saving lower bounds
 * of the detector's bounded counters, good for a burst score but not for a figure on screen.
 * The hashtags are taken from the trend query itself, so no hashtag text is spliced into SQL.
 */
export function trendUsesSql(r: Reader, range: TimeRange, limit: number): string {
  const fromS = sqlInt(Math.floor(range.from / 1000));
  const stepS = sqlInt(sparkStepMs(range) / 1000);
  return `SELECT hashtag, toUInt32(intDiv(toInt64(toUInt32(minute)) - ${fromS}, ${stepS})) AS k, uniqExactMerge(sources) AS n
FROM ${r.table('hashtag_volume_1m')}
WHERE minute >= ${since(range.from)} AND minute < ${until(range.to)}
  AND hashtag IN (SELECT hashtag FROM (${trendsSql(r, range, limit)}))
GROUP BY hashtag, k`;
}

/** Dense uses per bucket from `range.from`, oldest first (0 where the hashtag was not used). */
export function trendSparkline(range: TimeRange, rows: readonly { k: number; n: number }[]): number[] {
  const step = sparkStepMs(range);
  const line = new Array<number>(Math.ceil((range.to - range.from) / step)).fill(0);
  for (const row of rows) {
    const k = Number(row.k);
    if (k >= 0 && k < line.length) line[k]! += Number(row.n);
  }
  return line;
}
