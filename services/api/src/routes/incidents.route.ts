import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse, IncidentParams, IncidentResponse, IncidentsQuery, IncidentsResponse } from '../../../../schemas/api/index';
import { SLUG_PATTERN } from '../../../../schemas/events/index';
import { badParameter, notFound } from '../errors';
import { openIncidentClock } from '../event-clock';
import { cacheControlFor, MAX_RANGE_MS, MINUTE_MS, parseInstant, resolveRange } from '../time-range';
import { incidentSql, incidentsAtSql, incidentsSql, timelineSql, toEvent, toSummary, type IncidentEventRow, type IncidentRow } from '../queries/incidents.queries';
import { breakdownFrom, breakdownSql, hashtagsSql, type HashtagRow, type ShareRow } from '../queries/services.queries';

const SLUG = new RegExp(SLUG_PATTERN);

export async function incidentsRoutes(app: FastifyInstance): Promise<void> {
  const { reader } = app;

  app.get<{ Querystring: Static<typeof IncidentsQuery> }>(
    '/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'incidents active during the range, newest first; with `at`, as they stood at that moment',
        querystring: IncidentsQuery,
        response: { 200: IncidentsResponse, 400: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.serviceId && !app.catalog.get(q.serviceId))
        throw badParameter('serviceId', `querystring.serviceId '${q.serviceId}' is not a service in the catalog`);
      const now = app.now();
      const at = parseInstant('at', q.at);
      const range = resolveRange({ ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : at !== undefined ? { to: at } : {}) }, now);
      const filter = {
        ...(q.serviceId ? { serviceId: q.serviceId } : {}),
        ...(q.status ? { status: q.status } : {}),
        limit: q.limit ?? 100,
      };
      const [rows, asOf] = await Promise.all([
        reader.rows<IncidentRow>(at === undefined ? incidentsSql(reader, range, filter) : incidentsAtSql(reader, range, at, filter)),
        // An open incident lasts until the detector's clock: after a replay of 2021, not until today.
        at === undefined ? app.eventClock().then((c) => openIncidentClock(c, now)) : Promise.resolve(at),
      ]);
      reply.header('cache-control', cacheControlFor(Math.max(range.to, at ?? 0), now));
      return { asOf, incidents: rows.map(toSummary) };
    },
  );

  app.get<{ Params: Static<typeof IncidentParams> }>(
    '/v1/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'one incident with its timeline (every event) and evidence (problems, countries, hashtags)',
        params: IncidentParams,
        response: { 200: IncidentResponse, 400: ErrorResponse, 404: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const [row] = await reader.rows<IncidentRow>(incidentSql(reader, id));
      if (!row) throw notFound(`incident '${id}' does not exist`, 'id');
      const incident = toSummary(row);
      const timeline = (await reader.rows<IncidentEventRow>(timelineSql(reader, id))).map(toEvent);

      // Evidence: what the primary services' users reported while the incident lasted.
      const now = app.now();
      const asOf = openIncidentClock(await app.eventClock(), now);
      const from = incident.startedAt;
      const end = incident.resolvedAt ?? Math.max(asOf, incident.lastEventAt);
      const range = { from, to: Math.max(from + MINUTE_MS, Math.min(end, from + MAX_RANGE_MS)) };
      const primary = incident.services.filter((s) => s.role === 'primary').map((s) => s.serviceId);
      const ids = (primary.length > 0 ? primary : incident.services.map((s) => s.serviceId)).filter((s) => SLUG.test(s));
      const [shareRows, hashtagRows] =
        ids.length === 0
          ? [[], []]
          : await Promise.all([
              reader.rows<ShareRow>(breakdownSql(reader, ids, range)),
              reader.rows<HashtagRow>(hashtagsSql(reader, ids, range, 20)),
            ]);
      const shares = breakdownFrom(shareRows);
      reply.header('cache-control', cacheControlFor(incident.resolvedAt ?? now, now));
      return {
        asOf: Math.max(asOf, incident.lastEventAt),
        incident,
        timeline,
        evidence: {
          problems: shares.problems,
          countries: shares.countries,
          hashtags: hashtagRows.map((h) => ({ hashtag: h.hashtag, count: Number(h.count) })),
        },
      };
    },
  );
}
