/**
 * A scenario compiled for generation: every source of events is a "stream" with a rate per
 * minute and the tables its events draw their attributes from (problem, country, text, hashtag).
 * Compiling does all the work that does not depend on the minute (week tables, alias tables,
 * envelope amplitudes calibrated to the scenario's totals) so that the per-minute loop is a few
 * multiplications, one Poisson draw per stream, and a table lookup per attribute.
 */
import type { ProblemCategory } from '../../../schemas/events/index';
import type { CountryWeights, Incident, IncidentService, ProblemWeights, Scenario, ServiceSpec, Trend } from '../../../schemas/scenario/index';
import { envelopeSpan, levelAt, sagLogPerMinute, sumLevels, type EnvelopeShape } from './envelope';
import { WeightedPick } from './prng';
import { buildWeekTable, minuteOfWeek } from './profile';
import {
  CHATTER_TEMPLATES,
  NOISE_TEMPLATES,
  OUTAGE_TEMPLATES,
  SERVICE_FALSE_FRIEND_TEMPLATES,
  splitTemplate,
  type PostIntent,
  type SplitTemplate,
} from './post-templates';
import { parseUtc } from './scenario-loader';

export const MINUTE_MS = 60_000;

export const RateKind = { Profile: 0, Envelope: 1, Flat: 2 } as const;
export type RateKind = (typeof RateKind)[keyof typeof RateKind];

export interface PlanService {
  index: number;
  id: string;
  names: readonly string[];
  baselinePerMinute: number;
  week: Float64Array;
  problems: WeightedPick<ProblemCategory>;
  countries: WeightedPick<string>;
  chatterHashtags: readonly string[];
  /** the everyday complaint tag, "#whatsappdown" */
  defaultHashtag: string;
}

export interface Stream {
  index: number;
  isReport: boolean;
  intent: PostIntent;
  /** index into plan.services, -1 for posts that name no service */
  service: number;
  serviceId: string | null;
  /** incident or trend id; null for normal traffic */
  cause: string | null;
  role: 'primary' | 'collateral' | null;
  rateKind: RateKind;
  /** Profile: rate = base × week[minuteOfWeek]; Envelope: rate = base × level; Flat: rate = base */
  base: number;
  week: Float64Array | null;
  shape: EnvelopeShape | null;
  /** epoch minute (may be fractional) where the envelope's t = 0 */
  origin: number;
  /** epoch minutes [activeFrom, activeTo) outside which the rate is 0 */
  activeFrom: number;
  activeTo: number;
  problems: WeightedPick<ProblemCategory> | null;
  countries: WeightedPick<string>;
  /** posts: templates by language (outage) or one list (others) */
  templatesByLang: Readonly<Record<string, readonly SplitTemplate[]>> | null;
  templates: readonly SplitTemplate[];
  /** trend posts: templates split around {tag}, with {name} already filled */
  hashtags: WeightedPick<string> | null;
  hashtagShare: number;
}

export interface Plan {
  scenario: Scenario;
  scale: number;
  seed: number;
  /** epoch ms, whole minutes */
  from: number;
  to: number;
  services: PlanService[];
  streams: Stream[];
  lateShare: number;
  lateness: (u: number, normal: () => number) => number;
  repeatShare: number;
  repeatMeanReports: number;
  repeatWindowMinutes: number;
  reportTextShare: number;
  idPrefix: string;
  postSource: string;
}

export interface PlanOptions {
  /** multiplies every rate; default scenario.defaultScale */
  scale?: number;
  /** event-time slice, epoch ms or ISO; default the scenario's span */
  from?: number | string;
  to?: number | string;
  /** overrides scenario.seed */
  seed?: number;
  /** prefix of event ids; default "<scenario id>.<seed>.<scale>": the same replay twice gives the same ids */
  idPrefix?: string;
  /** PostInput.source; default "replay" */
  postSource?: string;
}

const toMs = (v: number | string, field: string): number => (typeof v === 'number' ? v : parseUtc(v, field));

function pickFrom(record: CountryWeights | ProblemWeights): WeightedPick<string> {
  return WeightedPick.fromRecord(record as Record<string, number | undefined>);
}

function envelopeFor(inc: Incident, is: IncidentService, incStartMs: number): EnvelopeShape {
  const e = inc.envelope;
  const pick = <K extends 'lagMinutes' | 'rampMinutes' | 'rampPower' | 'plateauMinutes' | 'sagPerHour' | 'recoveryLagMinutes' | 'decayMinutes'>(
    k: K,
    d: number,
  ): number => is[k] ?? e[k] ?? d;
  const recoveryAt = (parseUtc(inc.recoveryStart, 'recoveryStart') - incStartMs) / MINUTE_MS + pick('recoveryLagMinutes', 0);
  const b = is.secondBump;
  return {
    onset: pick('lagMinutes', 0),
    rampMinutes: pick('rampMinutes', 0),
    rampPower: pick('rampPower', 1),
    plateauMinutes: pick('plateauMinutes', 0),
    sagLogPerMinute: sagLogPerMinute(pick('sagPerHour', 0)),
    recoveryAt,
    decayMinutes: pick('decayMinutes', 0),
    bump: b
      ? { start: b.atMinutes, height: b.height, rampMinutes: b.rampMinutes, plateauMinutes: b.plateauMinutes ?? 0, decayMinutes: b.decayMinutes }
      : null,
  };
}

