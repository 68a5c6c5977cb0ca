/**
 * The evidence beside the crowd curve: what the provider's status page said (official_status) and
 * what this host's probes saw (probe_minutes), per service; and per incident, when each provider
 * acknowledged it, measured from downradar's detection (incident_acknowledgement).
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  AcknowledgementResponse,
  ErrorResponse,
  IncidentParams,
  OfficialResponse,
  ProbesResponse,
  RangeQuery,
  ServiceParams,
  type OfficialEntry,
} from '../../../../schemas/api/index';
import type { OfficialStatus } from '../../../../schemas/events/index';
import { loadCatalog } from '../../../../schemas/catalog/index';
import { loadSourceCatalog } from '../../../../schemas/catalog/sources';
import { notFound } from '../errors';
import { acknowledgementSql, officialBeforeSql, officialSql, probeMinutesSql, type AcknowledgementRow, type OfficialRow, type ProbeMinuteRow } from '../queries/evidence.queries';
import { cacheControlFor, resolveRange } from '../time-range';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 500: ErrorResponse, 503: ErrorResponse };

function toEntry(r: OfficialRow): OfficialEntry {
  return {
    at: Number(r.at_ms),
    kind: r.kind as OfficialEntry['kind'],
    status: r.status as OfficialStatus,
    providerStatus: r.provider_status,
    title: r.title,
    url: r.url,
    incidentId: r.incident_id || null,
    componentName: r.component_name || null,
  };
}

export async function evidenceRoutes(app: FastifyInstance): Promise<void> {
  const { reader } = app;
  // Where each service's status page and domains are (the shipped source catalog).
  const sources = loadSourceCatalog(loadCatalog());
  const knownService = (id: string) => {
    if (!app.catalog.get(id)) throw notFound(`service '${id}' is not in the catalog (GET /v1/services lists them)`, 'id');
  };

  app.get<{ Params: Static<typeof ServiceParams>; Querystring: Static<typeof RangeQuery> }>(
    '/v1/services/:id/official',
    {
      schema: {
        tags: ['services'],
        summary: "what the service's official status page published in the range, and its overall status when the range began",
        params: ServiceParams,
        querystring: RangeQuery,
        response: { 200: OfficialResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const [entries, before] = await Promise.all([reader.rows<OfficialRow>(officialSql(reader, id, range)), reader.rows<OfficialRow>(officialBeforeSql(reader, id, range.from))]);
      const status = sources.get(id)?.status;
      reply.header('cache-control', cacheControlFor(range.to, app.now()));
      return { serviceId: id, source: status ? { kind: status.kind, url: status.url } : null, before: before[0] ? toEntry(before[0]) : null, entries: entries.map(toEntry) };
    },
  );

  app.get<{ Params: Static<typeof ServiceParams>; Querystring: Static<typeof RangeQuery> }>(
    '/v1/services/:id/probes',
    {
      schema: {
        tags: ['services'],
        summary: "DNS and HTTPS probes of the service's domains from this host, per minute",
        params: ServiceParams,
        querystring: RangeQuery,
        response: { 200: ProbesResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      knownService(id);
      const range = resolveRange(request.query, app.now());
      const rows = await reader.rows<ProbeMinuteRow>(probeMinutesSql(reader, id, range));
      reply.header('cache-control', cacheControlFor(range.to, app.now()));
      return {
        serviceId: id,
        domains: [...(sources.get(id)?.domains ?? [])],
        minutes: rows.map((r) => ({
          minute: r.minute_s * 1000,
          kind: r.kind as 'dns' | 'https',
          probes: Number(r.probes),
          failed: Number(r.failed),
          failures: r.failures,
          medianLatencyMs: r.median_latency_ms === null || !Number.isFinite(Number(r.median_latency_ms)) ? null : Number(r.median_latency_ms),
        })),
      };
    },
  );

  app.get<{ Params: Static<typeof IncidentParams> }>(
    '/v1/incidents/:id/acknowledgement',
    {
      schema: {
        tags: ['incidents'],
        summary: "when each primary service's provider first acknowledged the incident on its status page, and how long after downradar detected it",
        params: IncidentParams,
        response: { 200: AcknowledgementResponse, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const rows = await reader.rows<AcknowledgementRow>(acknowledgementSql(reader, id));
      return {
        incidentId: id,
        services: rows.map((r) => ({
          serviceId: r.service_id,
          detectedAt: r.detected_s * 1000,
          acknowledgedAt: r.acknowledged_s * 1000,
          afterDetectionS: Number(r.ack_after_detection_s),
          title: r.first_official_title,
          url: r.first_official_url,
        })),
      };
    },
  );
}
