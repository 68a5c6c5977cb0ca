import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { IncidentEvent, ScoreEvent, TrendEvent, type SignalEvent } from '../../../../schemas/events/index';
import { DetectorConfigError } from './config';
import { createDetector, type Detector, type DetectorOutput, type Rejection } from './detector';
import { serviceInfoFrom, type HashtagLookup } from './facts';
import { JsonText } from './json-text';
import { diurnal, FORTY_SERVICE_RATES, generateTraffic, SAMPLE_CATALOG, type ServiceTraffic } from '../testing/simulate';

const W = 60_000;
const T0 = Date.UTC(2021, 9, 4, 15, 0);
const catalog = serviceInfoFrom(SAMPLE_CATALOG);
const hashtags: HashtagLookup = (tag) =>
  ({ facebookdown: { serviceId: 'facebook', outage: true }, whatsappdown: { serviceId: 'whatsapp', outage: true }, twitterdown: { serviceId: 'twitter', outage: true } })[tag];

let seq = 0;
function signal(p: Partial<SignalEvent> & { at: number }): SignalEvent {
  const id = p.id ?? `sig${seq++}`;
  return {
    id,
    sourceId: p.sourceId ?? id,
    serviceId: 'facebook',
    kind: 'report',
    receivedAt: p.at + 50,
    outage: true,
    problem: 'login',
    confidence: 1,
    hashtags: [],
    ...p,
  };
}

function merge(outs: DetectorOutput[]): DetectorOutput {
  return {
    scores: outs.flatMap((o) => o.scores),
    incidents: outs.flatMap((o) => o.incidents),
    trends: outs.flatMap((o) => o.trends),
  };
}

/** Feeds signals in order, advancing every `every` signals with processing time = event clock + 1 s. */
function run(d: Detector, signals: SignalEvent[], every = 500, flush = true): DetectorOutput & { rejected: Rejection[] } {
  const outs: DetectorOutput[] = [];
  const rejected: Rejection[] = [];
  let clock = 0;
  signals.forEach((s, i) => {
    clock = Math.max(clock, s.at);
    const dead = d.ingest(s);
    if (dead) rejected.push(dead);
    if ((i + 1) % every === 0) outs.push(d.advance(clock + 1000));
  });
  if (flush) outs.push(d.flushAll(clock + 2000));
  return { ...merge(outs), rejected };
}

function expectValid(out: DetectorOutput) {
  for (const s of out.scores) expect(Value.Check(ScoreEvent, s), JSON.stringify([...Value.Errors(ScoreEvent, s)][0])).toBe(true);
  for (const e of out.incidents) expect(Value.Check(IncidentEvent, e), JSON.stringify([...Value.Errors(IncidentEvent, e)][0])).toBe(true);
  for (const t of out.trends) expect(Value.Check(TrendEvent, t)).toBe(true);
}

