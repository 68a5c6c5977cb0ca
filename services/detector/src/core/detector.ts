/**
 * The detector core: signals in, scores / incidents / trends / rejections out. Pure and
 * deterministic: no clock (processing time is passed in), no I/O, no randomness; the same calls
 * give the same outputs, and `snapshot()` / `restore()` reproduce the exact state.
 *
 * Structure, and why:
 * - Windows are tumbling, in EVENT time, aligned to the epoch. The watermark is the largest event
 *   time seen minus the allowed lateness; a window closes when the watermark passes its end.
 *   A signal for a closed window is late: `ingest` rejects it with code LATE_EVENT and the reason,
 *   and counts it in the stats; the caller dead-letters it (the core knows no Kafka position, which
 *   names a dead letter); it is never dropped silently.
 * - Per service (the partitionable unit, `ServiceScorer`): the open windows, the first-report-per-
 *   reporter dedupe map, the baseline and the level machine. Nothing per service depends on another
 *   service, so services split across instances score identically (given the same watermark
 *   progress, which Kafka partitions carrying live traffic give, and always for events within the
 *   allowed lateness).
 * - Across services (`IncidentManager`): it consumes the per-window ScoreEvents of all services.
 *   Inside one detector it is fed directly; with several instances it runs as a grouping step on
 *   downradar.scores and gives the same incidents (it only needs the ScoreEvents).
 * - Trends (`HashtagTrends`): bounded memory, closed on the same window boundaries.
 *
 * What counts: a report always counts (the button is the intent); a post (hashtag / mention
 * signal) counts when outage = true and confidence >= minOutageConfidence, with weight 1 like a
 * report. Both obey the first-per-reporter rule when they carry reporterHash. Everything is in
 * rawCount; hashtags of every signal count for trends and evidence.
 *
 * Checkpointing: `snapshot()` returns JSON-able entries keyed like a compacted topic
 * (`service:<id>`, `dedupe:<id>`, `detector`, `incidents`, `trends`, `trend-baselines:<n>`), so the
 * consumer can write each under its key and a restart resumes exactly where it was.
 */
import type { IncidentEvent, ScoreEvent, SignalEvent, TrendEvent } from '../../../../schemas/events/index';
import { SeasonalBaseline } from './baseline';
import { resolveDetectorConfig, type DeepPartial, type DetectorConfig } from './config';
import { ReporterDedupe, type DedupeState } from './dedupe';
import { upperQuantile } from './distributions';
import { noHashtagInfo, noServiceInfo, type HashtagLookup, type ServiceInfoLookup } from './facts';
import { IncidentManager, incidentManagerOptions, type IncidentManagerState, type IncidentView } from './incidents';
import { ServiceScorer, type ServiceScorerState } from './scorer';
import { HashtagTrends, type TrendBaselineChunk, type TrendsMeta } from './trends';
import { MINUTE_MS, windowStartOf } from './time';
import { ServiceWindow, type ServiceWindowState } from './window';
import { JsonText } from './json-text';

/** Longest stretch of windows without any data that is still scored window by window. */
export const MAX_SILENT_GAP_MS = 6 * 3_600_000;

export interface DetectorOutput {
  scores: ScoreEvent[];
  incidents: IncidentEvent[];
  trends: TrendEvent[];
}

/** Why `ingest` could not count a signal: the caller makes the dead letter. */
export interface Rejection {
  code: 'INVALID_SIGNAL' | 'FUTURE_EVENT' | 'LATE_EVENT';
  reason: string;
}

export interface DetectorStats {
  ingested: number;
  /** Counted toward `count` (first report per reporter, outage posts). */
  counted: number;
  /** Reports / outage posts that were not the reporter's first within dedupeMs: rawCount only. */
  duplicates: number;
  /** Posts without outage intent: rawCount and trends only. */
  notOutage: number;
  late: number;
  future: number;
  invalid: number;
  windowsClosed: number;
  /** Windows of a silent stretch longer than MAX_SILENT_GAP_MS that were not scored one by one. */
  windowsSkipped: number;
  scores: number;
  incidentEvents: number;
  trends: number;
}

