import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse, TrendsQuery, TrendsResponse, type TrendSummary } from '../../../../schemas/api/index';
import { TREND_SPARK_POINTS, trendSparkline, trendsSql, trendUsesSql, type TrendRow, type UsesRow } from '../queries/trends.queries';
import { cacheControlFor, resolveRange } from '../time-range';

export async function trendsRoutes(app: FastifyInstance): Promise<void> {
  const { reader } = app;
  app.get<{ Querystring: Static<typeof TrendsQuery> }>(
    '/v1/trends',
    {
      schema: {
        tags: ['trends'],
        summary: `hashtag trends over the range: uses (distinct posts and reports carrying the hashtag) and a sparkline of them in at most ${TREND_SPARK_POINTS} equal buckets`,
        querystring: TrendsQuery,
        response: { 200: TrendsResponse, 400: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const range = resolveRange(request.query, app.now());
      const limit = request.query.limit ?? 50;
      const [rows, uses] = await Promise.all([reader.rows<TrendRow>(trendsSql(reader, range, limit)), reader.rows<UsesRow>(trendUsesSql(reader, range, limit))]);
      const usesBy = new Map<string, UsesRow[]>();
      for (const u of uses) {
        const list = usesBy.get(u.hashtag);
        if (list) list.push(u);
        else usesBy.set(u.hashtag, [u]);
      }
      const trends: TrendSummary[] = rows.map((t) => {
        const sparkline = trendSparkline(range, usesBy.get(t.hashtag) ?? []);
        return {
          hashtag: t.hashtag,
          serviceId: t.service_id === '' ? null : t.service_id,
          outage: t.outage === null ? null : Number(t.outage) === 1,
          count: sparkline.reduce((a, b) => a + b, 0),
          burst: Number(t.max_burst),
          trending: Number(t.any_trending) === 1,
          lastWindowStart: t.last_s * 1000,
          sparkline,
        };
      });
      // Trending first, then by burst, then by uses.
      trends.sort((a, b) => Number(b.trending) - Number(a.trending) || b.burst - a.burst || b.count - a.count || (a.hashtag < b.hashtag ? -1 : 1));
      reply.header('cache-control', cacheControlFor(range.to, app.now()));
      return { from: range.from, to: range.to, trends };
    },
  );
}
