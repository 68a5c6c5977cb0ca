/**
 * fixture-api: a stand-in for services/api, for developing and testing the dashboard without the
 * stack. It serves dashboards/web/dist at `/` (index.html for unknown paths, like services/api) and
 * answers the /v1 routes of schemas/api from fixtures: a catalog (fixtures/catalog.json), a
 * deterministic per-minute report model with the 4 Oct 2021 outage in it, and the Meta incident
 * (fixtures/incident-meta-2021-10-04.json). The live sources' evidence (official status, probes,
 * acknowledgement) answers as a system that watches none: empty. Every JSON body and SSE event is checked against the
 * TypeBox schemas before it is sent, so the fixtures cannot drift from the contract unnoticed.
 *
 * It is for development only: the browser suite's real run points the same tests at services/api
 * (DOWNRADAR_BROWSER_BASE_URL; see harness.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import {
  AcknowledgementResponse,
  BreakdownResponse,
  CurveResponse,
  ErrorResponse,
  HashtagsResponse,
  IncidentResponse,
  IncidentsResponse,
  OfficialResponse,
  PostsResponse,
  ProbesResponse,
  ServicesResponse,
  TrendsResponse,
  type CurvePoint,
  type IncidentSummary,
  type ServiceSummary,
  type TrendSummary,
} from '../../schemas/api/index';
import { IncidentEvent, ScoreEvent, TrendEvent, type Level, type ProblemCategory } from '../../schemas/events/index';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OUTAGE_START = Date.UTC(2021, 9, 4, 15, 44);

interface CatalogEntry {
  id: string;
  name: string;
  category: string;
  family: string | null;
  provider: string | null;
  perMinute: number;
  outage: { peak: number; delayMin: number; rampMin: number; recoverAtMin: number; decayMin: number } | null;
}

export interface FixtureApi {
  url: string;
  /** sends an SSE event to every connected client (checked against its schema) */
  broadcast: (event: 'score' | 'incident' | 'trend' | 'ping', data: unknown) => void;
  /** requests received, newest last (path and query) */
  requests: string[];
  close: () => Promise<void>;
}

export interface FixtureApiOptions {
  distDir: string;
  /** the fixture's "now"; default: the real clock */
  now?: () => number;
  /** send the scripted live events (twitter spikes, an incident opens) to each new stream; default true */
  scriptedLive?: boolean;
  port?: number;
}

const catalog: CatalogEntry[] = (JSON.parse(readFileSync(join(HERE, 'fixtures', 'catalog.json'), 'utf8')) as { services: CatalogEntry[] }).services;
const metaIncident = JSON.parse(readFileSync(join(HERE, 'fixtures', 'incident-meta-2021-10-04.json'), 'utf8')) as Omit<IncidentResponse, 'asOf'>;

// ---------------------------------------------------------------------------------------------
// The report model: deterministic, per minute.