/** JSON-able checkpoint entries; keys are stable (see the module comment). */
export type DetectorSnapshot = Record<string, unknown>;

export interface BaselineView {
  serviceId: string;
  minuteOfWeek: number;
  /** Expected count in a window starting at that minute of week (seasonal × current level). */
  expectedPerWindow: number;
  expectedPerMinute: number;
  /** Upper band for such a window. */
  upperPerWindow: number;
  /** Windows of history behind it (prior included). */
  history: number;
}

export interface Detector {
  readonly config: DetectorConfig;
  /** Adds one signal. Returns why when it cannot be counted (late, from the future, invalid). */
  ingest(signal: SignalEvent): Rejection | undefined;
  /** Closes every window the watermark has passed. */
  advance(processingNowMs: number): DetectorOutput;
  /** End of a finite stream: closes every window that has data. */
  flushAll(processingNowMs: number): DetectorOutput;
  /**
   * `dedupe: false` leaves the reporter dedupe tables out (`dedupe:<id>`): a checkpoint writer
   * that writes them as deltas takes them from `dedupeTables()` instead. `text: true` gives each
   * `service:<id>` entry as its JSON text (a JsonText, the same JSON), its scorer's part kept from
   * the last time it was serialised until the scorer changes (a window of the service closes):
   * a checkpoint after every batch otherwise serialises every service's seasonal baseline again
   * though it changes once a window.
   */
  snapshot(options?: { dedupe?: boolean; text?: boolean }): DetectorSnapshot;
  /** From now on every service's dedupe table journals what is set in it (ReporterDedupe.changes). */
  journalDedupeChanges(): void;
  /** The reporter dedupe table of every service, sorted by service id. */
  dedupeTables(): [serviceId: string, table: ReporterDedupe][];
  /** Restores a snapshot into this (fresh) detector; created with the same config and lookups. */
  restore(snapshot: DetectorSnapshot): void;
  baselineFor(serviceId: string, minuteOfWeek: number): BaselineView;
  /** max event time - allowed lateness (undefined before the first signal). */
  watermark(): number | undefined;
  /** Every window that ends at or before this has been closed. */
  closedUpTo(): number | undefined;
  stats(): DetectorStats;
  openIncidents(): IncidentView[];
  /** Services seen so far, sorted. */
  serviceIds(): string[];
  /** Sizes of the bounded structures, for metrics and memory tests. */
  memory(): { services: number; dedupeEntries: number; openWindows: number; trends: ReturnType<HashtagTrends['sizes']> };
}

interface ServiceState {
  id: string;
  scorer: ServiceScorer;
  dedupe: ReporterDedupe;
  /** Open windows, ascending by start (one or two in practice). */
  windows: ServiceWindow[];
  /** Start of the first window not closed yet for this service. */
  nextStart: number;
  last: ServiceWindow | undefined;
  /** JSON of `scorer.toJSON()` as of the scorer's last change (undefined: changed since, or never serialised). */
  scorerText: string | undefined;
}

interface ServiceSnapshot {
  nextStart: number;
  scorer: ServiceScorerState;
  windows: ServiceWindowState[];
}

interface DetectorMeta {
  v: 1;
  windowMs: number;
  maxEventTime: number | null;
  clock: number | null;
  closedUpTo: number | null;
  lastActivityAt: number | null;
  clockAtActivity: number | null;
  ingestedSinceAdvance: boolean;
  stats: DetectorStats;
}

const emptyStats = (): DetectorStats => ({
  ingested: 0,
  counted: 0,
  duplicates: 0,
  notOutage: 0,
  late: 0,
  future: 0,
  invalid: 0,
  windowsClosed: 0,
  windowsSkipped: 0,
  scores: 0,
  incidentEvents: 0,
  trends: 0,
});

class DetectorCore implements Detector {
  readonly config: DetectorConfig;
  private readonly W: number;
  private readonly services = new Map<string, ServiceState>();
  private sorted: ServiceState[] | undefined;
  private incidents: IncidentManager;
  private trends: HashtagTrends;
  private maxEventTime: number | undefined;
  /** Event-time clock: max event time, pushed forward by processing time when idle. */
  private clock: number | undefined;
  private closed: number | undefined;
  private lastActivityAt: number | undefined;
  private clockAtActivity: number | undefined;
  private ingestedSinceAdvance = false;
  private counters: DetectorStats = emptyStats();
  private readonly dedupeGenerationMs: number;
  private journalDedupe = false;
  private readonly minConfidence: number;
  private readonly maxSamples: number;

