import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  BreakdownResponse,
  CurveQuery,
  CurveResponse,
  ErrorResponse,
  HashtagsResponse,
  PostsQuery,
  PostsResponse,
  RangeQuery,
  ServiceParams,
  ServicesQuery,
  ServicesResponse,
  type ServiceSummary,
} from '../../../../schemas/api/index';
import type { Level, ProblemCategory } from '../../../../schemas/events/index';
import { denseCurve, LEVEL_RANK } from '../curve';
import { notFound } from '../errors';
import { SparklineStore, SPARK_POINTS, sparklinesAt } from '../sparklines';
import { bucketsFor, cacheControlFor, parseInstant, resolveRange, type TimeRange } from '../time-range';
import {
  breakdownFrom,
  breakdownSql,
  fetchCurve,
  hashtagsSql,
  latestScoresAtSql,
  latestScoresSql,
  openIncidentsAtSql,
  openIncidentsSql,
  postsSql,
  type HashtagRow,
  type LatestScoreRow,
  type OpenIncidentRow,
  type PostRow,
  type ShareRow,
} from '../queries/services.queries';

export const HashtagsQuery = Type.Object(
  { ...RangeQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 20' })) },
  { additionalProperties: false },
);

const errors = { 400: ErrorResponse, 404: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse };
const SERVICES_TTL_MS = 1000;

type Params = Static<typeof ServiceParams>;

export async function servicesRoutes(app: FastifyInstance): Promise<void> {
  const { reader } = app;
  const listCache: { current: Promise<ServicesResponse> | null; inFlight: boolean; doneAt: number } = {
    current: null,
    inFlight: false,
    doneAt: 0,
  };
  const sparklines = new SparklineStore(reader);

  const knownService = (id: string) => {
    const service = app.catalog.get(id);
    if (!service) throw notFound(`service '${id}' is not in the catalog (GET /v1/services lists them)`, 'id');
    return service;
  };
  const cacheFor = (reply: FastifyReply, range: TimeRange) => reply.header('cache-control', cacheControlFor(range.to, app.now()));

  app.get<{ Querystring: ServicesQuery }>(
    '/v1/services',
    {
      schema: {
        tags: ['services'],
        summary: 'every tracked service with its level, last score and a 24-hour sparkline, now or as they stood at a moment (`at`)',
        querystring: ServicesQuery,
        response: { 200: ServicesResponse, 400: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const at = parseInstant('at', request.query.at);
      if (at !== undefined) {
        // A moment of the past: computed for this request; once settled it never changes.
        const answer = await listServices(at, at);
        reply.header('cache-control', cacheControlFor(at, app.now()));
        return answer;
      }
      // Every open dashboard polls this list: one computation at a time serves every request,
      // and its answer is reused for a second after it completed.
      if (!listCache.current || (!listCache.inFlight && performance.now() - listCache.doneAt > SERVICES_TTL_MS)) {
        const value = listServices(app.now());
        listCache.current = value;
        listCache.inFlight = true;
        value
          .then(
            () => (listCache.doneAt = performance.now()),
            () => {
              if (listCache.current === value) listCache.current = null;
            },
          )
          .finally(() => (listCache.inFlight = false));
      }
      reply.header('cache-control', 'public, max-age=5');
      return listCache.current;
    },
  );

  /** The board at `now`, or, with `at`, as it stood at that moment of the data. */
  async function listServices(now: number, at?: number): Promise<ServicesResponse> {
    const [latest, lines, open, clock] = await Promise.all([
      reader.rows<LatestScoreRow>(at === undefined ? latestScoresSql(reader) : latestScoresAtSql(reader, at)),
      at === undefined ? sparklines.lines(now).then((s) => s.lines) : sparklinesAt(reader, at),
      reader.rows<OpenIncidentRow>(at === undefined ? openIncidentsSql(reader) : openIncidentsAtSql(reader, at)),
      app.eventClock(),
    ]);
    const latestBy = new Map(latest.map((l) => [l.service_id, l]));
    const incidentBy = new Map<string, string>();
    // Ordered by start: a service in two open incidents shows the most recent one.
    for (const inc of open) for (const id of inc.service_ids) incidentBy.set(id, inc.incident_id);

    const services: ServiceSummary[] = app.catalog.services.map((s) => {
      const l = latestBy.get(s.id);
      return {
        ...s,
        level: (l && l.level in LEVEL_RANK ? l.level : 'ok') as Level,
        score: l ? Number(l.score) : 0,
        count: l ? Number(l.count) : 0,
        expected: l ? Number(l.expected) : 0,
        updatedAt: l ? l.last_window_s * 1000 : null,
        sparkline: lines.get(s.id) ?? new Array<number>(SPARK_POINTS).fill(0),
        openIncidentId: incidentBy.get(s.id) ?? null,
      };
    });
    // Services in trouble first, then by score, then by name.
    services.sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || b.score - a.score || a.name.localeCompare(b.name));
    return { at: at ?? now, scoredUntil: clock, services };
  }

  app.get<{ Params: Params; Querystring: Static<typeof CurveQuery> }>(
    '/v1/services/:id/curve',
    {
      schema: {
        tags: ['services'],
        summary: 'report volume with baseline, band, score and level per bucket (dense: a missing bucket is 0 reports)',
        params: ServiceParams,
        querystring: CurveQuery,
        response: { 200: CurveResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const step = request.query.step ?? 15;
      const buckets = bucketsFor(range, step);
      const [reports, scores] = await fetchCurve(reader, id, buckets);
      cacheFor(reply, range);
      return { serviceId: id, from: buckets.start, to: range.to, step, points: denseCurve(buckets, reports, scores) };
    },
  );

  app.get<{ Params: Params; Querystring: Static<typeof RangeQuery> }>(
    '/v1/services/:id/breakdown',
    {
      schema: {
        tags: ['services'],
        summary: 'reports by problem, country and source over a range, with shares in %',
        params: ServiceParams,
        querystring: RangeQuery,
        response: { 200: BreakdownResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const rows = await reader.rows<ShareRow>(breakdownSql(reader, [id], range));
      cacheFor(reply, range);
      return { serviceId: id, from: range.from, to: range.to, ...breakdownFrom(rows) };
    },
  );

  app.get<{ Params: Params; Querystring: Static<typeof PostsQuery> }>(
    '/v1/services/:id/posts',
    {
      schema: {
        tags: ['services'],
        summary: 'recent social posts about the service, newest first',
        params: ServiceParams,
        querystring: PostsQuery,
        response: { 200: PostsResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const rows = await reader.rows<PostRow>(postsSql(reader, id, range, request.query.limit ?? 50));
      cacheFor(reply, range);
      return {
        serviceId: id,
        posts: rows.map((p) => ({
          id: p.id,
          at: Number(p.at_ms),
          text: p.text,
          source: p.source,
          language: p.detected_lang === '' ? null : p.detected_lang,
          declaredLanguage: p.lang === '' ? null : p.lang,
          outage: Number(p.outage) === 1,
          problem: p.problem as ProblemCategory,
        })),
      };
    },
  );

  app.get<{ Params: Params; Querystring: Static<typeof HashtagsQuery> }>(
    '/v1/services/:id/hashtags',
    {
      schema: {
        tags: ['services'],
        summary: 'hashtags used in posts about the service, by distinct posts',
        params: ServiceParams,
        querystring: HashtagsQuery,
        response: { 200: HashtagsResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const rows = await reader.rows<HashtagRow>(hashtagsSql(reader, [id], range, request.query.limit ?? 20));
      cacheFor(reply, range);
      return { serviceId: id, hashtags: rows.map((h) => ({ hashtag: h.hashtag, count: Number(h.count) })) };
    },
  );
}
