/**
 * Every route of the read API against the real ClickHouse: a throwaway database with the
 * project's migrations applied and the fixture rows of testing/fixtures.ts inserted.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, loadConfig, migrate, repoRoot, type ClickHouseClient } from '@downradar/common';
import { loadCatalog } from '../../../schemas/catalog/index';
import { testClickHouse, testDatabase, STACK_ENV } from '@downradar/common/testing';
import type {
  BreakdownResponse,
  CurveResponse,
  ErrorResponse,
  HashtagsResponse,
  IncidentResponse,
  IncidentsResponse,
  PostsResponse,
  ServicesResponse,
  TrendsResponse,
} from '../../../schemas/api/index';
import { buildApp } from './app';
import { apiCatalog } from './catalog';
import { apiConfigSpec, type ApiConfig } from './config';
import { insertFixtures, MIN, NOW, reportRows, T15 } from './testing/fixtures';

const DB = testDatabase('api');
const catalog = apiCatalog(loadCatalog().services);
let client: ClickHouseClient;
let app: FastifyInstance;

function configFor(overrides: Record<string, string> = {}): ApiConfig {
  return loadConfig(apiConfigSpec, {
    ...STACK_ENV,
    DOWNRADAR_CLICKHOUSE_DATABASE: DB,
    DOWNRADAR_DASHBOARD_DIR: join(tmpdir(), 'downradar-no-dashboard-here'),
    ...overrides,
  });
}

async function get<T>(url: string, a: FastifyInstance = app, headers: Record<string, string> = {}) {
  const res = await a.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, headers: res.headers, body: (String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body) as T, raw: res };
}

beforeAll(async () => {
  client = testClickHouse();
  await migrate(client, { dir: `${repoRoot}/schemas/clickhouse`, database: DB });
  await insertFixtures(client, DB);
  app = await buildApp({ config: configFor(), clickhouse: client, catalog, now: () => NOW });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await client?.command({ query: `DROP DATABASE IF EXISTS ${DB}` });
  await client?.close();
});

const range = (from: number, to: number, extra = '') => `from=${from}&to=${to}${extra}`;
const HOUR = `from=${T15}&to=${T15 + 60 * MIN}`;

describe('GET /v1/services', () => {
  it('lists every catalog service with level, last score, sparkline and open incident; troubled first', async () => {
    const { status, body, headers } = await get<ServicesResponse>('/v1/services');
    expect(status).toBe(200);
    expect(headers['cache-control']).toBe('public, max-age=5');
    expect(body.at).toBe(NOW);
    expect(body.services).toHaveLength(catalog.services.length);
    const [first, second] = body.services;
    expect(first).toMatchObject({
      id: 'facebook',
      name: 'Facebook',
      family: 'meta',
      level: 'danger',
      score: 0.99,
      count: 20,
      expected: 1.5,
      updatedAt: T15 + 59 * MIN,
      openIncidentId: 'inc-meta-1',
    });
    expect(second).toMatchObject({ id: 'instagram', level: 'warning', openIncidentId: 'inc-meta-1' });
    // 96 quarter hours ending with the current one (18:00-18:15): 15:00 is index 83.
    expect(first!.sparkline).toHaveLength(96);
    expect(first!.sparkline.slice(83, 87)).toEqual([10, 0, 5, 200]);
    expect(first!.sparkline.reduce((a, b) => a + b, 0)).toBe(215);
    const quiet = body.services.find((s) => s.id === 'netflix')!;
    expect(quiet).toMatchObject({ level: 'ok', score: 0, count: 0, updatedAt: null, openIncidentId: null });
    expect(quiet.sparkline.every((n) => n === 0)).toBe(true);
    const twitter = body.services.find((s) => s.id === 'twitter')!;
    expect(twitter.openIncidentId).toBeNull(); // its incident is resolved
    // The detector's event-time clock: the end of the newest scored window.
    expect(body.scoredUntil).toBe(T15 + 60 * MIN);
  });

  it('describes the board as it stood at a moment of the data (?at=, ISO or epoch ms)', async () => {
    const at = T15 + 48 * MIN;
    const { status, body, headers } = await get<ServicesResponse>('/v1/services?at=2021-10-04T15:48:00Z');
    expect(status).toBe(200);
    expect(headers['cache-control']).toBe('public, max-age=3600'); // a settled moment
    expect(body.at).toBe(at);
    expect(body.scoredUntil).toBe(T15 + 60 * MIN);
    const fb = body.services.find((s) => s.id === 'facebook')!;
    // The last window closed by 15:48 is 15:47-15:48 (warning); the danger windows come later.
    expect(fb).toMatchObject({ level: 'warning', score: 0.99, count: 20, updatedAt: T15 + 47 * MIN, openIncidentId: 'inc-meta-1' });
    expect(body.services[0]!.id).toBe('facebook');
    // At 15:48 the incident held facebook only: instagram joined with the update at 15:52.
    expect(body.services.find((s) => s.id === 'instagram')).toMatchObject({ level: 'ok', updatedAt: null, openIncidentId: null });
    // The sparkline ends with the quarter hour of 15:48 and counts only the reports before it.
    const before = new Set(reportRows().filter((r) => r.service_id === 'facebook' && r.at_ms < at).map((r) => r.id)).size;
    expect(fb.sparkline).toHaveLength(96);
    expect(fb.sparkline.reduce((a, b) => a + b, 0)).toBe(before);
    expect(fb.sparkline[95]).toBe(before - 15); // 10 before 15:15, 5 in 15:30-15:45

    const same = await get<ServicesResponse>(`/v1/services?at=${at}`);
    expect(same.body.services.find((s) => s.id === 'facebook')).toEqual(fb);
    // In the morning twitter's incident (resolved at 10:30) was open.
    const morning = await get<ServicesResponse>('/v1/services?at=2021-10-04T10:15:00Z');
    expect(morning.body.services.find((s) => s.id === 'twitter')!.openIncidentId).toBe('inc-old-1');
    expect(morning.body.services.find((s) => s.id === 'facebook')!.openIncidentId).toBeNull();

    const bad = await get<ErrorResponse>('/v1/services?at=last%20monday');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BAD_PARAMETER', field: 'at' });
    expect(bad.body.message).toMatch(/^querystring\.at must be epoch milliseconds or an ISO 8601 time/);
  });
});

describe('GET /v1/services/:id/curve', () => {
  it('is dense: a bucket without reports is 0, a bucket without scores is a null gap', async () => {
    const { status, body } = await get<CurveResponse>(`/v1/services/facebook/curve?${HOUR}&step=15`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ serviceId: 'facebook', from: T15, to: T15 + 60 * MIN, step: 15 });
    expect(body.points.map((p) => p.t)).toEqual([0, 15, 30, 45].map((m) => T15 + m * MIN));
    // Redelivered reports count once.
    expect(body.points.map((p) => p.reports)).toEqual([10, 0, 5, 200]);
    expect(body.points.map((p) => p.baseline)).toEqual([15, 15, null, 22.5]);
    expect(body.points.map((p) => p.upper)).toEqual([60, 60, null, 75]);
    expect(body.points.map((p) => p.score)).toEqual([0.1, 0.1, null, 0.99]);
    expect(body.points.map((p) => p.level)).toEqual(['ok', 'ok', null, 'danger']);
  });

  it('defaults to 15-minute steps over the 24 hours before now', async () => {
    const { body } = await get<CurveResponse>('/v1/services/facebook/curve');
    expect(body.step).toBe(15);
    expect(body.to).toBe(NOW);
    expect(body.from).toBe(NOW - 86_400_000);
    expect(body.points).toHaveLength(96);
    expect(body.points.reduce((a, p) => a + p.reports, 0)).toBe(215);
  });

  it('floors from to the step and works at 1 and 5 minutes', async () => {
    const five = await get<CurveResponse>(`/v1/services/facebook/curve?${range(T15 + 42 * MIN + 17_000, T15 + 50 * MIN)}&step=5`);
    expect(five.body.from).toBe(T15 + 40 * MIN);
    // 15:40-15:45: the 5 onset reports, no score; 15:45-15:50: 70 reports, warning windows.
    expect(five.body.points.map((p) => [p.reports, p.level])).toEqual([
      [5, null],
      [70, 'warning'],
    ]);
    const one = await get<CurveResponse>(`/v1/services/facebook/curve?${range(T15 + 43 * MIN, T15 + 46 * MIN)}&step=1`);
    expect(one.body.points.map((p) => p.reports)).toEqual([0, 5, 14]);
    expect(one.body.points.map((p) => p.baseline)).toEqual([null, null, 1.5]);
  });

  it('caches a settled range for an hour and a live one for 5 seconds', async () => {
    const past = await get(`/v1/services/facebook/curve?${HOUR}`);
    expect(past.headers['cache-control']).toBe('public, max-age=3600');
    const live = await get(`/v1/services/facebook/curve?${range(NOW - 3_600_000, NOW)}`);
    expect(live.headers['cache-control']).toBe('public, max-age=5');
  });

  it('takes from and to as ISO 8601 as well as epoch milliseconds', async () => {
    const iso = await get<CurveResponse>('/v1/services/facebook/curve?from=2021-10-04T15:00:00Z&to=2021-10-04T16:00:00Z&step=15');
    const epoch = await get<CurveResponse>(`/v1/services/facebook/curve?${HOUR}&step=15`);
    expect(iso.status).toBe(200);
    expect(iso.body).toEqual(epoch.body);
    const offset = await get<CurveResponse>('/v1/services/facebook/curve?from=2021-10-04T11:00:00-04:00&to=1633363200000');
    expect(offset.body.from).toBe(T15);
    expect(offset.body.points.map((p) => p.reports)).toEqual([10, 0, 5, 200]);
  });

  it.each([
    ['step=7', 'step', 'querystring.step must be one of 1, 5, 15'],
    ['from=yesterday', 'from', 'querystring.from must be epoch milliseconds or an ISO 8601 time such as 2021-10-04T15:00:00Z (got "yesterday")'],
    ['from=-5', 'from', 'querystring.from must be epoch milliseconds or an ISO 8601 time'],
    ['to=2021-02-30T00:00:00Z', 'to', 'querystring.to must be epoch milliseconds or an ISO 8601 time'],
    [range(T15, T15), 'to', 'querystring.to must be greater than from'],
    [range(T15 + 60 * MIN, T15), 'to', 'querystring.to must be greater than from'],
    [range(T15 - 32 * 86_400_000, T15), 'from', 'at most 31 days'],
    [range(T15 - 7 * 86_400_000, T15, '&step=1'), 'step', 'at most 10000 are allowed'],
    ['colour=red', 'colour', 'querystring.colour is not a known parameter'],
  ])('400 for %s, naming %s', async (query, field, message) => {
    const { status, body } = await get<ErrorResponse>(`/v1/services/facebook/curve?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, code: 'BAD_PARAMETER', error: 'Bad Request', field });
    expect(body.message).toContain(message);
  });

  it('400 for an id that is not a slug, 404 naming an unknown service', async () => {
    const bad = await get<ErrorResponse>(`/v1/services/${encodeURIComponent("x' OR 1=1")}/curve`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BAD_PARAMETER', field: 'id' });
    expect(bad.body.message).toMatch(/^params\.id must match/);
    const unknown = await get<ErrorResponse>('/v1/services/myspace/curve');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', field: 'id' });
    expect(unknown.body.message).toContain("'myspace'");
  });
});

describe('service details', () => {
  it('breakdown: problems, countries and sources in %', async () => {
    const { status, body, headers } = await get<BreakdownResponse>(`/v1/services/facebook/breakdown?${HOUR}`);
    expect(status).toBe(200);
    expect(headers['cache-control']).toBe('public, max-age=3600');
    expect(body.total).toBe(215);
    expect(body.problems).toEqual([
      { key: 'login', count: 105, pct: 48.8 },
      { key: 'app', count: 60, pct: 27.9 },
      { key: 'server_connection', count: 40, pct: 18.6 },
      { key: 'other', count: 10, pct: 4.7 },
    ]);
    expect(body.countries).toEqual([
      { key: 'US', count: 160, pct: 74.4 },
      { key: 'unknown', count: 50, pct: 23.3 },
      { key: 'GB', count: 5, pct: 2.3 },
    ]);
    expect(body.sources).toEqual([
      { key: 'web', count: 165, pct: 76.7 },
      { key: 'api', count: 50, pct: 23.3 },
    ]);
  });

  it('posts: the posts about the service, newest first, with text and the detected and declared languages', async () => {
    const { status, body } = await get<PostsResponse>(`/v1/services/facebook/posts?${HOUR}`);
    expect(status).toBe(200);
    expect(body.posts).toEqual([
      { id: 'p3', at: T15 + 49 * MIN, text: 'o facebook tá funcionando normal aqui', source: 'twitter', language: 'pt', declaredLanguage: 'en', outage: false, problem: 'other' },
      { id: 'p2', at: T15 + 48 * MIN, text: 'everything is down #facebookdown #instagramdown', source: 'mastodon', language: null, declaredLanguage: null, outage: true, problem: 'app' },
      { id: 'p1', at: T15 + 46 * MIN, text: 'is facebook down?? #facebookdown', source: 'twitter', language: 'en', declaredLanguage: 'en', outage: true, problem: 'other' },
    ]);
    const limited = await get<PostsResponse>(`/v1/services/facebook/posts?${HOUR}&limit=1`);
    expect(limited.body.posts.map((p) => p.id)).toEqual(['p3']);
    const bad = await get<ErrorResponse>(`/v1/services/facebook/posts?${HOUR}&limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'limit', message: 'querystring.limit must be >= 1' });
  });

  it('hashtags: by distinct posts', async () => {
    const { status, body } = await get<HashtagsResponse>(`/v1/services/facebook/hashtags?${HOUR}`);
    expect(status).toBe(200);
    expect(body.hashtags).toEqual([
      { hashtag: 'facebookdown', count: 2 },
      { hashtag: 'instagramdown', count: 1 },
    ]);
  });

  it.each(['breakdown', 'posts', 'hashtags'])('%s: 404 for an unknown service, 400 for a bad range', async (sub) => {
    const unknown = await get<ErrorResponse>(`/v1/services/myspace/${sub}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const bad = await get<ErrorResponse>(`/v1/services/facebook/${sub}?${range(T15, T15 - 1)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('to');
  });
});

describe('incidents', () => {
  const DAY = `from=${Date.UTC(2021, 9, 4)}&to=${Date.UTC(2021, 9, 5)}`;

  it('lists the incidents active in the range, newest first, with filters', async () => {
    const all = await get<IncidentsResponse>(`/v1/incidents?${DAY}`);
    expect(all.status).toBe(200);
    // An open incident's duration runs to the detector's clock (its newest window, 16:00), not to now.
    expect(all.body.asOf).toBe(T15 + 60 * MIN);
    expect(all.body.incidents.map((i) => [i.incidentId, i.status])).toEqual([
      ['inc-meta-1', 'open'],
      ['inc-old-1', 'resolved'],
    ]);
    expect(all.body.incidents[0]).toMatchObject({
      level: 'danger',
      startedAt: T15 + 45 * MIN,
      resolvedAt: null,
      lastEventAt: T15 + 52 * MIN,
      family: 'meta',
      provider: 'meta',
      summary: 'facebook, instagram: problems detected',
    });
    expect(all.body.incidents[0]!.services.map((s) => s.serviceId)).toEqual(['facebook', 'instagram']);
    expect(all.body.incidents[1]).toMatchObject({ resolvedAt: Date.UTC(2021, 9, 4, 10, 30), family: null, provider: null });

    const open = await get<IncidentsResponse>(`/v1/incidents?${DAY}&status=open`);
    expect(open.body.incidents.map((i) => i.incidentId)).toEqual(['inc-meta-1']);
    const twitter = await get<IncidentsResponse>(`/v1/incidents?${DAY}&serviceId=twitter`);
    expect(twitter.body.incidents.map((i) => i.incidentId)).toEqual(['inc-old-1']);
    // The resolved incident ended at 10:30: a range from 11:00 does not include it.
    const later = await get<IncidentsResponse>(`/v1/incidents?from=${Date.UTC(2021, 9, 4, 11)}&to=${Date.UTC(2021, 9, 4, 20)}`);
    expect(later.body.incidents.map((i) => i.incidentId)).toEqual(['inc-meta-1']);
  });

  it('describes the incidents as they stood at a moment (?at=)', async () => {
    const early = await get<IncidentsResponse>(`/v1/incidents?at=2021-10-04T15:48:00Z&from=${T15}`);
    expect(early.status).toBe(200);
    expect(early.body.asOf).toBe(T15 + 48 * MIN);
    expect(early.body.incidents).toHaveLength(1);
    expect(early.body.incidents[0]).toMatchObject({
      incidentId: 'inc-meta-1',
      status: 'open',
      level: 'warning',
      lastEventAt: T15 + 47 * MIN,
      summary: 'facebook: possible problems',
      family: 'meta',
    });
    expect(early.body.incidents[0]!.services.map((s) => s.serviceId)).toEqual(['facebook']);
    // `to` defaults to `at`: nothing that started after 15:48 (nor the morning's, resolved before from).
    const before = await get<IncidentsResponse>(`/v1/incidents?at=${T15 + 44 * MIN}&from=${T15}`);
    expect(before.body.incidents).toEqual([]);
    // twitter's incident: open at 10:15, resolved at 10:30 as seen at 11:00.
    const morning = await get<IncidentsResponse>(`/v1/incidents?at=2021-10-04T10:15:00Z&from=2021-10-04T09:00:00Z`);
    expect(morning.body.incidents.map((i) => [i.incidentId, i.status, i.resolvedAt])).toEqual([['inc-old-1', 'open', null]]);
    const later = await get<IncidentsResponse>(`/v1/incidents?at=2021-10-04T11:00:00Z&from=2021-10-04T10:00:00Z&status=resolved`);
    expect(later.body.incidents.map((i) => [i.incidentId, i.status, i.resolvedAt])).toEqual([['inc-old-1', 'resolved', Date.UTC(2021, 9, 4, 10, 30)]]);
    const facebookOnly = await get<IncidentsResponse>(`/v1/incidents?at=${NOW}&from=${Date.UTC(2021, 9, 4)}&serviceId=instagram`);
    expect(facebookOnly.body.incidents.map((i) => i.incidentId)).toEqual(['inc-meta-1']);
    expect((await get<ErrorResponse>('/v1/incidents?at=tomorrow')).body.field).toBe('at');
  });

  it.each([
    ['status=closed', 'status', 'querystring.status must be one of open, resolved'],
    ['serviceId=myspace', 'serviceId', "'myspace' is not a service in the catalog"],
    ['serviceId=Face%20Book', 'serviceId', 'querystring.serviceId must match'],
    ['limit=501', 'limit', 'querystring.limit must be <= 500'],
  ])('400 for %s', async (query, field, message) => {
    const { status, body } = await get<ErrorResponse>(`/v1/incidents?${query}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.message).toContain(message);
  });

  it('one incident: its timeline and the evidence of its services', async () => {
    const { status, body, headers } = await get<IncidentResponse>('/v1/incidents/inc-meta-1');
    expect(status).toBe(200);
    expect(headers['cache-control']).toBe('public, max-age=5'); // still open
    expect(body.incident.incidentId).toBe('inc-meta-1');
    expect(body.asOf).toBe(T15 + 60 * MIN);
    expect(body.timeline.map((e) => [e.seq, e.type, e.level, e.at])).toEqual([
      [1, 'opened', 'warning', T15 + 47 * MIN],
      [2, 'updated', 'danger', T15 + 52 * MIN],
    ]);
    expect(body.timeline[0]).toMatchObject({ eventId: 'inc-meta-1:1', family: 'meta', startedAt: T15 + 45 * MIN, emittedAt: T15 + 47 * MIN + 2000 });
    expect(body.timeline[0]!.services).toHaveLength(1);
    // facebook and instagram from 15:45 on: 200 + 7 reports.
    expect(body.evidence.problems[0]).toEqual({ key: 'login', count: 100, pct: 48.3 });
    expect(body.evidence.problems.reduce((a, p) => a + p.count, 0)).toBe(207);
    expect(body.evidence.hashtags).toEqual([
      { hashtag: 'facebookdown', count: 2 },
      { hashtag: 'instagramdown', count: 1 },
    ]);

    const resolved = await get<IncidentResponse>('/v1/incidents/inc-old-1');
    expect(resolved.headers['cache-control']).toBe('public, max-age=3600');
    expect(resolved.body.timeline.at(-1)).toMatchObject({ type: 'resolved', resolvedAt: Date.UTC(2021, 9, 4, 10, 30) });
  });

  it('404 naming an unknown incident, 400 for an id with forbidden characters', async () => {
    const missing = await get<ErrorResponse>('/v1/incidents/inc-nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(missing.body.message).toContain("'inc-nope'");
    const bad = await get<ErrorResponse>(`/v1/incidents/${encodeURIComponent("a'b")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('id');
  });
});

describe('GET /v1/trends', () => {
  it('trending hashtags first, deduplicated windows, dense sparkline', async () => {
    const { status, body } = await get<TrendsResponse>(`/v1/trends?${HOUR}`);
    expect(status).toBe(200);
    expect(body.trends.map((t) => t.hashtag)).toEqual(['facebookdown', 'randomtag']);
    const [fb, other] = body.trends;
    // Uses: distinct posts carrying it (p1, p2; p2 is about two services and counts once), not the
    // detector's window counts (1 + 3 + 10 + 30 + 50).
    expect(fb).toMatchObject({ serviceId: 'facebook', outage: true, count: 2, burst: 0.99, trending: true, lastWindowStart: T15 + 49 * MIN });
    // 60 minutes in 2-minute buckets: p1 at 15:46 is in bucket 23, p2 at 15:48 in bucket 24.
    expect(fb!.sparkline).toHaveLength(30);
    expect(fb!.sparkline.slice(22, 26)).toEqual([0, 1, 1, 0]);
    expect(other).toMatchObject({ serviceId: null, outage: null, trending: false, count: 0 });
    const limited = await get<TrendsResponse>(`/v1/trends?${HOUR}&limit=1`);
    expect(limited.body.trends).toHaveLength(1);
  });

  it('counts a hashtag as the service page does', async () => {
    const trends = await get<TrendsResponse>(`/v1/trends?${HOUR}`);
    const page = await get<HashtagsResponse>(`/v1/services/facebook/hashtags?${HOUR}`);
    const onTrends = trends.body.trends.find((t) => t.hashtag === 'facebookdown')!.count;
    expect(onTrends).toBe(page.body.hashtags.find((h) => h.hashtag === 'facebookdown')!.count);
  });

  it('400 for a bad limit or range', async () => {
    expect((await get<ErrorResponse>('/v1/trends?limit=abc')).body.field).toBe('limit');
    expect((await get<ErrorResponse>(`/v1/trends?${range(0, 40 * 86_400_000)}`)).body.field).toBe('from');
  });
});

describe('docs, health, metrics', () => {
  it('/docs is an HTML reference served from this server, with no third-party address', async () => {
    const page = await get<string>('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const file = await get<string>(new URL(src, 'http://x/docs/').pathname);
      expect(file.status, src).toBe(200);
    }
    const initializer = await get<string>('/docs/static/swagger-initializer.js');
    expect(initializer.body).toContain('validatorUrl: null');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('/docs/json is the OpenAPI document listing every route', async () => {
    for (const url of ['/docs/json']) {
      const { status, body } = await get<{ openapi: string; paths: Record<string, unknown> }>(url);
      expect(status).toBe(200);
      expect(body.openapi).toMatch(/^3\./);
      expect(Object.keys(body.paths).sort()).toEqual(
        [
          '/healthz',
          '/readyz',
          '/v1/incidents',
          '/v1/incidents/{id}',
          '/v1/incidents/{id}/acknowledgement',
          '/v1/services',
          '/v1/services/{id}/breakdown',
          '/v1/services/{id}/curve',
          '/v1/services/{id}/hashtags',
          '/v1/services/{id}/official',
          '/v1/services/{id}/posts',
          '/v1/services/{id}/probes',
          '/v1/stream',
          '/v1/trends',
        ].sort(),
      );
    }
  });

  it('/healthz and /readyz', async () => {
    expect((await get('/healthz')).body).toEqual({ ok: true, status: 'ok' });
    expect((await get<{ status: string }>('/readyz')).body).toEqual({ ok: true, status: 'ready' });
  });

  it('/readyz is 503 and data routes hide the cause when ClickHouse is unreachable', async () => {
    const dead = createClickHouse({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
    const down = await buildApp({ config: configFor(), clickhouse: dead, catalog, now: () => NOW });
    try {
      const ready = await get<{ ok: boolean; status: string }>('/readyz', down);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ ok: false, status: 'ClickHouse is not reachable' });
      const curve = await get<ErrorResponse>('/v1/services/facebook/curve', down);
      expect(curve.status).toBe(503);
      expect(curve.body.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT/);
    } finally {
      await down.close();
      await dead.close();
    }
  });

  it('5xx bodies say nothing about the SQL or the schema', async () => {
    const broken = await buildApp({
      config: configFor({ DOWNRADAR_CLICKHOUSE_DATABASE: 'no_such_database_here' }),
      clickhouse: client,
      catalog,
      now: () => NOW,
    });
    try {
      const { status, body } = await get<ErrorResponse>('/v1/services/facebook/curve', broken);
      expect(status).toBe(500);
      expect(body).toMatchObject({ statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error' });
      expect(body.message).not.toMatch(/no_such_database|report_volume|Code:/);
    } finally {
      await broken.close();
    }
  });

  it('/metrics has the request duration histogram by route', async () => {
    await get('/v1/services/facebook/curve');
    const { status, body } = await get<string>('/metrics');
    expect(status).toBe(200);
    expect(body).toMatch(/api_request_duration_ms_bucket\{[^}]*route="\/v1\/services\/:id\/curve"/);
    expect(body).toContain('api_stream_clients');
  });
});

describe('dashboard and CORS', () => {
  it('says how to build the dashboard when it is not built; unknown /v1 paths stay JSON 404s', async () => {
    const root = await get<string>('/');
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toMatch(/text\/html/);
    expect(root.body).toContain('dashboard not built: npm run build --workspace dashboards/web');
    const api = await get<ErrorResponse>('/v1/nothing');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ code: 'NOT_FOUND', message: 'no route GET /v1/nothing' });
  });

  it('serves a built dashboard, with index.html for its client-side routes', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'downradar-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>downradar dashboard</title>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    const withDist = await buildApp({ config: configFor({ DOWNRADAR_DASHBOARD_DIR: dist }), clickhouse: client, catalog, now: () => NOW });
    try {
      const root = await get<string>('/', withDist);
      expect(root.status).toBe(200);
      expect(root.body).toContain('downradar dashboard');
      const deep = await get<string>('/services/facebook', withDist);
      expect(deep.status).toBe(200);
      expect(deep.body).toContain('downradar dashboard');
      const asset = await get<string>('/assets/app-abc123.js', withDist);
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      expect((await get('/assets/app-old999.js', withDist)).status).toBe(404);
      expect((await get('/v1/nothing', withDist)).status).toBe(404);
      expect((await get('/v1/services/facebook/curve?step=2', withDist)).status).toBe(400);
    } finally {
      await withDist.close();
    }
  });

  it('allows the dashboard origin only', async () => {
    const own = await get('/healthz', app, { origin: 'http://127.0.0.1:8080' });
    expect(own.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8080');
    const other = await get('/healthz', app, { origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