  constructor(
    config: DetectorConfig,
    private readonly serviceInfo: ServiceInfoLookup,
    private readonly hashtagInfo: HashtagLookup,
  ) {
    this.config = config;
    this.W = config.windowMs;
    this.dedupeGenerationMs = config.dedupeMs + config.allowedLatenessMs + config.windowMs;
    this.minConfidence = config.minOutageConfidence;
    this.maxSamples = config.evidence.samplePostIds;
    this.incidents = this.newIncidentManager();
    this.trends = this.newTrends();
  }

  private newIncidentManager(): IncidentManager {
    return new IncidentManager(incidentManagerOptions(this.config, this.serviceInfo));
  }

  private newTrends(): HashtagTrends {
    const l = this.config.levels;
    return new HashtagTrends(this.config.trends, this.W, this.hashtagInfo, l.unusualLog10);
  }

  private priorFor(serviceId: string): number {
    const b = this.config.baseline;
    const catalog = this.serviceInfo(serviceId)?.baselinePerMinute;
    return (typeof catalog === 'number' && catalog > 0 ? catalog : b.defaultPriorPerMinute) * b.priorScale;
  }

  private scorerParams(serviceId: string) {
    return { windowMs: this.W, priorPerMinute: this.priorFor(serviceId), config: this.config };
  }

  private newService(id: string, nextStart: number, snap?: ServiceSnapshot, dedupe?: DedupeState): ServiceState {
    const s: ServiceState = {
      id,
      scorer: new ServiceScorer(this.scorerParams(id), snap?.scorer),
      dedupe: dedupe ? ReporterDedupe.fromJSON(this.config.dedupeMs, this.dedupeGenerationMs, dedupe) : new ReporterDedupe(this.config.dedupeMs, this.dedupeGenerationMs),
      windows: snap ? snap.windows.map((w) => ServiceWindow.fromJSON(w, this.config.evidence.hashtagCapacity)) : [],
      nextStart: snap?.nextStart ?? nextStart,
      last: undefined,
      scorerText: undefined,
    };
    if (this.journalDedupe) s.dedupe.journalChanges();
    this.services.set(id, s);
    this.sorted = undefined;
    return s;
  }

  private windowOf(svc: ServiceState, start: number): ServiceWindow {
    const last = svc.last;
    if (last !== undefined && last.start === start) return last;
    const ws = svc.windows;
    let i = ws.length - 1;
    while (i >= 0 && ws[i]!.start > start) i--;
    if (i >= 0 && ws[i]!.start === start) return (svc.last = ws[i]!);
    const w = new ServiceWindow(start, this.config.evidence.hashtagCapacity);
    ws.splice(i + 1, 0, w);
    return (svc.last = w);
  }

