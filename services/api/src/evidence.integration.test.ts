/**
 * The official-status, probe and acknowledgement routes against the real ClickHouse: a throwaway
 * database with the migrations applied and rows as the sink writes them from downradar.status,
 * .probes and .alerts.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, migrate, repoRoot, type ClickHouseClient } from '@downradar/common';
import { CLICKHOUSE_URL, testClickHouse, testDatabase } from '@downradar/common/testing';
import { loadCatalog } from '../../../schemas/catalog/index';
import type { AcknowledgementResponse, OfficialResponse, ProbesResponse } from '../../../schemas/api/index';
import { buildApp } from './app';
import { apiCatalog } from './catalog';
import { apiConfigSpec } from './config';

const DB = testDatabase('api_evidence');
const T = (h: number, m: number, s = 0) => Date.UTC(2026, 0, 5, h, m, s);
const sec = (ms: number) => Math.floor(ms / 1000);
let client: ClickHouseClient;
let app: FastifyInstance;

const official = (id: string, kind: string, status: string, at: number, extra: Record<string, unknown> = {}) => ({
  id, service_id: 'github', source: 'statuspage', kind, status, provider_status: status, at: sec(at), at_ms: at, observed_at: sec(at) + 30, observed_at_ms: at + 30_000,
  incident_id: '', incident_status: '', component_id: '', component_name: '', title: `${kind} ${status}`, body: '', url: 'https://www.githubstatus.com', ...extra,
});
const probe = (id: string, kind: string, at: number, ok: boolean, outcome: string, latency: number) => ({
  id, service_id: 'github', kind, target: 'github.com', at: sec(at), at_ms: at, ok: ok ? 1 : 0, outcome, latency_ms: latency,
  dns_ms: kind === 'dns' ? latency : null, connect_ms: null, tls_ms: null, first_byte_ms: null, http_status: ok ? 200 : 0, address: '', error: '', vantage: 'test',
});

beforeAll(async () => {
  client = testClickHouse();
  await migrate(client, { dir: `${repoRoot}/schemas/clickhouse`, database: DB });
  const put = (table: string, values: object[]) => client.insert({ table: `${DB}.${table}`, values, format: 'JSONEachRow' });
  await put('official_status', [
    official('g:page:0', 'page', 'operational', T(9, 0)),
    official('g:component:1', 'component', 'major_outage', T(12, 20), { component_name: 'Git Operations' }),
    official('g:incident:1', 'incident', 'major_outage', T(12, 27), { incident_id: 'inc-a', title: 'Git operations unavailable', url: 'https://stspg.io/a' }),
    official('g:page:1', 'page', 'major_outage', T(12, 27)),
    official('g:page:2', 'page', 'operational', T(13, 10)),
  ]);
  await put('probe_results', [
    probe('p1', 'dns', T(12, 15, 5), true, 'ok', 10),
    probe('p2', 'https', T(12, 15, 6), true, 'ok', 120),
    probe('p3', 'dns', T(12, 21, 5), true, 'ok', 12),
    probe('p4', 'https', T(12, 21, 6), false, 'http_5xx', 300),
  ]);
  const at = T(12, 22);
  await put('incident_events', [
    {
      event_id: 'inc-github-202601051218:1', incident_id: 'inc-github-202601051218', seq: 1, type: 'opened', at: sec(at), at_ms: at, emitted_at: sec(at) + 5, emitted_at_ms: at + 5000,
      level: 'danger', started_at: sec(T(12, 18)), resolved_at: null, family: '', provider: 'github', service_ids: ['github'], service_roles: ['primary'], service_levels: ['danger'],
      service_first_warning_at: [sec(T(12, 19))], service_first_danger_at: [sec(T(12, 21))], service_peak_scores: [0.9], service_peak_counts: [120], services_json: '[]', summary: 'GitHub is down',
    },
  ]);
  const config = loadConfig(apiConfigSpec, { DOWNRADAR_CLICKHOUSE_URL: CLICKHOUSE_URL, DOWNRADAR_CLICKHOUSE_DATABASE: DB, DOWNRADAR_DASHBOARD_DIR: join(tmpdir(), 'no-dashboard') });
  app = await buildApp({ config, clickhouse: client, catalog: apiCatalog(loadCatalog().services), now: () => T(18, 0) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await client?.command({ query: `DROP DATABASE IF EXISTS ${DB}` });
  await client?.close();
});

const get = async <T>(url: string) => {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as T };
};

describe('evidence routes', () => {
  it('official: what the page published in the range, and what it said when the range began', async () => {
    const r = await get<OfficialResponse>(`/v1/services/github/official?from=${T(12, 0)}&to=${T(14, 0)}`);
    expect(r.status).toBe(200);
    expect(r.body.source).toEqual({ kind: 'statuspage', url: 'https://www.githubstatus.com' });
    expect(r.body.before).toMatchObject({ kind: 'page', status: 'operational', at: T(9, 0) });
    expect(r.body.entries.map((e) => `${e.kind}:${e.status}`)).toEqual(['component:major_outage', 'incident:major_outage', 'page:major_outage', 'page:operational']);
    expect(r.body.entries[1]).toMatchObject({ incidentId: 'inc-a', title: 'Git operations unavailable', url: 'https://stspg.io/a' });
    expect(r.body.entries[0]!.componentName).toBe('Git Operations');
    const none = await get<OfficialResponse>(`/v1/services/facebook/official?from=${T(12, 0)}&to=${T(14, 0)}`);
    expect(none.body).toEqual({ serviceId: 'facebook', source: null, before: null, entries: [] });
  });

  it('probes: per minute and kind, failures named, latency of the ones that answered', async () => {
    const r = await get<ProbesResponse>(`/v1/services/github/probes?from=${T(12, 0)}&to=${T(13, 0)}`);
    expect(r.status).toBe(200);
    expect(r.body.domains).toContain('github.com');
    expect(r.body.minutes).toEqual([
      { minute: T(12, 15), kind: 'dns', probes: 1, failed: 0, failures: [], medianLatencyMs: 10 },
      { minute: T(12, 15), kind: 'https', probes: 1, failed: 0, failures: [], medianLatencyMs: 120 },
      { minute: T(12, 21), kind: 'dns', probes: 1, failed: 0, failures: [], medianLatencyMs: 12 },
      { minute: T(12, 21), kind: 'https', probes: 1, failed: 1, failures: ['http_5xx'], medianLatencyMs: null },
    ]);
  });

  it('acknowledgement: the provider spoke 5 minutes after downradar opened the incident', async () => {
    const r = await get<AcknowledgementResponse>('/v1/incidents/inc-github-202601051218/acknowledgement');
    expect(r.status).toBe(200);
    // The component went down at 12:20, before detection at 12:22: that is the first non-operational word.
    expect(r.body.services).toEqual([{ serviceId: 'github', detectedAt: T(12, 22), acknowledgedAt: T(12, 20), afterDetectionS: -120, title: 'component major_outage', url: 'https://www.githubstatus.com' }]);
    const none = await get<AcknowledgementResponse>('/v1/incidents/inc-nothing/acknowledgement');
    expect(none.body.services).toEqual([]);
  });

  it('404 naming an unknown service, 400 for a bad id', async () => {
    expect((await get(`/v1/services/no-such/official`)).status).toBe(404);
    expect((await get(`/v1/services/Bad_Id/probes`)).status).toBe(400);
    expect((await get(`/v1/incidents/bad%20id/acknowledgement`)).status).toBe(400);
  });
});
