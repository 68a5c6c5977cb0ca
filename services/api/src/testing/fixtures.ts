/**
 * Rows for the API's integration tests: a small 2021-10-04 afternoon, written straight into
 * the raw tables of a throwaway database (the rollups and the incidents table fill through
 * their materialized views, as in production). Every number the tests assert is derived here.
 */
import type { ClickHouseClient } from '@downradar/common';
import type { IncidentService } from '../../../../schemas/events/index';

export const T15 = Date.UTC(2021, 9, 4, 15, 0);
export const MIN = 60_000;
/** The tests' clock: 18:00 UTC that day. */
export const NOW = Date.UTC(2021, 9, 4, 18, 0);

/** ClickHouse DateTime text (server time zone UTC). */
export const dt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

const PROBLEMS_IN_SPIKE = ['login', 'app', 'server_connection'] as const;

function report(id: string, serviceId: string, at: number, problem: string, country: string, source = 'web') {
  return {
    id,
    service_id: serviceId,
    at: dt(at),
    at_ms: at,
    received_at: dt(at + 1000),
    problem,
    source,
    country,
    reporter_hash: `h-${id}`,
    text: '',
  };
}

/** facebook: 10 reports 15:01-15:10, none 15:15-15:30, 5 at 15:44, 200 from 15:45 to 15:59. */
export function reportRows() {
  const rows = [];
  for (let i = 1; i <= 10; i++) rows.push(report(`fb-a-${i}`, 'facebook', T15 + i * MIN, 'other', 'US'));
  // A redelivered batch: the same three reports again (counted once).
  for (let i = 1; i <= 3; i++) rows.push(report(`fb-a-${i}`, 'facebook', T15 + i * MIN, 'other', 'US'));
  for (let i = 1; i <= 5; i++) rows.push(report(`fb-b-${i}`, 'facebook', T15 + 44 * MIN + i * 1000, 'login', 'GB'));
  for (let i = 0; i < 200; i++) {
    // 100 login, 60 app, 40 server_connection; 150 US, 50 without country; 1 in 4 from the api.
    const problem = i < 100 ? PROBLEMS_IN_SPIKE[0] : i < 160 ? PROBLEMS_IN_SPIKE[1] : PROBLEMS_IN_SPIKE[2];
    rows.push(report(`fb-c-${i}`, 'facebook', T15 + 45 * MIN + (i % 15) * MIN + i * 10, problem, i < 150 ? 'US' : '', i % 4 === 0 ? 'api' : 'web'));
  }
  for (let i = 0; i < 7; i++) rows.push(report(`ig-${i}`, 'instagram', T15 + 50 * MIN + i * 1000, 'app', 'US'));
  return rows;
}

function score(serviceId: string, windowStart: number, expected: number, upper: number, s: number, level: string, computedAt: number, count = 0) {
  return {
    service_id: serviceId,
    window_start: dt(windowStart),
    window_end: dt(windowStart + MIN),
    window_start_ms: windowStart,
    count,
    raw_count: count,
    expected,
    upper,
    score: s,
    level,
    evidence_problems: [],
    evidence_problem_counts: [],
    evidence_countries: [],
    evidence_country_counts: [],
    evidence_hashtags: [],
    evidence_hashtag_counts: [],
    sample_post_ids: [],
    computed_at: dt(computedAt),
    computed_at_ms: computedAt,
  };
}

/**
 * facebook windows 15:00-15:29 (expected 1, upper 4, ok) and 15:45-15:59 (expected 1.5, upper 5,
 * score 0.99; warning until 15:49, then danger); nothing 15:30-15:44 (a gap in the curve).
 * Window 15:50 was scored twice: the older computation (expected 100) must not count.
 */
export function scoreRows() {
  const rows = [];
  for (let m = 0; m < 30; m++) rows.push(score('facebook', T15 + m * MIN, 1, 4, 0.1, 'ok', T15 + (m + 1) * MIN + 5000, 2));
  for (let m = 45; m < 60; m++)
    rows.push(score('facebook', T15 + m * MIN, 1.5, 5, 0.99, m < 50 ? 'warning' : 'danger', T15 + (m + 1) * MIN + 5000, 20));
  rows.push(score('facebook', T15 + 50 * MIN, 100, 200, 0.2, 'ok', T15 + 51 * MIN + 1000, 20));
  rows.push(score('instagram', T15 + 50 * MIN, 0.5, 2, 0.8, 'warning', T15 + 51 * MIN + 5000, 7));
  return rows;
}

export const META_SERVICES: IncidentService[] = [
  { serviceId: 'facebook', role: 'primary', level: 'danger', firstWarningAt: T15 + 45 * MIN, firstDangerAt: T15 + 50 * MIN, peakScore: 0.99, peakCount: 20 },
  { serviceId: 'instagram', role: 'primary', level: 'warning', firstWarningAt: T15 + 50 * MIN, peakScore: 0.8, peakCount: 7 },
];
const OLD_SERVICES: IncidentService[] = [{ serviceId: 'twitter', role: 'primary', level: 'warning', firstWarningAt: Date.UTC(2021, 9, 4, 10, 0), peakScore: 0.9, peakCount: 30 }];