  ingest(s: SignalEvent): Rejection | undefined {
    const c = this.counters;
    c.ingested++;
    const at = s.at;
    if (typeof at !== 'number' || !(at >= 0) || !Number.isFinite(at) || typeof s.serviceId !== 'string' || !Array.isArray(s.hashtags)) {
      c.invalid++;
      return { code: 'INVALID_SIGNAL', reason: 'signal without a valid event time, service id or hashtag list' };
    }
    if (at > s.receivedAt + this.config.maxFutureSkewMs) {
      c.future++;
      return {
        code: 'FUTURE_EVENT',
        reason: `event time ${new Date(at).toISOString()} is more than ${this.config.maxFutureSkewMs / 1000} s after receivedAt ${new Date(s.receivedAt).toISOString()}: a skewed clock would move the watermark and make every other signal late`,
      };
    }
    if (this.closed !== undefined && at < this.closed) {
      c.late++;
      return {
        code: 'LATE_EVENT',
        reason: `event time ${new Date(at).toISOString()} falls in a window already scored (every window ending at or before ${new Date(this.closed).toISOString()} is closed; allowed lateness ${this.config.allowedLatenessMs / 1000} s)`,
      };
    }
    if (this.maxEventTime === undefined || at > this.maxEventTime) this.maxEventTime = at;
    if (this.clock === undefined || at > this.clock) this.clock = at;
    this.ingestedSinceAdvance = true;
    const ws = at - (at % this.W);
    let svc = this.services.get(s.serviceId);
    if (svc === undefined) svc = this.newService(s.serviceId, ws);
    else if (ws < svc.nextStart) svc.nextStart = ws;
    const win = this.windowOf(svc, ws);
    win.raw++;
    if (s.kind === 'report' || (s.outage === true && s.confidence >= this.minConfidence)) {
      const reporter = s.reporterHash;
      if (reporter === undefined || reporter === '' || svc.dedupe.admit(reporter, at)) {
        win.countSignal(s.problem, s.country, s.kind === 'report' ? undefined : s.sourceId, this.maxSamples);
        c.counted++;
      } else {
        c.duplicates++;
      }
    } else {
      c.notOutage++;
    }
    const tags = s.hashtags;
    if (tags.length > 0) {
      for (let i = 0; i < tags.length; i++) win.hashtags.add(tags[i]!, '');
      this.trends.add(tags, s.sourceId, s.serviceId, ws);
    }
    return undefined;
  }

