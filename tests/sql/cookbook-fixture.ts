/**
 * The SQL fixture of 2021-10-04 (facebook, whatsapp, instagram; an incident; trends; dlq), in the
 * raw tables' row shapes, times in UTC seconds. tests/sql-cookbook.integration.test.ts checks
 * the cookbook's answers on it; tests/sql-compat.integration.test.ts compares the answers of
 * ClickHouse 18.16 and a current engine on it. Rows go in through the raw tables, so the
 * materialized views build the rollups exactly as they do behind the sink.
 */
import type { ReportRow } from '../../services/sink/src/rows';

export const ts = (hhmm: string, s = 0) => {
  const [h, m] = hhmm.split(':').map(Number);
  return Date.UTC(2021, 9, 4, h!, m!, s) / 1000;
};
export const fmt = (sec: number) => new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19);

/** A row of the reports table: the sink's own row shape. */
export type ReportFixture = ReportRow;

export const reports: ReportFixture[] = [];
function addReport(service: string, at: number, problem: string, country: string, source = 'web'): void {
  const n = reports.length;
  reports.push({
    id: `fx-r-${n}`,
    service_id: service,
    at,
    at_ms: at * 1000 + (n % 1000),
    received_at: at + 1,
    problem,
    source,
    country,
    reporter_hash: `fx-h-${n % 97}`,
    text: '',
  });
}
const FB_PROBLEMS = ['login', 'app', 'website'];
const COUNTRIES = ['US', 'GB', 'BR', ''];
// facebook: 2 reports per 15 minutes from 12:00 to 15:30, then the outage from 15:41.
export const fbBuckets = new Map<number, number>();
const fb = (at: number, i: number) => {
  addReport('facebook', at, FB_PROBLEMS[i % 3]!, COUNTRIES[i % 4]!, i % 5 === 0 ? 'api' : 'web');
  const b = at - (at % 900);
  fbBuckets.set(b, (fbBuckets.get(b) ?? 0) + 1);
};
for (let b = ts('12:00'); b <= ts('15:30'); b += 900) {
  fb(b + 60, 0);
  fb(b + 420, 1);
}
let k = 0;
for (let m = ts('15:41'); m < ts('15:45'); m += 60) for (let i = 0; i < 20; i++) fb(m + i * 2, k++);
for (let m = ts('15:45'); m < ts('16:00'); m += 60) for (let i = 0; i < 10; i++) fb(m + i * 5, k++);
for (let m = ts('16:00'); m < ts('16:15'); m += 60) for (let i = 0; i < 4; i++) fb(m + i * 10, k++);
fb(ts('15:42') + 50, k++); // 15:42 is the peak minute (21), no tie
// whatsapp: 5 reports at noon (before its incident), then 6 per minute 15:41-15:59.
for (let i = 0; i < 5; i++) addReport('whatsapp', ts('12:00') + i, 'login', 'IN');
export const waProblems = new Map<string, number>();
let w = 0;
for (let m = ts('15:41'); m < ts('16:00'); m += 60)
  for (let i = 0; i < 6; i++, w++) {
    const p = w % 10 < 6 ? 'messaging' : w % 10 < 9 ? 'app' : 'login';
    waProblems.set(p, (waProblems.get(p) ?? 0) + 1);
    addReport('whatsapp', m + i * 7, p, 'BR');
  }
// instagram: 5 per minute 15:42-15:51; countries US, US, BR, IN, GB.
const IG_COUNTRIES = ['US', 'US', 'BR', 'IN', 'GB'];
for (let m = ts('15:42'); m < ts('15:52'); m += 60) for (let i = 0; i < 5; i++) addReport('instagram', m + i, 'app', IG_COUNTRIES[i]!);

export const perMinute = new Map<string, number>();
for (const r of reports) {
  const key = `${r.service_id}|${r.at - (r.at % 60)}`;
  perMinute.set(key, (perMinute.get(key) ?? 0) + 1);
}

// posts and their signals: facebook #facebookdown 15:41-15:50, whatsapp #whatsappdown,
// and posts about both instagram and facebook (#instagramdown #facebookdown).
export const posts: object[] = [];
export const signals: object[] = [];
function addPost(at: number, text: string, services: string[], hashtags: string[]): void {
  const id = `fx-p-${posts.length}`;
  posts.push({ id, at, at_ms: at * 1000, received_at: at, source: 'twitter', lang: 'en', country: 'US', author_hash: `fx-a-${posts.length}`, reply_to: '', repost_of: '', text });
  for (const s of services)
    signals.push({
      id: `${id}:${s}`, source_id: id, service_id: s, kind: 'hashtag', at, at_ms: at * 1000, received_at: at, outage: 1,
      problem: 'other', confidence: 0.9, country: 'US', reporter_hash: '', hashtags, evidence: [],
    });
}
for (let i = 0; i < 30; i++) addPost(ts('15:41') + i * 20, `is facebook down?? #facebookdown (${i})`, ['facebook'], ['facebookdown']);
for (let i = 0; i < 20; i++) addPost(ts('15:42') + i * 20, `whatsapp not sending messages #whatsappdown (${i})`, ['whatsapp'], ['whatsappdown']);
for (let i = 0; i < 10; i++) addPost(ts('15:43') + i * 30, `instagram and facebook both down #instagramdown #facebookdown (${i})`, ['instagram', 'facebook'], ['instagramdown', 'facebookdown']);
for (const r of reports)
  if (r.at >= ts('15:40'))
    signals.push({
      id: r.id, source_id: r.id, service_id: r.service_id, kind: 'report', at: r.at, at_ms: r.at_ms, received_at: r.received_at, outage: 1,
      problem: r.problem, confidence: 1, country: r.country, reporter_hash: r.reporter_hash, hashtags: [], evidence: [],
    });

