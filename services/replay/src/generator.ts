/**
 * The event generator: a scenario in, a stream of reports and posts out, in the order they would
 * reach downradar (emitAt), deterministic for a seed.
 *
 * Minute by minute: for every stream (normal reports of a service, its chatter, an incident's
 * reports, a trend's posts, ...) draw a Poisson count from the stream's rate for that minute,
 * place the events uniformly within the minute, sort the minute by time, and yield. A share of
 * events is late: they go into a small heap ordered by emitAt and come out when the stream's clock
 * passes them, so the output is out of order in event time exactly as the scenario says.
 *
 * Memory is flat: one minute of keys in typed arrays plus the late heap (late share × rate × max
 * lateness), whatever the span. The random generator is reseeded from (seed, epoch minute) at the
 * start of each minute and every event of that minute is materialised whether or not it falls in
 * the requested slice, so a slice [from, to) yields exactly the events a full run yields there.
 *
 * Performance: per event one or two uniforms for the time and lateness, one alias draw per
 * attribute, one object for the event and one for its payload, ids by string concatenation.
 */
import type { PostInput, ProblemCategory, ReportInput } from '../../../schemas/events/index';
import type { Scenario } from '../../../schemas/scenario/index';
import { compilePlan, MINUTE_MS, streamRate, type Plan, type PlanOptions, type Stream } from './plan';
import { poisson, Sfc32 } from './prng';
import { COUNTRY_LANG, REPORT_COMMENTS, fill, type PostIntent, type SplitTemplate } from './post-templates';

/** A report as the replay sends it: always with id and event time. */
export type ReplayReport = ReportInput & { id: string; at: number };

export interface ReportEmission {
  kind: 'report';
  report: ReplayReport;
  /** when it reaches the system (ms); > report.at for late events */
  emitAt: number;
  /** incident id that caused it; null for normal traffic */
  cause: string | null;
}

export interface PostTruth {
  intent: PostIntent;
  /** the service the post is about, null for posts about none */
  serviceId: string | null;
}

export interface PostEmission {
  kind: 'post';
  post: PostInput;
  emitAt: number;
  /** incident or trend id; null for normal traffic */
  cause: string | null;
  /** ground truth for scoring text understanding; shared object per stream, do not mutate */
  truth: Readonly<PostTruth>;
}

export type Emission = ReportEmission | PostEmission;

export type GenerateOptions = PlanOptions;

/** 2^32: a minute's sort key is `msWithinMinute * KEY_SPAN + eventIndex` (exact in a double). */
const KEY_SPAN = 4294967296;

const COMMENTS: Readonly<Record<ProblemCategory, readonly string[]>> = REPORT_COMMENTS;

/** Min-heap of late events by (emitAt, insertion order). */
class LateHeap {
  private items: Emission[] = [];
  private seqs: number[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  topEmitAt(): number {
    return this.items[0]!.emitAt;
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i]!.emitAt;
    const b = this.items[j]!.emitAt;
    return a < b || (a === b && this.seqs[i]! < this.seqs[j]!);
  }

