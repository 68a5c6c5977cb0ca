/**
 * Replays one scenario through the detector core at full speed, in EVENT time, and keeps what the
 * evaluation needs (evaluate.ts): per service its level transitions, every incident event, the
 * trending hashtags, the detector's counters.
 *
 * It reproduces the production path without the I/O between the steps:
 * - reports become ReportEvents the way ingest / the replay's Kafka target make them
 *   (receivedAt = the time they reach the system, reporterHash from the reporter id: an identity
 *   hash, which keeps the first-report-per-reporter rule exactly as a salted hash does);
 * - signals come from services/nlp's `signalForReport` / `signalsForPost`, as in ingest;
 * - processing time is the emission time: a late event arrives late, and the detector's
 *   watermark, allowed lateness and DLQ see it exactly as a live consumer would;
 * - `advance(now)` runs on a processing-time tick (default every second), like the consumer's
 *   batch loop and timer, so a window is scored as soon as the watermark passes its end.
 */
import type { Catalog } from '../../../schemas/catalog/index';
import { generateEvents, loadLabels, loadScenario } from '@downradar/replay';
import { reportEvent } from '@downradar/common/report-event';
import type { ScoreEvent, SignalEvent } from '../../../schemas/events/index';
import type { Scenario } from '../../../schemas/scenario/index';
import { createDetector, hashtagLookup, serviceInfoLookup, type DeepPartial, type DetectorConfig, type DetectorOutput, type DetectorStats } from '@downradar/detector';
import type { SignalSource } from './memo-understanding';
import { evaluateScenario, parseUtcMs, type BandSample, type LevelChange, type Observed, type ObservedTrend, type ScenarioEvaluation } from './evaluate';

export interface RunScenarioOptions {
  catalog: Catalog;
  /** services/nlp's Understanding (or memoizeUnderstanding of it). */
  understanding: SignalSource;
  /** Rate multiplier of the scenario; default its defaultScale. The detector's priorScale follows it. */
  scale?: number;
  from?: number | string;
  to?: number | string;
  /** Overrides of the detector config (priorScale is set from the scale unless given here). */
  detector?: DeepPartial<DetectorConfig>;
  /** Processing-time step between advance() calls. */
  tickMs?: number;
  /** Windows whose band (expected, upper) to keep in Observed.bands (criterion 4, evaluate.ts bandProbes). */
  bandWindows?: readonly { serviceId: string; windowStart: number }[];
  /** Sees every detector output as it comes (for tracing a run; the evaluation needs none). */
  onOutput?: (output: DetectorOutput) => void;
}

export interface RunStats {
  reports: number;
  posts: number;
  signals: number;
  detector: DetectorStats;
  elapsedMs: number;
  /** CPU time of the run (user + system), ms: comparable across loaded and idle machines. */
  cpuMs: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** The event-time span a run covers: the scenario's, cut to from / to. */
export function replayedSpan(scenario: Scenario, opts: Pick<RunScenarioOptions, 'from' | 'to'>): { from: number; to: number } {
  const ms = (v: number | string) => (typeof v === 'number' ? v : parseUtcMs(v));
  const from = Math.max(parseUtcMs(scenario.start), opts.from !== undefined ? ms(opts.from) : -Infinity);
  const to = Math.min(parseUtcMs(scenario.end), opts.to !== undefined ? ms(opts.to) : Infinity);
  return { from, to };
}

export function runScenario(scenario: Scenario, opts: RunScenarioOptions): { observed: Observed; stats: RunStats } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const scale = opts.scale ?? scenario.defaultScale;
  const tickMs = opts.tickMs ?? 1000;
  const config: DeepPartial<DetectorConfig> = { ...opts.detector, baseline: { priorScale: scale, ...opts.detector?.baseline } };
  const detector = createDetector(config, serviceInfoLookup(opts.catalog), hashtagLookup(opts.catalog));
  const { understanding } = opts;

  const levels = new Map<string, ScoreEvent['level']>();
  const changes: LevelChange[] = [];
  const incidents: Observed['incidents'] = [];
  const trends: ObservedTrend[] = [];
  let lastEmitAt = 0;
  const wanted = opts.bandWindows === undefined ? undefined : new Set(opts.bandWindows.map((w) => `${w.serviceId}@${w.windowStart}`));
  const bands: BandSample[] = [];
  const collect = (o: DetectorOutput) => {
    opts.onOutput?.(o);
    for (const s of o.scores) {
      if (wanted?.has(`${s.serviceId}@${s.windowStart}`)) bands.push({ serviceId: s.serviceId, windowStart: s.windowStart, expected: s.expected, upper: s.upper });
      const before = levels.get(s.serviceId) ?? 'ok';
      if (s.level === before) continue;
      levels.set(s.serviceId, s.level);
      changes.push({ serviceId: s.serviceId, windowStart: s.windowStart, windowEnd: s.windowEnd, emittedAt: s.computedAt, from: before, to: s.level, count: s.count, expected: s.expected });
    }
    for (const e of o.incidents) incidents.push(e);
    for (const t of o.trends) {
      if (!t.trending) continue;
      const trend: ObservedTrend = { hashtag: t.hashtag, windowStart: t.windowStart, windowEnd: t.windowEnd, count: t.count, burst: t.burst };
      if (t.serviceId !== undefined) trend.serviceId = t.serviceId;
      trends.push(trend);
    }
  };

  const counts = { reports: 0, posts: 0, signals: 0 };
  let nextTick: number | undefined;
  const ingest = (s: SignalEvent) => {
    counts.signals++;
    detector.ingest(s);
  };
  for (const e of generateEvents(scenario, { scale, ...(opts.from !== undefined ? { from: opts.from } : {}), ...(opts.to !== undefined ? { to: opts.to } : {}) })) {
    const now = e.emitAt;
    nextTick ??= now - (now % tickMs) + tickMs;
    while (nextTick <= now) {
      collect(detector.advance(nextTick));
      nextTick += tickMs;
    }
    lastEmitAt = now;
    if (e.kind === 'report') {
      counts.reports++;
      // The reporter id stands in for its salted hash: an identity hash keeps "same reporter or not".
      ingest(understanding.signalForReport(reportEvent(e.report, { receivedAt: now, source: 'replay', hashReporter: (id) => id })));
    } else {
      counts.posts++;
      for (const s of understanding.signalsForPost(e.post, now)) ingest(s);
    }
  }
  // End of the stream: let the clock run past the last window, then close what has data.
  if (nextTick !== undefined) {
    const end = lastEmitAt + detector.config.allowedLatenessMs + detector.config.windowMs;
    while (nextTick <= end) {
      collect(detector.advance(nextTick));
      nextTick += tickMs;
    }
    collect(detector.flushAll(end));
  }
  const span = replayedSpan(scenario, opts);
  const observed: Observed = {
    scenarioId: scenario.id,
    scale,
    from: span.from,
    to: span.to,
    changes,
    incidents,
    trends,
  };
  if (wanted !== undefined) observed.bands = bands;
  return { observed, stats: { ...counts, detector: detector.stats(), elapsedMs: performance.now() - started, cpuMs: cpuMsSince(cpu) } };
}

/** Loads a shipped scenario and its labels, replays it and evaluates it. */
export function replayAndEvaluate(scenarioId: string, opts: RunScenarioOptions): { evaluation: ScenarioEvaluation; observed: Observed; stats: RunStats } {
  const { observed, stats } = runScenario(loadScenario(scenarioId), opts);
  return { evaluation: evaluateScenario(loadLabels(scenarioId), observed), observed, stats };
}