// scores: one per minute 15:30-16:14 for the three services (danger while the outage runs),
// and telegram (collateral) at warning 15:50-15:51.
export const scores: object[] = [];
const DANGER: Record<string, [number, number]> = { facebook: [ts('15:41'), ts('16:00')], whatsapp: [ts('15:41'), ts('16:00')], instagram: [ts('15:42'), ts('15:52')] };
for (const s of ['facebook', 'whatsapp', 'instagram'])
  for (let m = ts('15:30'); m < ts('16:15'); m += 60) {
    const count = perMinute.get(`${s}|${m}`) ?? 0;
    const [from, to] = DANGER[s]!;
    scores.push(scoreRow(s, m, count, m >= from && m < to ? 'danger' : 'ok'));
  }
scores.push(scoreRow('telegram', ts('15:50'), 9, 'warning'), scoreRow('telegram', ts('15:51'), 8, 'warning'));
// The detector's newest window: signal still at warning at 18:30 (its incident is open).
scores.push(scoreRow('signal', ts('18:30'), 3, 'warning'));
function scoreRow(service: string, m: number, count: number, level: string): object {
  return {
    service_id: service, window_start: m, window_end: m + 60, window_start_ms: m * 1000, count, raw_count: count, expected: 1.2, upper: 4,
    score: level === 'danger' ? 0.999 : level === 'warning' ? 0.95 : 0.2, level,
    evidence_problems: [], evidence_problem_counts: [], evidence_countries: [], evidence_country_counts: [], evidence_hashtags: [], evidence_hashtag_counts: [], sample_post_ids: [],
    computed_at: m + 65, computed_at_ms: (m + 65) * 1000,
  };
}

// incidents: the Meta outage (opened at 15:43 for a start at 15:41, grown at 15:45, resolved
// 22:30) and an unrelated one for signal, still open. Emitted in 2026, as by a replay of 2021 run
// in 2026: figures measured against emission time would be five years off.
const REPLAYED_IN = Date.UTC(2026, 10, 25, 9, 0) / 1000 - ts('15:00');
export const META = 'fx-inc-meta-20211004';
const metaServices = [
  { serviceId: 'facebook', role: 'primary', level: 'danger', peakScore: 0.999, peakCount: 20 },
  { serviceId: 'whatsapp', role: 'primary', level: 'danger', peakScore: 0.999, peakCount: 6 },
  { serviceId: 'instagram', role: 'primary', level: 'danger', peakScore: 0.999, peakCount: 5 },
  { serviceId: 'telegram', role: 'collateral', level: 'warning', peakScore: 0.95, peakCount: 9 },
];
function incidentEvent(id: string, seq: number, type: string, at: number, emitted: number, level: string, started: number, services: typeof metaServices, resolved: number | null, cause = { family: 'meta', provider: 'meta' }): object {
  return {
    event_id: `${id}:${seq}`, incident_id: id, seq, type, at, at_ms: at * 1000, emitted_at: emitted, emitted_at_ms: emitted * 1000, level,
    started_at: started, resolved_at: resolved, family: cause.family, provider: cause.provider,
    service_ids: services.map((s) => s.serviceId), service_roles: services.map((s) => s.role), service_levels: services.map((s) => s.level),
    service_first_warning_at: services.map(() => started), service_first_danger_at: services.map(() => 0),
    service_peak_scores: services.map((s) => s.peakScore), service_peak_counts: services.map((s) => s.peakCount),
    services_json: JSON.stringify(services), summary: `${services.map((s) => s.serviceId).join(', ')}`,
  };
}
export const incidentEvents = [
  incidentEvent(META, 1, 'opened', ts('15:43'), REPLAYED_IN + ts('15:43', 5), 'warning', ts('15:41'), metaServices.slice(0, 2), null),
  incidentEvent(META, 2, 'updated', ts('15:45'), REPLAYED_IN + ts('15:45', 3), 'danger', ts('15:41'), metaServices, null),
  incidentEvent(META, 3, 'resolved', ts('22:30'), REPLAYED_IN + ts('22:30', 4), 'ok', ts('15:41'), metaServices, ts('22:30')),
  incidentEvent('fx-inc-signal-1', 1, 'opened', ts('18:00'), REPLAYED_IN + ts('18:00', 30), 'warning', ts('17:58'),
    [{ serviceId: 'signal', role: 'primary', level: 'warning', peakScore: 0.9, peakCount: 3 }], null, { family: '', provider: '' }),
];

