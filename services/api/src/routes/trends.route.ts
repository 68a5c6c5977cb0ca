import { sqlInt } from '@downradar/common';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse, TrendsQuery, TrendsResponse, type TrendSummary } from '../../../../schemas/api/index';
import { since, until, type Reader } from '../clickhouse';
import { cacheControlFor, MINUTE_MS, resolveRange, type TimeRange } from '../time-range';

/** A sparkline has at most this many points: long ranges are summed into wider buckets. */
export const TREND_SPARK_POINTS = 48;

interface TrendRow {
  hashtag: string;
  service_id: string;
  outage: number | null;
  total: number;
  max_burst: number;
  any_trending: number;
  last_s: number;
  window_s: number[];
  counts: number[];
}

/**
 * (Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.)
 * Hashtags with windows in the range, trending ones first, then by burst and volume. A
 * re-emitted window (detector replay) counts once (FINAL on the ReplacingMergeTree).
 */
export function trendsSql(r: Reader, range: TimeRange, limit: number): string {
  return `SELECT hashtag,
  argMax(service_id, window_start) AS service_id, argMax(outage, window_start) AS outage,
  sum(count) AS total, max(burst) AS max_burst, max(trending) AS any_trending, toUInt32(max(window_start)) AS last_s,
  groupArray(toUInt32(window_start)) AS window_s, groupArray(count) AS counts
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

/** Dense counts per bucket from `range.from`, oldest first (0 where the hashtag had no window). */
export function trendSparkline(range: TimeRange, windowStartsS: readonly number[], counts: readonly number[]): number[] {
  const step = sparkStepMs(range);
  const line = new Array<number>(Math.ceil((range.to - range.from) / step)).fill(0);
  windowStartsS.forEach((s, i) => {
    const k = Math.floor((s * 1000 - range.from) / step);
    if (k >= 0 && k < line.length) line[k]! += Number(counts[i] ?? 0);
  });
  return line;
}

export async function trendsRoutes(app: FastifyInstance): Promise<void> {
  const { reader } = app;
  app.get<{ Querystring: Static<typeof TrendsQuery> }>(
    '/v1/trends',
    {
      schema: {
        tags: ['trends'],
        summary: `hashtag trends over the range (sparkline: counts in at most ${TREND_SPARK_POINTS} equal buckets)`,
        querystring: TrendsQuery,
        response: { 200: TrendsResponse, 400: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const range = resolveRange(request.query, app.now());
      const rows = await reader.rows<TrendRow>(trendsSql(reader, range, request.query.limit ?? 50));
      const trends: TrendSummary[] = rows.map((t) => ({
        hashtag: t.hashtag,
        serviceId: t.service_id === '' ? null : t.service_id,
        outage: t.outage === null ? null : Number(t.outage) === 1,
        count: Number(t.total),
        burst: Number(t.max_burst),
        trending: Number(t.any_trending) === 1,
        lastWindowStart: t.last_s * 1000,
        sparkline: trendSparkline(range, t.window_s, t.counts),
      }));
      reply.header('cache-control', cacheControlFor(range.to, app.now()));
      return { from: range.from, to: range.to, trends };
    },
  );
}