  private sortedServices(): ServiceState[] {
    if (this.sorted === undefined) this.sorted = [...this.services.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sorted;
  }

  private emptyOutput(): DetectorOutput {
    return { scores: [], incidents: [], trends: [] };
  }

  private closeUpTo(target: number, nowMs: number): DetectorOutput {
    const out = this.emptyOutput();
    if (this.closed === undefined) {
      let first: number | undefined;
      for (const s of this.services.values()) if (first === undefined || s.nextStart < first) first = s.nextStart;
      const t = this.trends.openWindowStarts()[0];
      if (t !== undefined && (first === undefined || t < first)) first = t;
      if (first === undefined) return out;
      this.closed = first;
    }
    const services = this.sortedServices();
    const topK = this.config.evidence.topK;
    for (let ws = this.closed; ws + this.W <= target; ws += this.W) {
      ws = this.skipSilentGap(services, ws, target);
      if (ws + this.W > target) break;
      const we = ws + this.W;
      const scores: ScoreEvent[] = [];
      for (const svc of services) {
        if (svc.nextStart > ws) continue;
        let win: ServiceWindow | undefined;
        if (svc.windows.length > 0 && svc.windows[0]!.start === ws) {
          win = svc.windows.shift();
          if (svc.last === win) svc.last = undefined;
        }
        const v = svc.scorer.scoreWindow(ws, win?.count ?? 0);
        svc.scorerText = undefined;
        svc.nextStart = we;
        scores.push({
          serviceId: svc.id,
          windowStart: ws,
          windowEnd: we,
          count: v.count,
          rawCount: win?.raw ?? 0,
          expected: v.expected,
          upper: v.upper,
          score: v.score,
          level: v.level,
          evidence: win ? win.evidence(topK) : { problems: [], countries: [], hashtags: [], samplePostIds: [] },
          computedAt: nowMs,
        });
      }
      const incidents = this.incidents.processWindow(ws, we, scores, nowMs);
      const trends = this.trends.closeWindow(ws);
      for (const x of scores) out.scores.push(x);
      for (const x of incidents) out.incidents.push(x);
      for (const x of trends) out.trends.push(x);
      this.counters.windowsClosed++;
      this.closed = we;
    }
    if (target > this.closed) this.closed = target;
    this.counters.scores += out.scores.length;
    this.counters.incidentEvents += out.incidents.length;
    this.counters.trends += out.trends.length;
    return out;
  }

  /**
   * When event time jumps far ahead with nothing in between (a replay of 2021 followed by live
   * traffic, or a system that was down for a day), the windows in the gap held no signal of any
   * service at all. Scoring each of them (millions for a jump of years) would stall the detector
   * and teach the baselines zeros that are silence of the pipe, not of the users. So a stretch
   * longer than MAX_SILENT_GAP_MS without any data is skipped: the last MAX_SILENT_GAP_MS of it
   * are still scored as quiet windows, so incidents resolve and baselines see real quiet.
   */
  private skipSilentGap(services: ServiceState[], ws: number, target: number): number {
    if (target - ws <= MAX_SILENT_GAP_MS) return ws;
    let nextData = target;
    for (const svc of services) if (svc.windows.length > 0 && svc.windows[0]!.start < nextData) nextData = svc.windows[0]!.start;
    const t = this.trends.openWindowStarts()[0];
    if (t !== undefined && t < nextData) nextData = t;
    if (nextData - ws <= MAX_SILENT_GAP_MS) return ws;
    const skipTo = windowStartOf(nextData - MAX_SILENT_GAP_MS, this.W);
    if (skipTo <= ws) return ws;
    for (const svc of services) if (svc.nextStart < skipTo) svc.nextStart = skipTo;
    this.counters.windowsSkipped += (skipTo - ws) / this.W;
    this.closed = skipTo;
    return skipTo;
  }

  advance(processingNowMs: number): DetectorOutput {
    if (this.ingestedSinceAdvance || this.lastActivityAt === undefined) {
      if (this.ingestedSinceAdvance) {
        this.lastActivityAt = processingNowMs;
        this.clockAtActivity = this.clock;
      }
      this.ingestedSinceAdvance = false;
    } else if (this.config.idleTimeoutMs > 0 && this.clockAtActivity !== undefined && processingNowMs - this.lastActivityAt >= this.config.idleTimeoutMs) {
      // Nothing arrived for a while: assume event time keeps pace with the clock, so quiet
      // services still get their windows closed (and incidents resolved) in a live system.
      const estimate = this.clockAtActivity + (processingNowMs - this.lastActivityAt);
      if (this.clock === undefined || estimate > this.clock) this.clock = estimate;
    }
    const wm = this.watermark();
    if (wm === undefined) return this.emptyOutput();
    return this.closeUpTo(windowStartOf(wm, this.W), processingNowMs);
  }

  flushAll(processingNowMs: number): DetectorOutput {
    if (this.clock === undefined) return this.emptyOutput();
    return this.closeUpTo(windowStartOf(this.clock, this.W) + this.W, processingNowMs);
  }

  watermark(): number | undefined {
    return this.clock === undefined ? undefined : this.clock - this.config.allowedLatenessMs;
  }

  closedUpTo(): number | undefined {
    return this.closed;
  }

  stats(): DetectorStats {
    return { ...this.counters };
  }

  openIncidents(): IncidentView[] {
    return this.incidents.openIncidents();
  }

  serviceIds(): string[] {
    return this.sortedServices().map((s) => s.id);
  }

  memory() {
    let dedupeEntries = 0;
    let openWindows = 0;
    for (const s of this.services.values()) {
      dedupeEntries += s.dedupe.size;
      openWindows += s.windows.length;
    }
    return { services: this.services.size, dedupeEntries, openWindows, trends: this.trends.sizes() };
  }

  baselineFor(serviceId: string, minuteOfWeek: number): BaselineView {
    const svc = this.services.get(serviceId);
    const baseline = svc?.scorer.baseline ?? new SeasonalBaseline({ windowMs: this.W, priorPerMinute: this.priorFor(serviceId), config: this.config.baseline });
    const p = baseline.predictAt(minuteOfWeek + this.W / MINUTE_MS / 2);
    if (p === undefined) return { serviceId, minuteOfWeek, expectedPerWindow: 0, expectedPerMinute: 0, upperPerWindow: 0, history: 0 };
    const bandLog10 = this.config.levels.upperBandLog10;
    return {
      serviceId,
      minuteOfWeek,
      expectedPerWindow: p.expected,
      expectedPerMinute: p.expected / (this.W / MINUTE_MS),
      upperPerWindow: upperQuantile(p.expected, p.variance, bandLog10),
      history: p.history,
    };
  }

  journalDedupeChanges(): void {
    this.journalDedupe = true;
    for (const s of this.services.values()) s.dedupe.journalChanges();
  }

  dedupeTables(): [string, ReporterDedupe][] {
    return this.sortedServices().map((s) => [s.id, s.dedupe]);
  }

  snapshot(options: { dedupe?: boolean; text?: boolean } = {}): DetectorSnapshot {
    const withDedupe = options.dedupe ?? true;
    const out: DetectorSnapshot = {};
    const meta: DetectorMeta = {
      v: 1,
      windowMs: this.W,
      maxEventTime: this.maxEventTime ?? null,
      clock: this.clock ?? null,
      closedUpTo: this.closed ?? null,
      lastActivityAt: this.lastActivityAt ?? null,
      clockAtActivity: this.clockAtActivity ?? null,
      ingestedSinceAdvance: this.ingestedSinceAdvance,
      stats: { ...this.counters },
    };
    out.detector = meta;
    for (const s of this.sortedServices()) {
      if (options.text === true) {
        // Key for key what JSON.stringify makes of the ServiceSnapshot below.
        s.scorerText ??= JSON.stringify(s.scorer.toJSON());
        out[`service:${s.id}`] = new JsonText(`{"nextStart":${JSON.stringify(s.nextStart)},"scorer":${s.scorerText},"windows":${JSON.stringify(s.windows.map((w) => w.toJSON()))}}`);
      } else {
        const snap: ServiceSnapshot = { nextStart: s.nextStart, scorer: s.scorer.toJSON(), windows: s.windows.map((w) => w.toJSON()) };
        out[`service:${s.id}`] = snap;
      }
      if (withDedupe) out[`dedupe:${s.id}`] = s.dedupe.toJSON();
    }
    out.incidents = this.incidents.toJSON();
    const t = this.trends.snapshot();
    out.trends = t.meta;
    t.chunks.forEach((chunk, i) => (out[`trend-baselines:${i}`] = chunk));
    return out;
  }

  restore(snapshot: DetectorSnapshot): void {
    const meta = snapshot.detector as DetectorMeta | undefined;
    if (meta !== undefined) {
      if (meta.v !== 1) throw new Error(`detector snapshot: unknown version ${String(meta.v)}`);
      if (meta.windowMs !== this.W) throw new Error(`detector snapshot: taken with windowMs ${meta.windowMs}, this detector uses ${this.W}`);
      this.maxEventTime = meta.maxEventTime ?? undefined;
      this.clock = meta.clock ?? undefined;
      this.closed = meta.closedUpTo ?? undefined;
      this.lastActivityAt = meta.lastActivityAt ?? undefined;
      this.clockAtActivity = meta.clockAtActivity ?? undefined;
      this.ingestedSinceAdvance = meta.ingestedSinceAdvance;
      this.counters = { ...emptyStats(), ...meta.stats };
    }
    for (const [key, value] of Object.entries(snapshot)) {
      if (!key.startsWith('service:')) continue;
      const id = key.slice('service:'.length);
      this.services.delete(id);
      this.newService(id, 0, value as ServiceSnapshot, snapshot[`dedupe:${id}`] as DedupeState | undefined);
    }
    if (snapshot.incidents !== undefined) {
      this.incidents = this.newIncidentManager();
      this.incidents.restore(snapshot.incidents as IncidentManagerState);
    }
    const tm = snapshot.trends as TrendsMeta | undefined;
    if (tm !== undefined) {
      const chunks: TrendBaselineChunk[] = [];
      for (let i = 0; i < tm.baselineChunks; i++) {
        const chunk = snapshot[`trend-baselines:${i}`];
        if (!Array.isArray(chunk)) throw new Error(`detector snapshot: trend-baselines:${i} is missing`);
        chunks.push(chunk as TrendBaselineChunk);
      }
      this.trends = this.newTrends();
      this.trends.restore(tm, chunks);
    }
  }
}

/**
 * Creates a detector. `serviceInfo` gives the catalog facts (family, provider, category,
 * dependsOn, baselinePerMinute); `hashtagInfo` says which service a hashtag is about.
 */
export function createDetector(
  config: DeepPartial<DetectorConfig> = {},
  serviceInfo: ServiceInfoLookup = noServiceInfo,
  hashtagInfo: HashtagLookup = noHashtagInfo,
): Detector {
  return new DetectorCore(resolveDetectorConfig(config), serviceInfo, hashtagInfo);
}