/** Per-incident-service envelope and amplitude (reports per minute at level 1, scale 1). */
export interface IncidentEnvelope {
  incident: Incident;
  spec: IncidentService;
  shape: EnvelopeShape;
  /** epoch minute of the incident start */
  origin: number;
  amplitude: number;
  span: { from: number; to: number };
}

/**
 * The envelope of a hashtag trend (minutes since its start): the generator draws its posts from
 * it and the labels take its span and peak from it, so ground truth is the traffic's own shape.
 */
export function trendEnvelope(t: Trend): EnvelopeShape {
  return {
    onset: 0,
    rampMinutes: t.rampMinutes,
    rampPower: 1,
    plateauMinutes: t.plateauMinutes,
    sagLogPerMinute: sagLogPerMinute(t.sagPerHour ?? 0),
    recoveryAt: t.rampMinutes + t.plateauMinutes + (t.sagMinutes ?? 0),
    decayMinutes: t.decayMinutes,
    bump: null,
  };
}

export function incidentEnvelopes(scenario: Scenario): IncidentEnvelope[] {
  const services = new Map(scenario.services.map((s) => [s.id, s]));
  const out: IncidentEnvelope[] = [];
  for (const inc of scenario.incidents) {
    const incStart = parseUtc(inc.start, 'start');
    const origin = incStart / MINUTE_MS;
    const untilMinute = inc.totalReports?.until ? Math.ceil((parseUtc(inc.totalReports.until, 'until') - incStart) / MINUTE_MS) : null;
    for (const is of inc.services) {
      const shape = envelopeFor(inc, is, incStart);
      const span = envelopeSpan(shape);
      const svc = services.get(is.serviceId)!;
      let amplitude: number;
      if (is.peakPerMinute !== undefined) amplitude = is.peakPerMinute;
      else if (is.peakMultiplier !== undefined) amplitude = is.peakMultiplier * svc.baselinePerMinute;
      else {
        const total = is.totalReports ?? inc.totalReports!.count * is.share!;
        const to = is.totalReports !== undefined || untilMinute === null ? span.to : untilMinute;
        const mass = sumLevels(shape, span.from, to);
        amplitude = mass > 0 ? total / mass : 0;
      }
      out.push({ incident: inc, spec: is, shape, origin, amplitude, span });
    }
  }
  return out;
}

function lateness(scenario: Scenario): (u: number, normal: () => number) => number {
  const l = scenario.lateness;
  const min = (l.minSeconds ?? 1) * 1000;
  const max = l.maxSeconds * 1000;
  const clamp = (ms: number) => Math.round(ms < min ? min : ms > max ? max : ms);
  if (l.distribution === 'exponential') {
    const mean = l.meanSeconds! * 1000;
    return (u) => clamp(-mean * Math.log(1 - u));
  }
  const median = l.medianSeconds! * 1000;
  const sigma = l.sigma!;
  return (_u, normal) => clamp(median * Math.exp(sigma * normal()));
}

const splitAll = (list: readonly string[]) => list.map((t) => splitTemplate(t));
const OUTAGE_SPLIT: Record<string, SplitTemplate[]> = Object.fromEntries(Object.entries(OUTAGE_TEMPLATES).map(([k, v]) => [k, splitAll(v)]));
const CHATTER_SPLIT = splitAll(CHATTER_TEMPLATES);
const FALSE_FRIEND_SPLIT = splitAll(SERVICE_FALSE_FRIEND_TEMPLATES);
const NOISE_SPLIT = splitAll(NOISE_TEMPLATES);

function defaultHashtag(id: string): string {
  return `#${id.replaceAll('-', '')}down`;
}

function compileService(scenario: Scenario, svc: ServiceSpec, index: number): PlanService {
  const profile = scenario.profiles[svc.profile]!;
  return {
    index,
    id: svc.id,
    names: svc.names ?? [svc.id],
    baselinePerMinute: svc.baselinePerMinute,
    week: buildWeekTable(profile, svc.timezones ?? scenario.defaults.timezones),
    problems: pickFrom(svc.problems ?? scenario.defaults.problems) as WeightedPick<ProblemCategory>,
    countries: pickFrom(svc.countries ?? scenario.defaults.countries),
    chatterHashtags: svc.chatterHashtags ?? [],
    defaultHashtag: defaultHashtag(svc.id),
  };
}