function incidentEvent(
  incidentId: string,
  seq: number,
  type: string,
  at: number,
  level: string,
  startedAt: number,
  services: IncidentService[],
  opts: { resolvedAt?: number; family?: string; provider?: string; summary: string },
) {
  return {
    event_id: `${incidentId}:${seq}`,
    incident_id: incidentId,
    seq,
    type,
    at: dt(at),
    at_ms: at,
    emitted_at: dt(at + 2000),
    emitted_at_ms: at + 2000,
    level,
    started_at: dt(startedAt),
    resolved_at: opts.resolvedAt === undefined ? null : dt(opts.resolvedAt),
    family: opts.family ?? '',
    provider: opts.provider ?? '',
    service_ids: services.map((s) => s.serviceId),
    service_roles: services.map((s) => s.role),
    service_levels: services.map((s) => s.level),
    service_first_warning_at: services.map((s) => dt(s.firstWarningAt ?? 0)),
    service_first_danger_at: services.map((s) => dt(s.firstDangerAt ?? 0)),
    service_peak_scores: services.map((s) => s.peakScore),
    service_peak_counts: services.map((s) => s.peakCount),
    services_json: JSON.stringify(services),
    summary: opts.summary,
  };
}

/** inc-meta-1 (facebook + instagram, open, two events) and inc-old-1 (twitter, resolved at 10:30). */
export function incidentEventRows() {
  const started = T15 + 45 * MIN;
  const oldStart = Date.UTC(2021, 9, 4, 10, 0);
  return [
    incidentEvent('inc-meta-1', 1, 'opened', T15 + 47 * MIN, 'warning', started, META_SERVICES.slice(0, 1), {
      family: 'meta',
      provider: 'meta',
      summary: 'facebook: possible problems',
    }),
    incidentEvent('inc-meta-1', 2, 'updated', T15 + 52 * MIN, 'danger', started, META_SERVICES, {
      family: 'meta',
      provider: 'meta',
      summary: 'facebook, instagram: problems detected',
    }),
    incidentEvent('inc-old-1', 1, 'opened', oldStart + 2 * MIN, 'warning', oldStart, OLD_SERVICES, { summary: 'twitter: possible problems' }),
    incidentEvent('inc-old-1', 2, 'resolved', oldStart + 30 * MIN, 'ok', oldStart, OLD_SERVICES, {
      resolvedAt: oldStart + 30 * MIN,
      summary: 'twitter: resolved',
    }),
  ];
}

export function postRows() {
  const post = (id: string, at: number, text: string, source: string, lang: string, detectedLang: string) => ({
    id,
    at: dt(at),
    at_ms: at,
    received_at: dt(at + 1000),
    source,
    lang,
    detected_lang: detectedLang,
    country: '',
    author_hash: `a-${id}`,
    reply_to: '',
    repost_of: '',
    text,
  });
  return [
    post('p1', T15 + 46 * MIN, 'is facebook down?? #facebookdown', 'twitter', 'en', 'en'),
    // Stored before languages were detected: no detected_lang.
    post('p2', T15 + 48 * MIN, 'everything is down #facebookdown #instagramdown', 'mastodon', '', ''),
    // The source declared English; the text is Portuguese.
    post('p3', T15 + 49 * MIN, 'o facebook tá funcionando normal aqui', 'twitter', 'en', 'pt'),
  ];
}

export function signalRows() {
  const signal = (id: string, sourceId: string, serviceId: string, kind: string, at: number, outage: number, problem: string, hashtags: string[]) => ({
    id,
    source_id: sourceId,
    service_id: serviceId,
    kind,
    at: dt(at),
    at_ms: at,
    received_at: dt(at + 1000),
    outage,
    problem,
    confidence: 0.9,
    country: '',
    reporter_hash: '',
    hashtags,
    evidence: [],
  });
  return [
    signal('p1:facebook', 'p1', 'facebook', 'hashtag', T15 + 46 * MIN, 1, 'other', ['facebookdown']),
    signal('p2:facebook', 'p2', 'facebook', 'hashtag', T15 + 48 * MIN, 1, 'app', ['facebookdown', 'instagramdown']),
    signal('p2:instagram', 'p2', 'instagram', 'hashtag', T15 + 48 * MIN, 1, 'app', ['facebookdown', 'instagramdown']),
    signal('p3:facebook', 'p3', 'facebook', 'mention', T15 + 49 * MIN, 0, 'other', []),
    signal('fb-c-0', 'fb-c-0', 'facebook', 'report', T15 + 45 * MIN, 1, 'login', []),
  ];
}

export function trendRows() {
  const trend = (hashtag: string, windowStart: number, count: number, burst: number, trending: number, serviceId: string, outage: number | null) => ({
    hashtag,
    window_start: dt(windowStart),
    window_end: dt(windowStart + MIN),
    window_start_ms: windowStart,
    count,
    expected: 1,
    burst,
    trending,
    service_id: serviceId,
    outage,
  });
  const counts = [1, 3, 10, 30, 50];
  return [
    ...counts.map((c, i) => trend('facebookdown', T15 + (45 + i) * MIN, c, i < 2 ? 0.3 : 0.99, i < 2 ? 0 : 1, 'facebook', 1)),
    // The same window emitted again by a detector replay: counted once.
    trend('facebookdown', T15 + 49 * MIN, 50, 0.99, 1, 'facebook', 1),
    trend('randomtag', T15 + 45 * MIN, 2, 0.1, 0, '', null),
  ];
}

export async function insertFixtures(client: ClickHouseClient, db: string): Promise<void> {
  const put = (table: string, values: object[]) => client.insert({ table: `${db}.${table}`, values, format: 'JSONEachRow' });
  await put('reports', reportRows());
  await put('scores', scoreRows());
  await put('incident_events', incidentEventRows());
  await put('posts', postRows());
  await put('signals', signalRows());
  await put('trends', trendRows());
}