describe('detector windows and counts', () => {
  it('counts first reports per reporter, keeps duplicates and chatter as raw data, explains the window', () => {
    const d = createDetector({}, catalog, hashtags);
    const at = T0 + 5_000;
    const signals = [
      signal({ at, reporterHash: 'r1', country: 'GB', problem: 'app' }),
      signal({ at: at + 1000, reporterHash: 'r1', country: 'GB', problem: 'app' }), // same reporter: raw only
      signal({ at: at + 2000, reporterHash: 'r2', country: 'US', problem: 'login' }),
      signal({ at: at + 3000, reporterHash: 'r3', country: 'GB', problem: 'app' }),
      signal({ at: at + 4000, kind: 'hashtag', id: 'p1:facebook', sourceId: 'p1', reporterHash: 'a1', confidence: 0.9, hashtags: ['facebookdown'], country: 'GB', problem: 'app' }),
      signal({ at: at + 5000, kind: 'mention', id: 'p2:facebook', sourceId: 'p2', reporterHash: 'a2', outage: false, confidence: 0.1, hashtags: ['facebookdown', 'lunch'] }),
      signal({ at: at + 6000, kind: 'mention', id: 'p3:facebook', sourceId: 'p3', outage: true, confidence: 0.8 }), // no reporter: counts
      signal({ at: at + 7000, serviceId: 'instagram', reporterHash: 'r1' }), // per service: counts
    ];
    for (const s of signals) expect(d.ingest(s)).toBeUndefined();
    const out = d.flushAll(T0 + 120_000);
    expectValid(out);
    const fb = out.scores.find((s) => s.serviceId === 'facebook')!;
    expect(fb).toMatchObject({ windowStart: T0, windowEnd: T0 + W, count: 5, rawCount: 7, computedAt: T0 + 120_000 });
    expect(fb.evidence.problems).toEqual([
      { key: 'app', count: 3 },
      { key: 'login', count: 2 },
    ]);
    expect(fb.evidence.countries).toEqual([
      { key: 'GB', count: 3 },
      { key: 'US', count: 1 },
    ]);
    expect(fb.evidence.hashtags).toEqual([
      { key: 'facebookdown', count: 2 },
      { key: 'lunch', count: 1 },
    ]);
    expect(fb.evidence.samplePostIds).toEqual(['p1', 'p3']);
    expect(out.scores.find((s) => s.serviceId === 'instagram')!.count).toBe(1);
    expect(d.stats()).toMatchObject({ ingested: 8, counted: 6, duplicates: 1, notOutage: 1, late: 0 });
  });

  it('closes a window only when the watermark (max event time - lateness) passes its end', () => {
    const d = createDetector({ allowedLatenessMs: 15_000 }, catalog);
    d.ingest(signal({ at: T0 + 10_000 }));
    d.ingest(signal({ at: T0 + W + 14_000 }));
    expect(d.advance(1).scores).toEqual([]);
    d.ingest(signal({ at: T0 + W + 15_000 }));
    const out = d.advance(2);
    expect(out.scores.map((s) => [s.windowStart, s.count])).toEqual([[T0, 1]]);
    expect(d.watermark()).toBe(T0 + W);
    expect(d.closedUpTo()).toBe(T0 + W);
  });

  it('sends events for closed windows to the DLQ with the reason, never silently', () => {
    const d = createDetector({}, catalog);
    d.ingest(signal({ at: T0 + 10_000 }));
    d.ingest(signal({ at: T0 + 3 * W }));
    d.advance(T0 + 3 * W + 1000);
    const late = d.ingest(signal({ id: 'late-one', at: T0 + 30_000 }))!;
    expect(late.code).toBe('LATE_EVENT');
    expect(late.reason).toContain('2021-10-04T15:00:30.000Z');
    expect(late.reason).toContain('already scored');
    const future = d.ingest(signal({ at: T0 + 60 * W, receivedAt: T0 + 3 * W }))!;
    expect(future.code).toBe('FUTURE_EVENT');
    expect(future.reason).toContain('after receivedAt');
    expect(d.stats()).toMatchObject({ late: 1, future: 1 });
  });

  it('scores quiet minutes of known services as zero counts (the baseline needs them)', () => {
    const d = createDetector({}, catalog);
    d.ingest(signal({ at: T0 + 1000 }));
    d.ingest(signal({ at: T0 + 5 * W + 1000, serviceId: 'twitter' }));
    const out = d.flushAll(0);
    expect(out.scores.filter((s) => s.serviceId === 'facebook').map((s) => s.count)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(out.scores.filter((s) => s.serviceId === 'twitter').map((s) => s.windowStart)).toEqual([T0 + 5 * W]);
  });

  it('with no signals at all for the idle timeout, assumes event time keeps pace with the clock', () => {
    const d = createDetector({ idleTimeoutMs: 60_000 }, catalog);
    const wall = 1_000_000;
    d.ingest(signal({ at: T0 + 1000 }));
    expect(d.advance(wall).scores).toEqual([]);
    expect(d.advance(wall + 30_000).scores).toEqual([]);
    const out = d.advance(wall + 120_000); // idle 2 min: clock ~T0 + 2 min → closes the first window
    expect(out.scores.map((s) => s.windowStart)).toEqual([T0]);
  });

  it('rejects a bad config naming the field', () => {
    expect(() => createDetector({ windowMs: 7_000 })).toThrow(DetectorConfigError);
    expect(() => createDetector({ windowMs: 7_000 })).toThrow(/windowMs/);
    expect(() => createDetector({ levels: { nope: 1 } as never })).toThrow(/unknown field levels.nope/);
    expect(createDetector({ windowMs: 10_000 }).config.windowMs).toBe(10_000);
    expect(createDetector({ windowMs: 900_000 }).config.windowMs).toBe(900_000);
  });

  it('exposes the baseline for a service and minute of week', () => {
    const d = createDetector({}, catalog);
    const prior = d.baselineFor('facebook', 15 * 60);
    expect(prior.expectedPerMinute).toBeCloseTo(5, 6);
    expect(prior.upperPerWindow).toBeGreaterThan(5);
    expect(d.baselineFor('unknown-service', 0).expectedPerMinute).toBeCloseTo(0.2, 6);
  });
});

// ---------------------------------------------------------------------------------------------
// A day and a half of ordinary traffic, then the 4 October 2021 shape: meta down from 15:44, refugees, ISPs.

const ONSET = Date.UTC(2021, 9, 4, 15, 44);
const DAY_START = ONSET - 39 * 3_600_000 - 44 * W; // 00:00 the day before: every hour of the day seen once
function fbDay(seed: number, until = ONSET + 3 * 3_600_000): SignalEvent[] {
  const meta = (t: number) => (t < ONSET ? 1 : t < ONSET + 100 * W ? Math.min(200, 10 * Math.pow(1.5, (t - ONSET) / W - 0.5)) : 1);
  const after = (start: number, factor: number) => (t: number) => (t >= start && t < ONSET + 100 * W ? factor : 1);
  const traffic: ServiceTraffic[] = SAMPLE_CATALOG.map((s) => {
    const base = s.baselinePerMinute!;
    let f: (t: number) => number = () => 1;
    if (s.family === 'meta') f = meta;
    if (s.id === 'twitter') f = after(ONSET + 6 * W, 5);
    if (s.id === 'telegram') f = after(ONSET + 8 * W, 6);
    if (s.id === 'vodafone-ie') f = after(ONSET + 10 * W, 40);
    const tag = s.id === 'facebook' ? ['facebookdown'] : s.id === 'whatsapp' ? ['whatsappdown'] : s.id === 'twitter' ? ['twitterdown'] : undefined;
    return { serviceId: s.id, perMinute: (t: number) => base * diurnal(t) * f(t), hashtags: tag };
  });
  return generateTraffic({ seed, from: DAY_START, to: until, services: traffic, maxDelayMs: 8_000, chatterPerMinute: 0.5, noiseCv: 0.15 });
}

describe('detector on a Facebook-2021-like day', () => {
  const signals = fbDay(42);
  const d = createDetector({}, catalog, hashtags);
  const out = run(d, signals, 2000);

  it('produces valid events and no dead letters for in-order-enough traffic', () => {
    expectValid(out);
    expect(out.rejected).toEqual([]);
    expect(d.stats().duplicates).toBeGreaterThan(0);
  });

  it('opens one meta incident; facebook, instagram, whatsapp and messenger reach danger within 120 s', () => {
    const ids = [...new Set(out.incidents.map((e) => e.incidentId))];
    expect(ids).toEqual(['inc-meta-202110041544']);
    const events = out.incidents;
    expect(events[0]!.type).toBe('opened');
    for (const id of ['facebook', 'instagram', 'whatsapp', 'messenger']) {
      const firstDanger = out.scores.find((s) => s.serviceId === id && s.level === 'danger')!;
      expect(firstDanger.windowEnd - ONSET, id).toBeLessThanOrEqual(120_000);
      expect(out.scores.filter((s) => s.serviceId === id && s.windowEnd <= ONSET).every((s) => s.level === 'ok')).toBe(true);
    }
    const last = events.at(-1)!;
    const roles = Object.fromEntries(last.services.map((s) => [s.serviceId, s.role]));
    expect(roles).toMatchObject({ facebook: 'primary', instagram: 'primary', whatsapp: 'primary', messenger: 'primary', twitter: 'collateral', telegram: 'collateral', 'vodafone-ie': 'collateral' });
    expect(last.type).toBe('resolved');
    // bounded updates: joins and level changes, not one per window
    expect(events.length).toBeLessThan(25);
  });

  it('no service outside the incident leaves ok, and nothing before the onset', () => {
    const involved = new Set(['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'telegram', 'vodafone-ie', 'tinder']);
    expect(out.scores.filter((s) => !involved.has(s.serviceId) && s.level !== 'ok')).toEqual([]);
    expect(out.scores.filter((s) => s.windowEnd <= ONSET && s.level !== 'ok')).toEqual([]);
  });

  it('trends #facebookdown and #whatsappdown with their services, and nothing before the onset', () => {
    const trending = out.trends.filter((t) => t.trending && t.windowStart >= ONSET);
    expect(new Set(trending.map((t) => t.hashtag))).toEqual(new Set(['facebookdown', 'whatsappdown']));
    expect(trending.find((t) => t.hashtag === 'facebookdown')).toMatchObject({ serviceId: 'facebook', outage: true });
    expect(out.trends.filter((t) => t.trending && t.windowStart < ONSET)).toEqual([]);
  });
});

describe('detector on a quiet week', () => {
  it('40 services, 4 days of evening peaks, repeat reporters, chatter and late delivery: no incident, no trend', () => {
    const services: ServiceTraffic[] = FORTY_SERVICE_RATES.map((rate, i) => ({
      serviceId: `svc-${i}`,
      perMinute: (t: number) => rate * diurnal(t),
      hashtags: [`svc${i}down`],
    }));
    const start = Date.UTC(2021, 8, 27);
    const signals = generateTraffic({ seed: 11, from: start, to: start + 4 * 86_400_000, services, maxDelayMs: 20_000, chatterPerMinute: 0.3, noiseCv: 0.2 });
    const info = serviceInfoFrom(FORTY_SERVICE_RATES.map((rate, i) => ({ id: `svc-${i}`, baselinePerMinute: rate, category: 'social' })));
    const d = createDetector({}, info);
    const out = run(d, signals, 5000);
    expect(out.incidents).toEqual([]);
    expect(out.scores.filter((s) => s.level !== 'ok')).toEqual([]);
    expect(out.trends.filter((t) => t.trending)).toEqual([]);
    expect(out.scores.length).toBeGreaterThanOrEqual(40 * 4 * 1440); // every service, every minute (repeats spill a few minutes past the end)
  });
});

describe('detector state', () => {
  const signals = fbDay(7, ONSET + 40 * W).filter((s) => s.at >= ONSET - 3 * 3_600_000);

  it('snapshot / restore in the middle of a stream gives the same outputs as an uninterrupted run', () => {
    const wholeDetector = createDetector({}, catalog, hashtags);
    const whole = run(wholeDetector, signals, 700);
    for (const cut of [Math.floor(signals.length * 0.37), Math.floor(signals.length * 0.93)]) {
      const a = createDetector({}, catalog, hashtags);
      const first = run(a, signals.slice(0, cut), 700, false);
      const snapshot = JSON.parse(JSON.stringify(a.snapshot()));
      expect(Object.keys(snapshot)).toEqual(expect.arrayContaining(['detector', 'incidents', 'trends', 'service:facebook', 'dedupe:facebook']));
      const b = createDetector({}, catalog, hashtags);
      b.restore(snapshot);
      // continue with the same advance cadence as the uninterrupted run
      const outs: DetectorOutput[] = [];
      let clock = signals.slice(0, cut).reduce((m, s) => Math.max(m, s.at), 0);
      for (let i = cut; i < signals.length; i++) {
        clock = Math.max(clock, signals[i]!.at);
        b.ingest(signals[i]!);
        if ((i + 1) % 700 === 0) outs.push(b.advance(clock + 1000));
      }
      outs.push(b.flushAll(clock + 2000));
      const second = merge(outs);
      expect([...first.scores, ...second.scores]).toEqual(whole.scores);
      expect([...first.incidents, ...second.incidents]).toEqual(whole.incidents);
      expect([...first.trends, ...second.trends]).toEqual(whole.trends);
      expect(b.stats()).toEqual(wholeDetector.stats());
    }
  });

  it("the text snapshot is, entry for entry, the plain snapshot's JSON all along a stream and after a restore", () => {
    const d = createDetector({}, catalog, hashtags);
    const expectSameJson = (x: Detector) => {
      const plain = x.snapshot({ dedupe: false });
      const text = x.snapshot({ dedupe: false, text: true });
      expect(Object.keys(text)).toEqual(Object.keys(plain));
      let services = 0;
      for (const [key, value] of Object.entries(text)) {
        if (!(value instanceof JsonText)) continue;
        services++;
        expect(value.text, key).toBe(JSON.stringify(plain[key]));
      }
      expect(services).toBe(x.serviceIds().length);
    };
    let clock = 0;
    let closed = 0;
    signals.forEach((s, i) => {
      clock = Math.max(clock, s.at);
      d.ingest(s);
      if ((i + 1) % 700 === 0) {
        closed += d.advance(clock + 1000).scores.length;
        expectSameJson(d); // the scorer's kept text must follow every window that closed
      }
    });
    expect(closed).toBeGreaterThan(1000);
    const b = createDetector({}, catalog, hashtags);
    b.restore(JSON.parse(JSON.stringify(d.snapshot())));
    expectSameJson(b);
    b.flushAll(clock + 2000);
    expectSameJson(b);
  });

  it('two instances splitting the services score each service exactly like one instance', () => {
    const whole = run(createDetector({}, catalog, hashtags), signals, 700);
    const left = new Set(['facebook', 'twitter', 'vodafone-ie', 'signal', 'netflix', 'youtube']);
    const a = run(createDetector({}, catalog, hashtags), signals.filter((s) => left.has(s.serviceId)), 700);
    const b = run(createDetector({}, catalog, hashtags), signals.filter((s) => !left.has(s.serviceId)), 700);
    const key = (s: ScoreEvent) => `${s.serviceId}@${s.windowStart}`;
    const strip = (s: ScoreEvent) => ({ ...s, computedAt: 0 });
    const split = new Map([...a.scores, ...b.scores].map((s) => [key(s), strip(s)]));
    expect(split.size).toBe(whole.scores.length);
    for (const s of whole.scores) expect(split.get(key(s))).toEqual(strip(s));
  });

  it('memory stays bounded: windows close, dedupe forgets after its generations', () => {
    const d = createDetector({}, catalog, hashtags);
    run(d, signals, 700);
    const m = d.memory();
    expect(m.openWindows).toBe(0);
    expect(m.trends.openWindows).toBe(0);
    expect(m.services).toBe(SAMPLE_CATALOG.length);
  });
});