function hashtagPick(inc: Incident, serviceId: string): WeightedPick<string> | null {
  const values: string[] = [];
  const weights: number[] = [];
  for (const h of inc.hashtags) {
    // a service's own tags, and generic tags (#serverdown); other services' tags stay theirs
    if (h.serviceId !== undefined && h.serviceId !== serviceId) continue;
    const tagWeight = h.weight ?? 1;
    const spellingTotal = h.spellings.reduce((s, x) => s + x.weight, 0);
    if (!(tagWeight > 0) || !(spellingTotal > 0)) continue;
    for (const sp of h.spellings) {
      values.push(sp.text);
      weights.push((tagWeight * sp.weight) / spellingTotal);
    }
  }
  return values.length > 0 ? new WeightedPick(values, weights) : null;
}

/** Compile a validated scenario for the given options. Throws on options out of range. */
export function compilePlan(scenario: Scenario, opts: PlanOptions = {}): Plan {
  const scale = opts.scale ?? scenario.defaultScale;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const seed = (opts.seed ?? scenario.seed) >>> 0;
  const sStart = parseUtc(scenario.start, 'start');
  const sEnd = parseUtc(scenario.end, 'end');
  const from = Math.max(sStart, opts.from !== undefined ? toMs(opts.from, 'from') : sStart);
  const to = Math.min(sEnd, opts.to !== undefined ? toMs(opts.to, 'to') : sEnd);
  if (!(to > from)) throw new RangeError(`empty slice: from ${new Date(from).toISOString()} is not before to ${new Date(to).toISOString()}`);

  const services = scenario.services.map((s, i) => compileService(scenario, s, i));
  const byId = new Map(services.map((s) => [s.id, s]));
  const streams: Stream[] = [];
  const defaults = scenario.defaults;
  const base = (over: Partial<Stream>): Stream => {
    const s: Stream = {
      index: streams.length,
      isReport: false,
      intent: 'outage',
      service: -1,
      serviceId: null,
      cause: null,
      role: null,
      rateKind: RateKind.Flat,
      base: 0,
      week: null,
      shape: null,
      origin: 0,
      activeFrom: -Infinity,
      activeTo: Infinity,
      problems: null,
      countries: pickFrom(defaults.countries),
      templatesByLang: null,
      templates: [],
      hashtags: null,
      hashtagShare: 0,
      ...over,
    };
    streams.push(s);
    return s;
  };

  // Normal traffic per service: reports, everyday complaints, chatter, false friends.
  scenario.services.forEach((spec, i) => {
    const svc = services[i]!;
    const posts = { ...defaults.posts, ...spec.posts };
    const common = { service: i, serviceId: svc.id, rateKind: RateKind.Profile, week: svc.week, countries: svc.countries };
    base({ ...common, isReport: true, base: svc.baselinePerMinute, problems: svc.problems });
    const perReport = (r: number | undefined) => svc.baselinePerMinute * (r ?? 0);
    if (perReport(posts.complaintsPerReport) > 0)
      base({
        ...common,
        intent: 'outage',
        base: perReport(posts.complaintsPerReport),
        templatesByLang: OUTAGE_SPLIT,
        hashtags: new WeightedPick([svc.defaultHashtag], [1]),
        hashtagShare: 0.2,
      });
    if (perReport(posts.chatterPerReport) > 0)
      base({
        ...common,
        intent: 'chatter',
        base: perReport(posts.chatterPerReport),
        templates: CHATTER_SPLIT,
        hashtags: svc.chatterHashtags.length ? new WeightedPick(svc.chatterHashtags, svc.chatterHashtags.map(() => 1)) : null,
        hashtagShare: svc.chatterHashtags.length ? 0.3 : 0,
      });
    if (perReport(posts.falseFriendsPerReport) > 0)
      base({ ...common, intent: 'false_friend', base: perReport(posts.falseFriendsPerReport), templates: FALSE_FRIEND_SPLIT });
  });
  if (scenario.noisePostsPerMinute > 0) base({ intent: 'false_friend', base: scenario.noisePostsPerMinute, templates: NOISE_SPLIT });

  // Incidents: one report stream and one outage-post stream per incident service.
  for (const env of incidentEnvelopes(scenario)) {
    const { incident: inc, spec: is } = env;
    const svc = byId.get(is.serviceId)!;
    const svcSpec = scenario.services[svc.index]!;
    const countries = pickFrom(is.countries ?? inc.countries ?? svcSpec.countries ?? defaults.countries);
    const common = {
      service: svc.index,
      serviceId: svc.id,
      cause: inc.id,
      role: is.role,
      rateKind: RateKind.Envelope,
      shape: env.shape,
      origin: env.origin,
      activeFrom: Math.floor(env.origin + env.span.from),
      activeTo: Math.ceil(env.origin + env.span.to) + 1,
      countries,
    };
    const problems = is.problems ? (pickFrom(is.problems) as WeightedPick<ProblemCategory>) : svc.problems;
    base({ ...common, isReport: true, base: env.amplitude, problems });
    const ppr = is.postsPerReport ?? inc.postsPerReport;
    if (ppr > 0)
      base({
        ...common,
        intent: 'outage',
        base: env.amplitude * ppr,
        templatesByLang: OUTAGE_SPLIT,
        hashtags: hashtagPick(inc, svc.id),
        hashtagShare: inc.hashtagShare,
      });
  }

  // Trends: posts only, no reports.
  for (const t of scenario.trends) {
    const svc = t.serviceId ? byId.get(t.serviceId)! : null;
    const names = svc ? svc.names : [''];
    // {name} is filled at compile time (all combinations), {tag} per post.
    const templates = t.templates.flatMap((tpl) => names.map((n) => splitTemplate(tpl.replaceAll('{name}', n), '{tag}')));
    const spellingTotal = t.hashtag.spellings.reduce((s, x) => s + x.weight, 0);
    const shape = trendEnvelope(t);
    const origin = parseUtc(t.start, 'start') / MINUTE_MS;
    const span = envelopeSpan(shape);
    base({
      intent: 'trend',
      service: svc ? svc.index : -1,
      serviceId: svc ? svc.id : null,
      cause: t.id,
      rateKind: RateKind.Envelope,
      base: t.peakPostsPerMinute,
      shape,
      origin,
      activeFrom: Math.floor(origin + span.from),
      activeTo: Math.ceil(origin + span.to) + 1,
      countries: pickFrom(t.countries ?? defaults.countries),
      templates,
      hashtags: new WeightedPick(
        t.hashtag.spellings.map((s) => s.text),
        t.hashtag.spellings.map((s) => s.weight / spellingTotal),
      ),
      hashtagShare: 1,
    });
  }

  const scaleTag = String(scale).replace(/[^0-9.e-]/g, '');
  return {
    scenario,
    scale,
    seed,
    from,
    to,
    services,
    streams,
    lateShare: scenario.lateness.share,
    lateness: lateness(scenario),
    repeatShare: scenario.repeatReporters.share,
    repeatMeanReports: scenario.repeatReporters.meanReportsPerRepeater,
    repeatWindowMinutes: scenario.repeatReporters.windowMinutes,
    reportTextShare: scenario.reportTextShare,
    idPrefix: opts.idPrefix ?? `${scenario.id}.${seed.toString(36)}.s${scaleTag}`,
    postSource: opts.postSource ?? 'replay',
  };
}