const trend = (hashtag: string, at: number, count: number, trending: boolean, service: string) => ({
  hashtag, window_start: at, window_end: at + 60, window_start_ms: at * 1000, count, expected: 0.5, burst: trending ? 0.97 : 0.1, trending: trending ? 1 : 0, service_id: service, outage: 1,
});
export const trends = [
  trend('facebookdown', ts('15:42'), 12, true, 'facebook'),
  trend('facebookdown', ts('15:43'), 15, true, 'facebook'),
  trend('whatsappdown', ts('15:43'), 6, true, 'whatsapp'),
  trend('instagramdown', ts('15:44'), 4, true, 'instagram'),
  trend('telegramdown', ts('15:55'), 5, true, 'telegram'),
  trend('mondaymotivation', ts('09:00'), 3, false, ''),
];

export const dlq = [
  { id: 'sink:downradar.reports:0:17', at: ts('15:44'), at_ms: ts('15:44') * 1000, origin: 'downradar.reports (sink)', code: 'NOT_JSON', reason: 'reports: not JSON: Unexpected end of JSON input', payload: '{"id":' },
  { id: 'sink:downradar.reports:1:99', at: ts('15:46'), at_ms: ts('15:46') * 1000, origin: 'downradar.reports (sink)', code: 'NOT_JSON', reason: 'reports: not JSON: Unexpected token', payload: 'x' },
  { id: 'ingest:late-1', at: ts('15:50'), at_ms: ts('15:50') * 1000, origin: 'POST /v1/reports (ingest)', code: 'LATE_EVENT', reason: 'at is more than 7 days back', payload: '{}' },
];

/** Every insert of the fixture, in order: reports and an incident event go in twice (a redelivery). */
// Official status (services/sources): GitHub's page said operational while its users reported it
// down from 15:50, and admitted a major outage at 15:53; WhatsApp's feed posted at 15:58, 15 minutes
// after the Meta incident was detected (15:43). Probes: facebook.com stopped resolving at 15:40.
export const githubScores = [0, 1, 2, 3, 4].map((i) => scoreRow('github', ts('15:50') + i * 60, 40, 'danger'));
function officialRow(id: string, service: string, kind: string, status: string, at: number, title: string): object {
  return {
    id, service_id: service, source: 'statuspage', kind, status, provider_status: status, at, at_ms: at * 1000, observed_at: at + 30, observed_at_ms: (at + 30) * 1000,
    incident_id: '', incident_status: '', component_id: '', component_name: '', title, body: '', url: 'https://status.example/' + id,
  };
}
export const officialRows = [
  officialRow('gh-p0', 'github', 'page', 'operational', ts('09:00'), 'overall: operational'),
  officialRow('gh-p1', 'github', 'page', 'major_outage', ts('15:53'), 'overall: major_outage'),
  officialRow('gh-i1', 'github', 'incident', 'major_outage', ts('15:53'), 'Git operations unavailable'),
  officialRow('wa-i1', 'whatsapp', 'incident', 'unknown', ts('15:58'), 'Some users cannot send messages'),
];
export const probeRows = [0, 1, 2].flatMap((i) => [
  { id: `fb-dns-${i}`, service_id: 'facebook', kind: 'dns', target: 'facebook.com', at: ts('15:40') + i * 60, at_ms: (ts('15:40') + i * 60) * 1000, ok: 0, outcome: 'servfail', latency_ms: 20, dns_ms: 20, connect_ms: null, tls_ms: null, first_byte_ms: null, http_status: 0, address: '', error: 'ESERVFAIL', vantage: 'fixture' },
  { id: `gh-https-${i}`, service_id: 'github', kind: 'https', target: 'github.com', at: ts('15:40') + i * 60, at_ms: (ts('15:40') + i * 60) * 1000, ok: 1, outcome: 'ok', latency_ms: 90, dns_ms: 3, connect_ms: 10, tls_ms: 30, first_byte_ms: 40, http_status: 200, address: '140.82.0.1', error: '', vantage: 'fixture' },
]);

export const fixtureInserts: [table: string, rows: object[]][] = [
  ['reports', reports],
  ['reports', reports.filter((r) => r.service_id === 'facebook')],
  ['posts', posts],
  ['signals', signals],
  ['scores', scores],
  ['incident_events', incidentEvents],
  ['incident_events', incidentEvents.slice(0, 1)],
  ['trends', trends],
  ['dlq', dlq],
  ['scores', githubScores],
  ['official_status', officialRows],
  ['official_status', officialRows.slice(0, 1)], // a poller restart re-sends: deduped by id
  ['probe_results', probeRows],
];
