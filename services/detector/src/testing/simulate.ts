/**
 * Deterministic synthetic traffic for the core's tests and its throughput figure: a seeded
 * random generator, Poisson and gamma draws, a diurnal profile with an evening peak, and a
 * generator of SignalEvents. Not a scenario engine (services/replay is); just enough realism to
 * check the statistics: non-homogeneous Poisson counts, over-dispersion, repeat reporters.
 */
import { seededRandom } from '@downradar/common/seeded-random';
import type { ProblemCategory, SignalEvent } from '../../../../schemas/events/index';
import type { ServiceInfo } from '../core/facts';

/** The seeded generator the traffic below is drawn from, re-exported for the tests that draw their own. */
export { seededRandom };

function normal(rand: () => number): number {
  const u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u + 1e-300)) * Math.cos(2 * Math.PI * v);
}

/** Poisson draw: exact (Knuth) for small means, normal approximation above 30. */
export function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rand();
    } while (p > limit);
    return k - 1;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rand)));
}

/** Gamma(shape, 1) draw (Marsaglia-Tsang), shape >= 1. */
export function gamma(rand: () => number, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(rand()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Multiplier with mean 1 and coefficient of variation `cv` (gamma-mixed Poisson = over-dispersion). */
export function noiseFactor(rand: () => number, cv: number): number {
  if (cv <= 0) return 1;
  const shape = 1 / (cv * cv);
  return gamma(rand, shape) / shape;
}

/**
 * A day's shape: trough about 0.6 at 04:00 UTC, evening peak about 1.8 at 20:00 (x3), weekends +15 %.
 * Mean over a day is 1.
 */
export function diurnal(at: number): number {
  const h = (((at / 3_600_000) % 24) + 24) % 24;
  const base = 1 + 0.55 * Math.cos(((h - 20) / 24) * 2 * Math.PI) + 0.25 * Math.cos(((h - 20) / 12) * 2 * Math.PI);
  const dow = Math.floor(at / 86_400_000 + 3) % 7;
  return base * (dow >= 5 ? 1.15 : 1);
}

/** The catalog's baselinePerMinute of 40 services (facebook .. minecraft), for quiet-week tests. */
export const FORTY_SERVICE_RATES = [
  5, 4, 4, 1.5, 0.1, 0.5, 3, 2, 1.5, 1, 0.6, 0.4, 0.3, 0.3, 1.2, 0.3, 1.2, 0.5, 0.8, 0.6, 0.2, 0.3, 0.3, 0.4, 3, 2, 0.8, 1.5, 0.8, 0.8, 0.6,
  0.6, 0.8, 1.2, 1, 1.5, 1, 0.4, 0.4, 0.5,
];

const PROBLEMS: ProblemCategory[] = ['login', 'app', 'server_connection', 'messaging', 'website', 'other'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'IE', 'ES', 'IT', 'NL'];

export interface SignalStreamOptions {
  seed: number;
  services: string[];
  /** Signals to generate. */
  count: number;
  startAt: number;
  /** Mean signals per second of event time across all services. */
  perSecond: number;
  /** Share of signals that are posts (the rest are reports). */
  postShare?: number;
  /** Distinct reporters (repeat reporters make duplicates). */
  reporters?: number;
  /** Distinct hashtags; with `uniqueHashtags` every post carries a never-seen hashtag instead. */
  hashtags?: number;
  uniqueHashtags?: boolean;
  /** Out-of-order jitter of event times, ms. */
  jitterMs?: number;
}

/** Pre-built signals (so a benchmark measures the detector, not the generator). */
export function generateSignals(o: SignalStreamOptions): SignalEvent[] {
  const rand = seededRandom(o.seed);
  const out: SignalEvent[] = new Array(o.count);
  const postShare = o.postShare ?? 0.4;
  const reporters = o.reporters ?? 200_000;
  const hashtagPool = Array.from({ length: o.hashtags ?? 500 }, (_, i) => `tag${i}`);
  const reporterPool = Array.from({ length: Math.min(reporters, 1_000_000) }, (_, i) => `r${i.toString(36)}`);
  const step = 1000 / o.perSecond;
  let t = o.startAt;
  for (let i = 0; i < o.count; i++) {
    t += step;
    const at = Math.max(0, Math.round(t - (o.jitterMs ? rand() * o.jitterMs : 0)));
    const serviceId = o.services[Math.floor(rand() * rand() * o.services.length)]!;
    const isPost = rand() < postShare;
    const id = `s${i.toString(36)}`;
    const tags: string[] = [];
    if (isPost) {
      if (o.uniqueHashtags) tags.push(`u${i.toString(36)}`);
      else if (rand() < 0.6) tags.push(hashtagPool[Math.floor(rand() * rand() * hashtagPool.length)]!);
    }
    const signal: SignalEvent = {
      id,
      sourceId: id,
      serviceId,
      kind: isPost ? 'mention' : 'report',
      at,
      receivedAt: at + 200,
      outage: !isPost || rand() < 0.7,
      problem: PROBLEMS[Math.floor(rand() * PROBLEMS.length)]!,
      confidence: isPost ? 0.8 : 1,
      country: COUNTRIES[Math.floor(rand() * COUNTRIES.length)]!,
      reporterHash: reporterPool[Math.floor(rand() * reporterPool.length)]!,
      hashtags: tags,
    };
    out[i] = signal;
  }
  return out;
}

/** A slice of the catalog (same families, providers, categories and priors) for tests and benchmarks. */
export const SAMPLE_CATALOG: ServiceInfo[] = [
  { id: 'facebook', family: 'meta', provider: 'meta', category: 'social', dependsOn: [], baselinePerMinute: 5 },
  { id: 'instagram', family: 'meta', provider: 'meta', category: 'social', dependsOn: ['facebook'], baselinePerMinute: 4 },
  { id: 'whatsapp', family: 'meta', provider: 'meta', category: 'messaging', dependsOn: ['facebook'], baselinePerMinute: 4 },
  { id: 'messenger', family: 'meta', provider: 'meta', category: 'messaging', dependsOn: ['facebook'], baselinePerMinute: 1.5 },
  { id: 'tinder', family: null, provider: 'aws', category: 'social', dependsOn: ['facebook', 'aws'], baselinePerMinute: 0.3 },
  { id: 'twitter', family: null, provider: 'twitter', category: 'social', dependsOn: [], baselinePerMinute: 3 },
  { id: 'telegram', family: null, provider: 'telegram', category: 'messaging', dependsOn: [], baselinePerMinute: 1.2 },
  { id: 'signal', family: null, provider: 'aws', category: 'messaging', dependsOn: ['aws'], baselinePerMinute: 0.3 },
  { id: 'vodafone-ie', family: null, provider: 'vodafone-ie', category: 'telecom', dependsOn: [], baselinePerMinute: 0.3 },
  { id: 'aws', family: 'amazon', provider: 'aws', category: 'cloud', dependsOn: [], baselinePerMinute: 0.5 },
  { id: 'netflix', family: null, provider: 'aws', category: 'streaming', dependsOn: ['aws'], baselinePerMinute: 2 },
  { id: 'slack', family: null, provider: 'aws', category: 'productivity', dependsOn: ['aws'], baselinePerMinute: 0.5 },
  { id: 'youtube', family: 'google', provider: 'google', category: 'streaming', dependsOn: [], baselinePerMinute: 3 },
];

export interface ServiceTraffic {
  serviceId: string;
  /** Expected outage signals per minute at event time t (the caller multiplies baseline × diurnal × incident). */
  perMinute: (t: number) => number;
  /** Hashtags its posts carry (one picked per post). */
  hashtags?: string[];
}

export interface TrafficOptions {
  seed: number;
  from: number;
  to: number;
  services: ServiceTraffic[];
  /** Share of signals that are posts rather than reports. */
  postShare?: number;
  /** Share of counted signals followed by a repeat from the same reporter a few minutes later. */
  repeatShare?: number;
  /** Non-outage chatter posts per minute per service (not counted, hashtags still trend). */
  chatterPerMinute?: number;
  /** Arrival = event time + up to this much delay: out-of-order delivery. */
  maxDelayMs?: number;
  /** Gamma-mixed noise on each minute's rate. */
  noiseCv?: number;
}

/**
 * Signals minute by minute (non-homogeneous Poisson, uniform inside the minute), in ARRIVAL order:
 * each event is delayed by up to maxDelayMs, so event times are out of order the way a stream is.
 */
export function generateTraffic(o: TrafficOptions): SignalEvent[] {
  const rand = seededRandom(o.seed);
  const out: { arrival: number; s: SignalEvent }[] = [];
  const postShare = o.postShare ?? 0.3;
  const repeatShare = o.repeatShare ?? 0.05;
  const chatter = o.chatterPerMinute ?? 0;
  let seq = 0;
  for (let m = o.from; m < o.to; m += 60_000) {
    for (const svc of o.services) {
      const n = poisson(rand, svc.perMinute(m + 30_000) * noiseFactor(rand, o.noiseCv ?? 0.1));
      const c = poisson(rand, chatter);
      for (let i = 0; i < n + c; i++) {
        const outage = i < n;
        const at = m + Math.floor(rand() * 60_000);
        const isPost = !outage || rand() < postShare;
        const id = `e${(seq++).toString(36)}`;
        const reporter = `${svc.serviceId}-r${Math.floor(rand() * 1e9).toString(36)}`;
        const tags = isPost && svc.hashtags?.length && rand() < 0.7 ? [svc.hashtags[Math.floor(rand() * svc.hashtags.length)]!] : [];
        const signal: SignalEvent = {
          id,
          sourceId: id,
          serviceId: svc.serviceId,
          kind: isPost ? (tags.length ? 'hashtag' : 'mention') : 'report',
          at,
          receivedAt: at + 100,
          outage,
          problem: PROBLEMS[Math.floor(rand() * 3) + (outage ? 0 : 3)]!,
          confidence: outage ? 0.9 : 0.2,
          country: COUNTRIES[Math.floor(rand() * rand() * COUNTRIES.length)]!,
          reporterHash: reporter,
          hashtags: tags,
        };
        out.push({ arrival: at + Math.floor(rand() * (o.maxDelayMs ?? 0)), s: signal });
        if (outage && rand() < repeatShare) {
          const again = at + Math.floor(rand() * 5 * 60_000);
          const rid = `e${(seq++).toString(36)}`;
          out.push({ arrival: again + Math.floor(rand() * (o.maxDelayMs ?? 0)), s: { ...signal, id: rid, sourceId: rid, at: again, receivedAt: again + 100 } });
        }
      }
    }
  }
  out.sort((a, b) => a.arrival - b.arrival);
  return out.map((x) => x.s);
}