/** Expected events per minute of a stream at scale 1 (minute = epoch minute, rate at its midpoint). */
export function streamRate(s: Stream, epochMinute: number): number {
  switch (s.rateKind) {
    case RateKind.Profile:
      return s.base * s.week![minuteOfWeek(epochMinute)]!;
    case RateKind.Envelope:
      if (epochMinute < s.activeFrom || epochMinute >= s.activeTo) return 0;
      return s.base * levelAt(s.shape!, epochMinute + 0.5 - s.origin);
    default:
      return s.base;
  }
}

export interface ExpectedTotals {
  reports: number;
  posts: number;
  byService: Record<string, { reports: number; posts: number; incidentReports: number }>;
}

/** Expected counts of a generation (no sampling): what tests compare against, what the bench sizes with. */
export function expectedTotals(plan: Plan): ExpectedTotals {
  const out: ExpectedTotals = { reports: 0, posts: 0, byService: {} };
  for (const svc of plan.services) out.byService[svc.id] = { reports: 0, posts: 0, incidentReports: 0 };
  const first = Math.floor(plan.from / MINUTE_MS);
  const last = Math.ceil(plan.to / MINUTE_MS);
  for (const s of plan.streams) {
    let sum = 0;
    const lo = Math.max(first, s.activeFrom);
    const hi = Math.min(last, s.activeTo);
    for (let m = lo; m < hi; m++) {
      // partial first/last minute: the share of the minute inside the slice
      const inside = Math.min(plan.to, (m + 1) * MINUTE_MS) - Math.max(plan.from, m * MINUTE_MS);
      sum += (streamRate(s, m) * inside) / MINUTE_MS;
    }
    sum *= plan.scale;
    const svc = s.serviceId ? out.byService[s.serviceId]! : null;
    if (s.isReport) {
      out.reports += sum;
      if (svc) {
        svc.reports += sum;
        if (s.cause) svc.incidentReports += sum;
      }
    } else {
      out.posts += sum;
      if (svc) svc.posts += sum;
    }
  }
  return out;
}
