import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { PostInput, ReportInput } from '../../../schemas/events/index';
import { generateEvents, type Emission } from './generator';
import { compilePlan, expectedTotals } from './plan';
import { loadScenario } from './scenario-loader';

const FB = loadScenario('fb-2021-10-04');
const META = new Set(['facebook', 'instagram', 'whatsapp', 'messenger']);
const Q15 = 15 * 60_000;
const t = (iso: string) => Date.parse(iso);
const atOf = (e: Emission) => (e.kind === 'report' ? e.report.at : e.post.at);

function streamHash(events: Iterable<Emission>): { hash: string; count: number } {
  const h = createHash('sha256');
  let count = 0;
  for (const e of events) {
    h.update(JSON.stringify(e));
    count++;
  }
  return { hash: h.digest('hex'), count };
}

/** fb-2021-10-04 at scale 0.01, reduced to the figures the tests check (no events kept). */
interface FbStats {
  scale: number;
  total: number;
  reports: number;
  posts: number;
  late: number;
  maxLatenessMs: number;
  emitOrderViolations: number;
  outOfOrderInEventTime: number;
  metaBuckets: Map<number, number>;
  serviceBuckets: Map<string, Map<number, number>>;
  metaIncidentUntil2230: number;
  waIncidentProblems: Record<string, number>;
  reporterCounts: Map<string, number>;
  waIncidentReports: number;
  incidentReports: number;
  outagePostsFromIncident: number;
  spellings: Set<string>;
  langs: Set<string>;
  sampleTexts: Map<string, string[]>;
  trendPosts: number;
  invalid: string[];
}

const checkReport = TypeCompiler.Compile(ReportInput);
const checkPost = TypeCompiler.Compile(PostInput);