/** A stable pseudo-random number in [0, 1) for a service and a minute. */
function noise(id: string, minute: number): number {
  let h = 2166136261 ^ minute;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Usual reports per minute: a daily cycle (quiet at night UTC, busy in the evening). */
function expectedPerMinute(s: CatalogEntry, t: number): number {
  const hour = (t % DAY) / HOUR;
  return s.perMinute * (1 + 0.45 * Math.sin(((hour - 9) / 24) * 2 * Math.PI));
}

/** Extra reports per minute from the 4 Oct 2021 outage. */
function outagePerMinute(s: CatalogEntry, t: number): number {
  const o = s.outage;
  if (!o) return 0;
  const x = (t - OUTAGE_START) / MINUTE - o.delayMin;
  if (x < 0) return 0;
  const ramp = 1 - Math.exp(-(x + 0.5) / o.rampMin);
  const sag = 1 - 0.3 * Math.min(1, x / o.recoverAtMin);
  const decay = x > o.recoverAtMin ? Math.exp(-(x - o.recoverAtMin) / o.decayMin) : 1;
  return o.peak * ramp * sag * decay;
}

export interface LiveSpike {
  serviceId: string;
  from: number;
  perMinute: number;
}

function reportsAt(s: CatalogEntry, minute: number, spikes: readonly LiveSpike[]): number {
  const t = minute * MINUTE;
  const usual = expectedPerMinute(s, t);
  let extra = outagePerMinute(s, t);
  for (const sp of spikes) if (sp.serviceId === s.id && t >= sp.from) extra += sp.perMinute;
  const mean = usual + extra;
  // +-30 % around the mean, rounded stochastically so that small rates still average right
  const v = mean * (0.7 + 0.6 * noise(s.id, minute));
  return Math.floor(v + noise(s.id, minute + 7919));
}

interface Bucket {
  reports: number;
  expected: number;
}

function bucket(s: CatalogEntry, t: number, stepMin: number, now: number, spikes: readonly LiveSpike[]): Bucket {
  let reports = 0;
  let expected = 0;
  const first = Math.floor(t / MINUTE);
  for (let m = first; m < first + stepMin; m++) {
    if (m * MINUTE >= now) break;
    reports += reportsAt(s, m, spikes);
    expected += expectedPerMinute(s, m * MINUTE);
  }
  return { reports, expected };
}

function upperFor(expected: number): number {
  return expected + 3 * Math.sqrt(expected) + 2;
}

function levelFor(reports: number, upper: number): Level {
  if (reports > upper * 3) return 'danger';
  if (reports > upper) return 'warning';
  return 'ok';
}

function scoreFor(reports: number, expected: number): number {
  const z = (reports - expected) / Math.sqrt(expected + 1);
  return Math.round(Math.min(1, Math.max(0, 1 - Math.exp(-Math.max(0, z) / 4))) * 1000) / 1000;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

// ---------------------------------------------------------------------------------------------
// Routes

class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function intParam(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new BadRequest(name, `querystring/${name} must be an integer`);
  const v = Number(raw);
  if (v < min || v > max) throw new BadRequest(name, `querystring/${name} must be between ${min} and ${max}`);
  return v;
}

/** A time parameter as services/api takes it: epoch ms, or ISO 8601 (UTC without a zone). */
function instantParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(raw);
  const t = iso ? Date.parse(iso[4] || !iso[1] ? raw : `${raw}Z`) : Number.NaN;
  if (!Number.isFinite(t) || t < 0) throw new BadRequest(name, `querystring.${name} must be epoch milliseconds or an ISO 8601 time such as 2021-10-04T15:00:00Z (got ${JSON.stringify(raw)})`);
  return t;
}

function rangeOf(q: URLSearchParams, now: number): { from: number; to: number } {
  const to = instantParam(q, 'to') ?? instantParam(q, 'at') ?? now;
  const from = instantParam(q, 'from') ?? to - DAY;
  if (!(to > from)) throw new BadRequest('from', 'querystring/from must be before to');
  if (to - from > 31 * DAY) throw new BadRequest('to', 'the range must be at most 31 days');
  return { from, to };
}

function serviceOr404(id: string): CatalogEntry | null {
  return catalog.find((s) => s.id === id) ?? null;
}

const PROBLEMS: Record<string, [ProblemCategory, number][]> = {
  facebook: [['website', 0.58], ['app', 0.21], ['login', 0.12], ['server_connection', 0.06], ['other', 0.03]],
  instagram: [['app', 0.51], ['server_connection', 0.26], ['website', 0.16], ['login', 0.07]],
  whatsapp: [['app', 0.43], ['server_connection', 0.28], ['messaging', 0.27], ['other', 0.02]],
  messenger: [['messaging', 0.55], ['app', 0.3], ['login', 0.15]],
};
const DEFAULT_PROBLEMS: [ProblemCategory, number][] = [['app', 0.38], ['login', 0.27], ['server_connection', 0.2], ['website', 0.1], ['other', 0.05]];
const COUNTRIES: [string, number][] = [['US', 0.34], ['GB', 0.12], ['IN', 0.1], ['BR', 0.09], ['DE', 0.06], ['FR', 0.05], ['MX', 0.04], ['IE', 0.02]];

function shares(total: number, weights: readonly [string, number][]) {
  return weights.map(([key, w]) => {
    const count = Math.round(total * w);
    return { key, count, pct: total > 0 ? round1((count / total) * 100) : 0 };
  });
}

function totalReports(s: CatalogEntry, from: number, to: number, now: number, spikes: readonly LiveSpike[]): number {
  let total = 0;
  for (let m = Math.floor(from / MINUTE); m * MINUTE < Math.min(to, now); m++) total += reportsAt(s, m, spikes);
  return total;
}

const POST_TEMPLATES = [
  'is {name} down?? nothing loads #{tag}',
  '{name} not working for anyone else? #{tag}',
  "can't log in to {name}, keeps saying something went wrong",
  '{name} app stuck on the loading screen. restarted twice #{tag}',
  'messages not sending on {name} since a few minutes',
  'me checking if my wifi is the problem but it is {name} again #{tag}',
  '{name} website gives a DNS error here in Dublin',
  'o {name} caiu? não carrega nada #{tag}',
  '{name} ما يفتح عندي، فيه عطل؟ #{tag}',
];
const POST_PROBLEMS: ProblemCategory[] = ['other', 'other', 'login', 'app', 'messaging', 'other', 'website', 'app', 'app'];
/** The language services/nlp detects in each template, as ingest stores it. */
const POST_LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'pt', 'ar'];