  private swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
    const s = this.seqs[i]!;
    this.seqs[i] = this.seqs[j]!;
    this.seqs[j] = s;
  }

  push(e: Emission): void {
    this.items.push(e);
    this.seqs.push(this.nextSeq++);
    let i = this.items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): Emission {
    const top = this.items[0]!;
    const last = this.items.pop()!;
    const lastSeq = this.seqs.pop()!;
    const n = this.items.length;
    if (n > 0) {
      this.items[0] = last;
      this.seqs[0] = lastSeq;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.less(l, m)) m = l;
        if (r < n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Generate a scenario's events lazily, in emission order.
 * `for (const e of generateEvents(scenario, { scale: 0.01 })) ...`
 */
export function generateEvents(scenario: Scenario, opts: GenerateOptions = {}): Generator<Emission, void, undefined> {
  return generateFromPlan(compilePlan(scenario, opts));
}

export function* generateFromPlan(plan: Plan): Generator<Emission, void, undefined> {
  const { streams, services, scale, from, to } = plan;
  const rng = new Sfc32(plan.seed, 0);
  const normal = () => rng.normal();
  const seedTag = plan.seed.toString(36);
  const truths = streams.map((s) => Object.freeze({ intent: s.intent, serviceId: s.serviceId }) as Readonly<PostTruth>);
  const counts = new Int32Array(streams.length);
  let keys = new Float64Array(4096);
  let streamOf = new Int32Array(4096);
  const heap = new LateHeap();

  // Repeat reporters: per service and window, a pool sized so that its members report
  // meanReportsPerRepeater times on average; derived from expected rates only (no state carried
  // between minutes), so slices stay reproducible.
  const W = plan.repeatWindowMinutes;
  const poolSize = new Float64Array(services.length);
  const poolTag: string[] = services.map(() => '');
  const reportStreamsByService: Stream[][] = services.map(() => []);
  for (const s of streams) if (s.isReport && s.service >= 0) reportStreamsByService[s.service]!.push(s);
  let poolWindow = NaN;
  const computePools = (window: number) => {
    poolWindow = window;
    const w0 = window * W;
    for (let i = 0; i < services.length; i++) {
      let expected = 0;
      for (const s of reportStreamsByService[i]!) {
        if (s.activeTo <= w0 || s.activeFrom >= w0 + W) continue;
        for (let m = w0; m < w0 + W; m++) expected += streamRate(s, m);
      }
      poolSize[i] = Math.max(1, Math.round((expected * scale * plan.repeatShare) / plan.repeatMeanReports));
      poolTag[i] = `p${seedTag}.${i}.${window.toString(36)}.`;
    }
  };

  const lateShare = plan.lateShare;
  const repeatShare = plan.repeatShare;
  const textShare = plan.reportTextShare;
  const source = plan.postSource;
  let minuteTag = '';
  let reporterTag = '';
  let authorTag = '';

  const makeReport = (s: Stream, at: number, n: number, emitAt: number): ReportEmission => {
    const svc = services[s.service]!;
    const problem = s.problems!.pick(rng);
    const country = s.countries.pick(rng);
    const reporterId = repeatShare > 0 && rng.float() < repeatShare ? poolTag[s.service]! + rng.int(poolSize[s.service]!) : reporterTag + n;
    let report: ReplayReport;
    if (textShare > 0 && rng.float() < textShare) {
      const list = COMMENTS[problem];
      report = { id: minuteTag + n, serviceId: svc.id, problem, country, at, reporterId, text: list[rng.int(list.length)]! };
    } else {
      report = { id: minuteTag + n, serviceId: svc.id, problem, country, at, reporterId };
    }
    return { kind: 'report', report, emitAt, cause: s.cause };
  };

  const makePost = (s: Stream, at: number, n: number, emitAt: number): PostEmission => {
    const country = s.countries.pick(rng);
    let text: string;
    let lang: string | undefined;
    if (s.intent === 'trend') {
      const tpl = s.templates[rng.int(s.templates.length)]!;
      const tag = s.hashtags!.pick(rng);
      text = tpl.hasName ? tpl.before + tag + tpl.after : `${tpl.before} ${tag}`;
    } else {
      let tpl: SplitTemplate;
      if (s.templatesByLang) {
        lang = COUNTRY_LANG[country] ?? 'en';
        const list = s.templatesByLang[lang] ?? s.templatesByLang.en!;
        tpl = list[rng.int(list.length)]!;
      } else {
        tpl = s.templates[rng.int(s.templates.length)]!;
      }
      if (tpl.hasName) {
        const names = services[s.service]!.names;
        text = fill(tpl, names[rng.int(names.length)]!);
      } else text = tpl.before;
      if (s.hashtags && rng.float() < s.hashtagShare) {
        text += ' ' + s.hashtags.pick(rng);
        if (rng.float() < 0.15) text += ' ' + s.hashtags.pick(rng);
      }
    }
    const post: PostInput =
      lang === undefined
        ? { id: minuteTag + n, at, text, source, authorHash: authorTag + n, country }
        : { id: minuteTag + n, at, text, lang, source, authorHash: authorTag + n, country };
    return { kind: 'post', post, emitAt, cause: s.cause, truth: truths[s.index]! };
  };

  const make = (s: Stream, at: number, n: number, emitAt: number): Emission =>
    s.isReport ? makeReport(s, at, n, emitAt) : makePost(s, at, n, emitAt);

  const firstMinute = Math.floor(from / MINUTE_MS);
  const lastMinute = Math.ceil(to / MINUTE_MS);
  for (let m = firstMinute; m < lastMinute; m++) {
    rng.reseed(plan.seed, m);
    const t0 = m * MINUTE_MS;
    const window = Math.floor(m / W);
    if (window !== poolWindow) computePools(window);

    let total = 0;
    for (let i = 0; i < streams.length; i++) {
      const lambda = streamRate(streams[i]!, m) * scale;
      const c = lambda > 0 ? poisson(rng, lambda) : 0;
      counts[i] = c;
      total += c;
    }
    if (total > keys.length) {
      let cap = keys.length;
      while (cap < total) cap *= 2;
      keys = new Float64Array(cap);
      streamOf = new Int32Array(cap);
    }
    const m36 = m.toString(36);
    minuteTag = `${plan.idPrefix}:${m36}:`;
    reporterTag = `u${seedTag}.${m36}.`;
    authorTag = `a${seedTag}.${m36}.`;

    let n = 0;
    let onTime = 0;
    for (let i = 0; i < streams.length; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const s = streams[i]!;
      for (let k = 0; k < c; k++, n++) {
        const ms = Math.floor(rng.float() * MINUTE_MS);
        streamOf[n] = i;
        if (lateShare > 0 && rng.float() < lateShare) {
          const at = t0 + ms;
          const e = make(s, at, n, at + plan.lateness(rng.float(), normal));
          if (at >= from && at < to) heap.push(e);
        } else {
          keys[onTime++] = ms * KEY_SPAN + n;
        }
      }
    }
    const sorted = keys.subarray(0, onTime).sort();
    for (let j = 0; j < onTime; j++) {
      const key = sorted[j]!;
      const idx = key % KEY_SPAN;
      const at = t0 + (key - idx) / KEY_SPAN;
      const e = make(streams[streamOf[idx]!]!, at, idx, at);
      if (at < from || at >= to) continue;
      while (heap.size > 0 && heap.topEmitAt() <= at) yield heap.pop();
      yield e;
    }
    const minuteEnd = t0 + MINUTE_MS;
    while (heap.size > 0 && heap.topEmitAt() < minuteEnd) yield heap.pop();
  }
  while (heap.size > 0) yield heap.pop();
}