function collectFb(scale: number): FbStats {
  const s: FbStats = {
    scale,
    total: 0,
    reports: 0,
    posts: 0,
    late: 0,
    maxLatenessMs: 0,
    emitOrderViolations: 0,
    outOfOrderInEventTime: 0,
    metaBuckets: new Map(),
    serviceBuckets: new Map(),
    metaIncidentUntil2230: 0,
    waIncidentProblems: {},
    reporterCounts: new Map(),
    waIncidentReports: 0,
    incidentReports: 0,
    outagePostsFromIncident: 0,
    spellings: new Set(),
    langs: new Set(),
    sampleTexts: new Map(),
    trendPosts: 0,
    invalid: [],
  };
  const until = t('2021-10-04T22:30:00Z');
  let lastEmit = -Infinity;
  let lastAt = -Infinity;
  const add = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const e of generateEvents(FB, { scale })) {
    s.total++;
    const at = atOf(e);
    if (e.emitAt < lastEmit) s.emitOrderViolations++;
    if (at < lastAt) s.outOfOrderInEventTime++;
    lastEmit = e.emitAt;
    lastAt = at;
    if (e.emitAt > at) {
      s.late++;
      s.maxLatenessMs = Math.max(s.maxLatenessMs, e.emitAt - at);
    }
    const bucket = Math.floor(at / Q15) * Q15;
    if (e.kind === 'report') {
      s.reports++;
      const r = e.report;
      if (s.invalid.length < 5 && s.reports % 7 === 0 && !checkReport.Check(r)) s.invalid.push(JSON.stringify(r));
      let sb = s.serviceBuckets.get(r.serviceId);
      if (!sb) s.serviceBuckets.set(r.serviceId, (sb = new Map()));
      add(sb, bucket);
      if (META.has(r.serviceId)) {
        add(s.metaBuckets, bucket);
        if (e.cause && at < until) s.metaIncidentUntil2230++;
      }
      if (e.cause) {
        s.incidentReports++;
        if (r.serviceId === 'whatsapp') {
          s.waIncidentReports++;
          s.waIncidentProblems[r.problem] = (s.waIncidentProblems[r.problem] ?? 0) + 1;
          s.reporterCounts.set(r.reporterId, (s.reporterCounts.get(r.reporterId) ?? 0) + 1);
        }
      }
    } else {
      s.posts++;
      const p = e.post;
      if (s.invalid.length < 5 && s.posts % 3 === 0 && !checkPost.Check(p)) s.invalid.push(JSON.stringify(p));
      if (p.lang) s.langs.add(p.lang);
      for (const m of p.text.matchAll(/#\w+/g)) s.spellings.add(m[0]);
      if (e.truth.intent === 'outage' && e.cause) s.outagePostsFromIncident++;
      if (e.truth.intent === 'trend') s.trendPosts++;
      const list = s.sampleTexts.get(e.truth.intent) ?? [];
      if (list.length < 2000) list.push(p.text);
      s.sampleTexts.set(e.truth.intent, list);
    }
  }
  return s;
}

describe('fb-2021-10-04 at scale 0.01: totals and curve match the scenario', () => {
  let fb: FbStats;
  beforeAll(() => {
    fb = collectFb(0.01);
  });

  it('every event satisfies the ingest contract (ReportInput / PostInput)', () => {
    expect(fb.invalid).toEqual([]);
  });

  it('Meta incident reports up to 22:30 are 14 M × scale within 2% (Washington Post / Ookla)', () => {
    expect(Math.abs(fb.metaIncidentUntil2230 / (14_000_000 * fb.scale) - 1)).toBeLessThan(0.02);
  });

  it('reports and posts match the expected totals of the plan within 2%', () => {
    const e = expectedTotals(compilePlan(FB, { scale: fb.scale }));
    expect(Math.abs(fb.reports / e.reports - 1)).toBeLessThan(0.02);
    expect(Math.abs(fb.posts / e.posts - 1)).toBeLessThan(0.02);
  });

  it('onset: the first 15-min bucket above 10% of the peak is 15:45 UTC', () => {
    const buckets = [...fb.metaBuckets].sort((a, b) => a[0] - b[0]);
    const peak = Math.max(...buckets.map((b) => b[1]));
    const onset = buckets.find((b) => b[1] >= 0.1 * peak)!;
    expect(new Date(onset[0]).toISOString()).toBe('2021-10-04T15:45:00.000Z');
    // before the outage: normal traffic only (a few reports per bucket at this scale)
    const before = buckets.filter((b) => b[0] < t('2021-10-04T15:30:00Z')).map((b) => b[1]);
    expect(before.length).toBeGreaterThan(80); // 24.5 h of lead-in (empty buckets are absent at this scale)
    expect(Math.max(...before)).toBeLessThan(0.01 * peak);
  });

  it('peak: the highest bucket falls in the plateau (16:15-17:15 UTC)', () => {
    const [peakAt] = [...fb.metaBuckets].reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(peakAt).toBeGreaterThanOrEqual(t('2021-10-04T16:15:00Z'));
    expect(peakAt).toBeLessThanOrEqual(t('2021-10-04T17:15:00Z'));
    // sustained: five hours later still above 70% of the peak (slow sag, not a spike)
    const peak = fb.metaBuckets.get(peakAt)!;
    expect(fb.metaBuckets.get(t('2021-10-04T21:00:00Z'))! / peak).toBeGreaterThan(0.7);
  });

  it('decline: after DNS is back (21:20) buckets fall, by 22:30 below 20% of the peak, by 23:15 nearly gone', () => {
    const b = (iso: string) => fb.metaBuckets.get(t(iso)) ?? 0;
    const peak = Math.max(...fb.metaBuckets.values());
    const series = ['21:30', '21:45', '22:00', '22:15', '22:30', '22:45'].map((hm) => b(`2021-10-04T${hm}:00Z`));
    for (let i = 1; i < series.length; i++) expect(series[i]!).toBeLessThan(series[i - 1]!);
    expect(b('2021-10-04T22:30:00Z') / peak).toBeLessThan(0.2);
    expect(b('2021-10-04T23:15:00Z') / peak).toBeLessThan(0.01);
  });

  it('WhatsApp recovers later than Facebook', () => {
    const at2245 = t('2021-10-04T22:45:00Z');
    const wa = fb.serviceBuckets.get('whatsapp')!.get(at2245)!;
    const f = fb.serviceBuckets.get('facebook')!.get(at2245) ?? 0;
    expect(wa).toBeGreaterThan(3 * f);
  });

  it('collateral: carriers spike early, Telegram and Twitter later and smaller', () => {
    const first = (id: string, minRatio = 5) => {
      const m = fb.serviceBuckets.get(id)!;
      const base = Math.max(1, ...[...m].filter(([k]) => k < t('2021-10-04T15:30:00Z')).map(([, v]) => v));
      return [...m].sort((a, b) => a[0] - b[0]).find(([, v]) => v >= minRatio * base)?.[0];
    };
    expect(first('att')).toBeLessThanOrEqual(t('2021-10-04T16:00:00Z'));
    expect(first('twitter')).toBeGreaterThanOrEqual(t('2021-10-04T16:45:00Z'));
    expect(first('telegram')).toBeGreaterThanOrEqual(t('2021-10-04T16:30:00Z'));
    const metaPeak = Math.max(...fb.metaBuckets.values());
    for (const id of ['twitter', 'telegram', 'att', 'vodafone-uk']) expect(Math.max(...fb.serviceBuckets.get(id)!.values())).toBeLessThan(0.05 * metaPeak);
  });

  it('WhatsApp incident problems follow the UK breakdown (43% app, 28% server connection, 28% messaging)', () => {
    const n = fb.waIncidentReports;
    expect(fb.waIncidentProblems.app! / n).toBeCloseTo(43 / 99, 1);
    expect(fb.waIncidentProblems.server_connection! / n).toBeCloseTo(28 / 99, 1);
    expect(fb.waIncidentProblems.messaging! / n).toBeCloseTo(28 / 99, 1);
    expect(Math.abs(fb.waIncidentProblems.app! / n - 43 / 99)).toBeLessThan(0.01);
  });

  it('late share is honoured, lateness is capped, output is in emitAt order and out of order in event time', () => {
    expect(fb.emitOrderViolations).toBe(0);
    expect(Math.abs(fb.late / fb.total - FB.lateness.share)).toBeLessThan(0.003);
    expect(fb.maxLatenessMs).toBeLessThanOrEqual(FB.lateness.maxSeconds * 1000);
    expect(fb.outOfOrderInEventTime).toBeGreaterThan(0.5 * fb.late);
  });

  it('some reporters report two or more times, about share × P(Poisson(mean) ≥ 1 other)', () => {
    const multi = [...fb.reporterCounts.values()].filter((c) => c >= 2);
    const fromRepeaters = multi.reduce((a, c) => a + c, 0) / fb.waIncidentReports;
    const { share, meanReportsPerRepeater } = FB.repeatReporters;
    const expected = share * (1 - Math.exp(-meanReportsPerRepeater));
    expect(Math.abs(fromRepeaters - expected)).toBeLessThan(0.02);
    expect(Math.max(...multi)).toBeLessThan(20); // repeaters, not bots
  });

  it('outage posts carry hashtag spellings, several languages; 0.4 posts per incident report', () => {
    for (const tag of ['#FacebookDown', '#facebookdown', '#facebook_down', '#fbdown', '#WhatsAppDown', '#whatsappcaiu', '#InstagramDown', '#TwitterDown', '#DeleteFacebook'])
      expect(fb.spellings).toContain(tag);
    for (const lang of ['en', 'es', 'pt', 'fr', 'de']) expect(fb.langs).toContain(lang);
    const outage = fb.sampleTexts.get('outage')!.join('\n');
    expect(outage).toMatch(/fora do ar|caiu/);
    expect(outage).toMatch(/caído|no funciona/);
    expect(outage).toMatch(/is (facebook|fb|FB|whatsapp|WhatsApp|instagram|Instagram) down/);
    expect(fb.outagePostsFromIncident / fb.incidentReports).toBeGreaterThan(0.38);
    expect(fb.outagePostsFromIncident / fb.incidentReports).toBeLessThan(0.42);
  });

  it('chatter, false friends and a non-outage trend are mixed in', () => {
    const ff = fb.sampleTexts.get('false_friend')!.join('\n');
    expect(ff).toMatch(/stock is down/);
    expect(ff).toMatch(/down for pizza|feeling a bit down|TOUCHDOWN/);
    expect(fb.sampleTexts.get('chatter')!.length).toBeGreaterThan(100);
    expect(fb.trendPosts).toBeGreaterThan(1000);
    expect(fb.sampleTexts.get('trend')!.join('\n')).toMatch(/#DeleteFacebook/i);
  });
});

describe('determinism', () => {
  const blip = loadScenario('blip-6min');

  it('the same seed gives the identical stream; another seed does not', () => {
    const a = streamHash(generateEvents(blip, { scale: 0.5 }));
    const b = streamHash(generateEvents(blip, { scale: 0.5 }));
    const c = streamHash(generateEvents(blip, { scale: 0.5, seed: 12345 }));
    expect(a.count).toBeGreaterThan(10_000);
    expect(b).toEqual(a);
    expect(c.hash).not.toBe(a.hash);
  });

  it('a slice [from, to) yields exactly the full run\'s events with event time in the slice', () => {
    const from = t('2021-10-04T15:30:30Z');
    const to = t('2021-10-04T16:10:10Z');
    const full: Emission[] = [];
    for (const e of generateEvents(FB, { scale: 0.002, from: '2021-10-04T14:00:00Z', to: '2021-10-04T17:00:00Z' })) {
      const at = atOf(e);
      if (at >= from && at < to) full.push(e);
    }
    const slice = [...generateEvents(FB, { scale: 0.002, from, to })];
    expect(slice.length).toBeGreaterThan(1000);
    expect(slice).toEqual(full);
  });

  it('ids are unique and stable across runs', () => {
    const ids = new Set<string>();
    let n = 0;
    for (const e of generateEvents(blip, { scale: 0.2 })) {
      ids.add(e.kind === 'report' ? e.report.id : e.post.id);
      n++;
    }
    expect(ids.size).toBe(n);
  });
});

/** A real GC between samples makes heapUsed measure what is live, not what the GC has not got to yet. */
function gcIfPossible(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // without it the bound below still holds, with more slack used up by garbage
  }
}

describe('memory stays flat while a week is generated', () => {
  it('quiet-week at scale 1: heap growth between day 1 and day 7 stays under 50 MB', () => {
    const qw = loadScenario('quiet-week');
    const start = t(qw.start);
    const samples: number[] = [];
    let day = 0;
    let count = 0;
    for (const e of generateEvents(qw, { scale: 1 })) {
      count++;
      const d = Math.min(6, Math.floor((e.emitAt - start) / 86_400_000)); // late events may emit after the end
      if (d > day) {
        day = d;
        gcIfPossible();
        samples.push(process.memoryUsage().heapUsed);
      }
    }
    gcIfPossible();
    samples.push(process.memoryUsage().heapUsed);
    expect(samples.length).toBe(7);
    const growth = samples[samples.length - 1]! - samples[0]!;
    const e = expectedTotals(compilePlan(qw, { scale: 1 }));
    expect(Math.abs(count / (e.reports + e.posts) - 1)).toBeLessThan(0.01);
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  });
});

describe('the other scenarios do what their labels say', () => {
  it('single-country: every incident report comes from Brazil', () => {
    const s = loadScenario('single-country');
    const countries = new Map<string, number>();
    for (const e of generateEvents(s, { scale: 1, from: '2024-02-20T23:00:00Z', to: '2024-02-21T02:00:00Z' }))
      if (e.kind === 'report' && e.cause) countries.set(e.report.country!, (countries.get(e.report.country!) ?? 0) + 1);
    expect([...countries.keys()]).toEqual(['BR']);
    expect(countries.get('BR')!).toBeGreaterThan(1500);
  });

  it('viral-hashtag: thousands of #SpotifyWrapped posts, no incident report at all', () => {
    const s = loadScenario('viral-hashtag');
    let incidentReports = 0;
    let trend = 0;
    let spotifyReports = 0;
    for (const e of generateEvents(s, { scale: 0.1, from: '2023-11-29T12:00:00Z', to: '2023-11-29T20:00:00Z' })) {
      if (e.kind === 'report') {
        if (e.cause) incidentReports++;
        if (e.report.serviceId === 'spotify') spotifyReports++;
      } else if (e.truth.intent === 'trend' && /#(SpotifyWrapped|spotifywrapped|Wrapped2023)/.test(e.post.text)) trend++;
    }
    expect(incidentReports).toBe(0);
    expect(trend).toBeGreaterThan(30_000);
    expect(spotifyReports).toBeLessThan(200); // normal: ~1.5/min × 8 h × 0.1
  });

  it('blip-6min: Discord incident reports only between 19:42 and 19:48', () => {
    const s = loadScenario('blip-6min');
    const ats: number[] = [];
    for (const e of generateEvents(s, { scale: 1, from: '2024-03-12T19:00:00Z', to: '2024-03-12T20:30:00Z' }))
      if (e.kind === 'report' && e.cause) ats.push(e.report.at);
    expect(ats.length).toBeGreaterThan(100);
    expect(Math.min(...ats)).toBeGreaterThanOrEqual(t('2024-03-12T19:42:00Z'));
    expect(Math.max(...ats)).toBeLessThan(t('2024-03-12T19:48:00Z'));
  });
});

describe('generation options', () => {
  it('rejects a non-positive scale and an empty slice', () => {
    expect(() => generateEvents(FB, { scale: 0 }).next()).toThrow(/scale/);
    expect(() => generateEvents(FB, { from: '2021-10-04T16:00:00Z', to: '2021-10-04T16:00:00Z' }).next()).toThrow(/empty slice/);
  });

  it('clamps a slice to the scenario span and honours a custom id prefix', () => {
    const first = generateEvents(FB, { scale: 0.01, from: '2000-01-01T00:00:00Z', to: '2021-10-03T15:10:00Z', idPrefix: 'test-run' }).next();
    expect(first.done).toBe(false);
    const e = first.value as Emission;
    expect(atOf(e)).toBeGreaterThanOrEqual(t(FB.start));
    expect(e.kind === 'report' ? e.report.id : e.post.id).toMatch(/^test-run:/);
  });
});