export async function startFixtureApi(options: FixtureApiOptions): Promise<FixtureApi> {
  const now = options.now ?? (() => Date.now());
  const startedAt = now();
  const distDir = resolve(options.distDir);
  const clients = new Set<ServerResponse>();
  const requests: string[] = [];
  // WhatsApp has been rising for 40 minutes: something on the board is in trouble from the start.
  const spikes: LiveSpike[] = [{ serviceId: 'whatsapp', from: Math.floor((startedAt - 40 * MINUTE) / MINUTE) * MINUTE, perMinute: 4 }];
  const liveIncidentId = `inc-whatsapp-${Math.floor(startedAt / MINUTE)}`;
  // The detector "started" 20 hours ago: before that there is no baseline (a gap, not 0).
  const scoredSince = Math.floor((startedAt - 20 * HOUR) / (15 * MINUTE)) * 15 * MINUTE;

  const liveIncident = (): IncidentSummary => ({
    incidentId: liveIncidentId,
    status: 'open',
    level: 'warning',
    startedAt: spikes[0]!.from + 5 * MINUTE,
    resolvedAt: null,
    lastEventAt: Math.floor(now() / MINUTE) * MINUTE,
    family: 'meta',
    provider: 'meta',
    services: [{ serviceId: 'whatsapp', role: 'primary', level: 'warning', firstWarningAt: spikes[0]!.from + 5 * MINUTE, peakScore: 0.93, peakCount: 14 }],
    summary: 'WhatsApp: reports about four times the usual for this time of day',
  });

  function curvePoint(s: CatalogEntry, t: number, stepMin: number): CurvePoint {
    const b = bucket(s, t, stepMin, now(), spikes);
    const scored = t >= scoredSince || t < startedAt - 30 * DAY; // history (the 2021 replay) is scored too
    if (!scored || t >= now()) return { t, reports: b.reports, baseline: null, upper: null, score: null, level: null };
    const upper = upperFor(b.expected);
    return { t, reports: b.reports, baseline: round1(b.expected), upper: round1(upper), score: scoreFor(b.reports, b.expected), level: levelFor(b.reports, upper) };
  }

  /** The board at `t` (now, or a moment asked with ?at=). */
  function summaries(t: number): ServiceSummary[] {
    const lastMinute = Math.floor(t / MINUTE) * MINUTE - MINUTE;
    const bucketNow = Math.floor(t / (15 * MINUTE)) * 15 * MINUTE;
    return catalog.map((s) => {
      const count = reportsAt(s, lastMinute / MINUTE, spikes);
      const expected = expectedPerMinute(s, lastMinute);
      const last15 = bucket(s, t - 15 * MINUTE, 15, t, spikes);
      const upper15 = upperFor(last15.expected);
      const sparkline: number[] = [];
      for (let i = 95; i >= 0; i--) sparkline.push(bucket(s, bucketNow - i * 15 * MINUTE, 15, t, spikes).reports);
      const meta = metaAt(t);
      const openIncidentId =
        meta && meta.status === 'open' && meta.services.some((x) => x.serviceId === s.id) ? meta.incidentId : s.id === 'whatsapp' && t >= startedAt - 60 * MINUTE ? liveIncidentId : null;
      return {
        id: s.id,
        name: s.name,
        category: s.category,
        family: s.family,
        provider: s.provider,
        level: levelFor(last15.reports, upper15),
        score: scoreFor(last15.reports, last15.expected),
        count,
        expected: round1(expected),
        updatedAt: lastMinute,
        sparkline,
        openIncidentId,
      };
    });
  }

  /** The Meta incident as it stood at `t`: not begun, open, or resolved. */
  function metaAt(t: number): IncidentSummary | null {
    const m = metaIncident.incident;
    if (t < m.startedAt) return null;
    if (m.resolvedAt !== null && t >= m.resolvedAt) return m;
    return { ...m, status: 'open', level: 'danger', resolvedAt: null, lastEventAt: Math.floor(t / MINUTE) * MINUTE };
  }

  function trends(from: number, to: number): TrendSummary[] {
    const t = Math.min(now(), to);
    const windows = 24;
    const step = Math.max(MINUTE, Math.floor((to - from) / windows / MINUTE) * MINUTE);
    const make = (hashtag: string, serviceId: string | null, outage: boolean | null, scale: number, trending: boolean, rising: boolean): TrendSummary => {
      const sparkline = Array.from({ length: windows }, (_, i) => {
        const base = scale * (0.6 + 0.8 * noise(hashtag, i));
        return Math.round(rising ? base * (i > windows - 5 ? 2 + (i - (windows - 5)) * 1.6 : 1) : base);
      });
      return {
        hashtag,
        serviceId,
        outage,
        count: sparkline.reduce((a, b) => a + b, 0),
        burst: trending ? round1(0.8 + 0.19 * noise(hashtag, 1)) : round1(0.2 * noise(hashtag, 2)),
        trending,
        lastWindowStart: Math.floor(t / step) * step - step,
        sparkline,
      };
    };
    return [
      make('whatsappdown', 'whatsapp', true, 14, true, true),
      make('serverdown', null, true, 6, true, true),
      make('instagram', 'instagram', false, 40, false, false),
      make('twitterdown', 'twitter', true, 3, false, false),
      make('netflix', 'netflix', false, 22, false, false),
      make('deletefacebook', 'facebook', false, 2, false, false),
    ];
  }

  function incidents(serviceId: string | undefined, from: number, to: number, at?: number): IncidentSummary[] {
    const list = at === undefined ? [metaIncident.incident, liveIncident()] : [metaAt(at), at >= liveIncident().startedAt ? liveIncident() : null];
    return list.filter(
      (i): i is IncidentSummary => i !== null && (!serviceId || i.services.some((s) => s.serviceId === serviceId)) && i.startedAt < to && (i.resolvedAt ?? now()) > from,
    );
  }

  function route(method: string, url: URL): { status: number; schema: TSchema; body: unknown } | null {
    if (method !== 'GET') return null;
    const q = url.searchParams;
    const p = url.pathname;
    if (p === '/v1/services') {
      const at = instantParam(q, 'at');
      const t = at ?? now();
      return ok(ServicesResponse, { at: t, scoredUntil: Math.floor(now() / MINUTE) * MINUTE, services: summaries(t) });
    }
    if (p === '/v1/incidents') {
      const { from, to } = rangeOf(q, now());
      const at = instantParam(q, 'at');
      const serviceId = q.get('serviceId') ?? undefined;
      const status = q.get('status');
      const limit = intParam(q, 'limit', 1, 500) ?? 100;
      const list = incidents(serviceId, from, to, at).filter((i) => !status || i.status === status);
      list.sort((a, b) => b.startedAt - a.startedAt);
      return ok(IncidentsResponse, { asOf: at ?? now(), incidents: list.slice(0, limit) });
    }
    const ack = /^\/v1\/incidents\/([^/]+)\/acknowledgement$/.exec(p);
    if (ack) {
      const id = decodeURIComponent(ack[1]!);
      if (id !== metaIncident.incident.incidentId && id !== liveIncidentId) return notFound(`incident ${id} does not exist`);
      return ok(AcknowledgementResponse, { incidentId: id, services: [] });
    }
    const inc = /^\/v1\/incidents\/([^/]+)$/.exec(p);
    if (inc) {
      const id = decodeURIComponent(inc[1]!);
      if (id === metaIncident.incident.incidentId) return ok(IncidentResponse, { ...metaIncident, asOf: now() });
      if (id === liveIncidentId) {
        const i = liveIncident();
        return ok(IncidentResponse, {
          asOf: now(),
          incident: i,
          timeline: [{ eventId: `${id}:1`, incidentId: id, seq: 1, type: 'opened', at: i.startedAt + MINUTE, emittedAt: i.startedAt + MINUTE + 3000, level: 'warning', startedAt: i.startedAt, family: 'meta', provider: 'meta', services: i.services, summary: i.summary }],
          evidence: { problems: shares(400, PROBLEMS.whatsapp!), countries: shares(400, COUNTRIES), hashtags: [{ hashtag: 'whatsappdown', count: 120 }] },
        });
      }
      return notFound(`incident ${id} does not exist`);
    }
    if (p === '/v1/trends') {
      const { from, to } = rangeOf(q, now());
      const limit = intParam(q, 'limit', 1, 200) ?? 50;
      return ok(TrendsResponse, { from, to, trends: trends(from, to).slice(0, limit) });
    }
    const svc = /^\/v1\/services\/([^/]+)\/(curve|breakdown|posts|hashtags|official|probes)$/.exec(p);
    if (svc) {
      const s = serviceOr404(decodeURIComponent(svc[1]!));
      if (!s) return notFound(`params/id: no service "${svc[1]}" in the catalog`);
      const { from, to } = rangeOf(q, now());
      switch (svc[2]) {
        case 'official':
          return ok(OfficialResponse, { serviceId: s.id, source: null, before: null, entries: [] });
        case 'probes':
          return ok(ProbesResponse, { serviceId: s.id, domains: [], minutes: [] });
        case 'curve': {
          const step = intParam(q, 'step', 1, 15) ?? 15;
          if (step !== 1 && step !== 5 && step !== 15) throw new BadRequest('step', 'querystring/step must be 1, 5 or 15');
          if ((to - from) / (step * MINUTE) > 50_000) throw new BadRequest('step', 'too many points: use a larger step');
          const stepMs = step * MINUTE;
          const points: CurvePoint[] = [];
          for (let t = Math.floor(from / stepMs) * stepMs; t < to; t += stepMs) points.push(curvePoint(s, t, step));
          return ok(CurveResponse, { serviceId: s.id, from, to, step, points });
        }
        case 'breakdown': {
          const total = totalReports(s, from, to, now(), spikes);
          return ok(BreakdownResponse, {
            serviceId: s.id,
            from,
            to,
            total,
            problems: shares(total, PROBLEMS[s.id] ?? DEFAULT_PROBLEMS),
            countries: total > 0 ? shares(total, COUNTRIES) : [],
            sources: total > 0 ? shares(total, [['report', 0.62], ['hashtag', 0.25], ['mention', 0.13]]) : [],
          });
        }
        case 'hashtags': {
          const total = totalReports(s, from, to, now(), spikes);
          const tags: [string, number][] = [[`${s.id.replace(/-/g, '')}down`, 0.21], [s.id.replace(/-/g, ''), 0.09], ['serverdown', 0.03], [`${s.id.replace(/-/g, '')}outage`, 0.02]];
          return ok(HashtagsResponse, { serviceId: s.id, hashtags: total > 0 ? tags.map(([hashtag, w]) => ({ hashtag, count: Math.round(total * w) })).filter((h) => h.count > 0) : [] });
        }
        case 'posts': {
          const limit = intParam(q, 'limit', 1, 200) ?? 50;
          const end = Math.min(to, now());
          const posts = [];
          const tag = `${s.id.replace(/-/g, '')}down`;
          for (let i = 0; i < limit; i++) {
            const at = end - 1000 - Math.floor((i + noise(s.id, i)) * 97_000);
            if (at < from) break;
            const k = Math.floor(noise(s.id, i + 31) * POST_TEMPLATES.length);
            const source = i % 3 === 2 ? 'mastodon' : 'twitter';
            posts.push({
              id: `post-${s.id}-${at}`,
              at,
              text: POST_TEMPLATES[k]!.replace('{name}', s.name).replace('{tag}', tag),
              source,
              language: POST_LANGUAGES[k]!,
              // Mastodon posts declare a language; the fixture's twitter posts do not.
              declaredLanguage: source === 'mastodon' ? 'en' : null,
              outage: k !== 5,
              problem: POST_PROBLEMS[k]!,
            });
          }
          return ok(PostsResponse, { serviceId: s.id, posts });
        }
      }
    }
    return notFound(`no route ${p}`);
  }

  function sseEvent(res: ServerResponse, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  const schemaOf: Record<string, TSchema | null> = { score: ScoreEvent, incident: IncidentEvent, trend: TrendEvent, ping: null };
  function broadcast(event: 'score' | 'incident' | 'trend' | 'ping', data: unknown): void {
    const schema = schemaOf[event];
    if (schema && !Value.Check(schema, data)) throw new Error(`fixture-api: ${event} event does not match its schema: ${JSON.stringify([...Value.Errors(schema, data)].slice(0, 3))}`);
    for (const c of clients) sseEvent(c, event, data);
  }

  /** What a new stream sees: Twitter spikes (the refugees arrive) and an incident opens for it. */
  function scriptedEvents(res: ServerResponse): NodeJS.Timeout[] {
    const windowStart = Math.floor(now() / MINUTE) * MINUTE;
    const score: ScoreEvent = {
      serviceId: 'twitter',
      windowStart,
      windowEnd: windowStart + MINUTE,
      count: 940,
      rawCount: 1012,
      expected: 1.9,
      upper: 8.1,
      score: 0.999,
      level: 'danger',
      evidence: { problems: [{ key: 'app', count: 610 }], countries: [{ key: 'US', count: 300 }], hashtags: [{ key: 'twitterdown', count: 120 }], samplePostIds: [] },
      computedAt: windowStart + MINUTE + 2000,
    };
    const incident: IncidentEvent = {
      eventId: 'inc-live-twitter:1',
      incidentId: 'inc-live-twitter',
      seq: 1,
      type: 'opened',
      at: windowStart + MINUTE,
      emittedAt: windowStart + MINUTE + 2500,
      level: 'danger',
      startedAt: windowStart,
      services: [{ serviceId: 'twitter', role: 'primary', level: 'danger', firstWarningAt: windowStart, firstDangerAt: windowStart, peakScore: 0.999, peakCount: 940 }],
      summary: 'Twitter: reports 490× the usual for this time of day',
    };
    if (!Value.Check(ScoreEvent, score) || !Value.Check(IncidentEvent, incident)) throw new Error('fixture-api: scripted events do not match their schemas');
    return [setTimeout(() => sseEvent(res, 'score', score), 1200), setTimeout(() => sseEvent(res, 'incident', incident), 1600)];
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    sseEvent(res, 'ping', { at: now() });
    clients.add(res);
    const timers = options.scriptedLive === false ? [] : scriptedEvents(res);
    const ping = setInterval(() => sseEvent(res, 'ping', { at: now() }), 15_000);
    req.on('close', () => {
      clients.delete(res);
      clearInterval(ping);
      for (const t of timers) clearTimeout(t);
    });
  }

  function serveStatic(url: URL, res: ServerResponse): void {
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = resolve(distDir, rel);
    if (!file.startsWith(distDir + sep) || !existsSync(file) || !statSync(file).isFile()) file = join(distDir, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('dashboards/web/dist is not built: npm run build --workspace dashboards/web');
      return;
    }
    const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json', '.json': 'application/json' };
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable' });
    res.end(readFileSync(file));
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(url.pathname + url.search);
    if (!url.pathname.startsWith('/v1/')) return serveStatic(url, res);
    if (url.pathname === '/v1/stream') return stream(req, res);
    let out: { status: number; schema: TSchema; body: unknown } | null;
    try {
      out = route(req.method ?? 'GET', url);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      out = { status: 400, schema: ErrorResponse, body: { statusCode: 400, code: 'BAD_PARAMETER', error: 'Bad Request', message: err.message, field: err.field } };
    }
    if (!out) out = { status: 405, schema: ErrorResponse, body: { statusCode: 405, code: 'METHOD_NOT_ALLOWED', error: 'Method Not Allowed', message: `${req.method} is not served` } };
    if (!Value.Check(out.schema, out.body)) {
      const errors = [...Value.Errors(out.schema, out.body)].slice(0, 5).map((e) => `${e.path}: ${e.message}`);
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 500, code: 'FIXTURE_SCHEMA', error: 'Internal Server Error', message: `fixture-api body does not match its schema: ${errors.join('; ')}` }));
      return;
    }
    res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(out.body));
  });

  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    broadcast,
    requests,
    close: async () => {
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function ok(schema: TSchema, body: unknown) {
  return { status: 200, schema, body };
}

function notFound(message: string) {
  return { status: 404, schema: ErrorResponse, body: { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message } };
}

/** `npx tsx tests/browser/fixture-api.ts [port]`: serve the built dashboard on fixtures, for a look by hand. */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const distDir = resolve(HERE, '../../dashboards/web/dist');
  const port = Number(process.argv[2] ?? 8090);
  void startFixtureApi({ distDir, port }).then((api) => console.log(`fixture-api: ${api.url} (serving ${distDir})`));
}
