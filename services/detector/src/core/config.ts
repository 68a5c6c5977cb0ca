/**
 * The detector's tunables, their defaults and why they are what they are.
 *
 * Every duration is in milliseconds of EVENT time; every count threshold is stated per minute
 * and scaled to the window length, so that changing the window from 1 minute to 10 s or 15 min
 * keeps the same meaning. `resolveDetectorConfig` validates and fills in a partial config; a wrong
 * value fails loudly with the field's path, because a silently clamped threshold would make an
 * evaluation meaningless.
 */
import { DAY_MS, MINUTE_MS } from './time';

export interface BaselineConfig {
  /** Reports per minute assumed for a service the catalog gives no `baselinePerMinute` for. */
  defaultPriorPerMinute: number;
  /** Multiplies every prior: a replay at 1/100 of full volume runs with priorScale 0.01. */
  priorScale: number;
  /**
   * How wide the prior on the service's rate is, in the reports a Gamma prior of that width is worth:
   * the prior is normal on the log of the rate, centred on the catalog's figure, with the log-variance
   * ψ'(priorReports) of a Gamma(priorReports) rate (baseline.ts). 0.5: ψ' = 4.93, one standard
   * deviation a factor of nine, a figure that may be off by ten either way; the service's own first
   * reports outweigh it at once.
   */
  priorReports: number;
  /** Minutes of data an hour-of-day slot is worth before it outweighs the service mean. */
  daySlotShrinkMinutes: number;
  /** Minutes of data an hour-of-week slot is worth before it outweighs the hour-of-day slot. */
  weekSlotShrinkMinutes: number;
  /** How little we trust an unlearnt time-of-day shape, as a relative standard deviation. */
  shapeRelativeSd: number;
  /**
   * The time-of-day and day-of-week slots learn a window only this long after it happened, so an
   * anomaly never feeds its own baseline (a two-hour slow degradation would otherwise become "normal
   * for Wednesday 15:00" while it happens). 20 h keeps yesterday's same hour in today's profile.
   */
  profileDelayMinutes: number;
  /** Memory of the service-wide mean. */
  meanMemoryMinutes: number;
  /** Memory of the 24 hour-of-day slots, in days. */
  dayMemoryDays: number;
  /** Memory of the 168 hour-of-week slots, in weeks (Downdetector uses months of history). */
  weekMemoryWeeks: number;
  /** Horizon of the recent-level factor (a short EWMA of observed / seasonal). */
  levelHorizonMinutes: number;
  /** Pseudo-counts that keep the level factor at 1 for services too small to estimate it. */
  levelPseudoCount: number;
  /** Clamp of the level factor while the time-of-day shape is unknown (it must stand in for the daily rhythm). */
  levelMin: number;
  levelMax: number;
  /** Clamp once the shape is learnt: a day busier or quieter than this is news, not baseline. */
  levelMatureMin: number;
  levelMatureMax: number;
  /** Over-dispersion φ (variance = μ + φμ²): prior, clamp, learning horizon and prior weight. */
  dispersionPrior: number;
  dispersionMin: number;
  dispersionMax: number;
  dispersionHorizonMinutes: number;
  dispersionPriorMinutes: number;
  /** Floor of the expected count per window: a baseline of exactly 0 would make any report infinitely unlikely. */
  minExpectedPerWindow: number;
  /**
   * A baseline learns nothing while its series is flagged (warning or danger, or the evidence
   * episode held), except while it has less than matureMinutes of history: it cannot yet tell an
   * anomaly from its own ignorance. (A live service also weighs each window by how plausible it is,
   * and a warning retracts its level factor's last windows: scorer.ts.)
   */
  matureMinutes: number;
  /** And an anomaly that lasts longer than this is the new normal: learning resumes. */
  maxAnomalyMinutes: number;
}

export interface LevelConfig {
  /** Upper band = the (1 - 10^-upperBandLog10) quantile: what the dashboard draws as "typical" (3 = 99.9 %). */
  upperBandLog10: number;
  /**
   * u0: a window whose calibrated evidence reaches this (decades; 2 = p <= 1 %) is unusual. An
   * evidence episode starts there, ends after calibration.episodeGapMs below it, and the baseline learns the
   * count of a window clipped at this band.
   */
  unusualLog10: number;
  /** Warning when the calibrated evidence (the scan, see evidence.ts) reaches this. */
  warningLog10: number;
  /**
   * Danger: a warning, and evidence at the unusual level that the rate is at least dangerRatio
   * times the expected one over a span of two windows or more: "problems detected" is height and duration.
   */
  dangerRatio: number;
  /**
   * Design ratios of the CUSUMs beside the scan (cusum.ts; count series only): each is the optimal
   * sequential test for a rise to that many times the baseline, with no horizon. [] = scan only.
   */
  cusumRatios: number[];
  /** Longest span of the scan, in windows: the sums of the last 1, 2, 4, ... scanMaxWindows windows are tested. */
  scanMaxWindows: number;
  /** Counted reports the evidence span must hold before a warning or danger (0: no minimum, as in the batch CLI). */
  minReports: number;
  /**
   * A service returns to ok after this long with its recent windows back within the band: every
   * span of the scan that fits in this period (the last 1, 2, 4, 8 windows for 10 one-minute
   * windows; for a service that expects less than one report in it, the spans up to the one that
   * expects one) below the unusual line. Only spans this recent: the longer sums still hold the
   * outage's windows for up to scanMaxWindows after the rates are back, and would keep an incident
   * open half an hour longer than the evidence says.
   */
  resolveAfterMs: number;
  /** Hysteresis: danger drops to warning only after this long without evidence against the danger band. */
  dangerDowngradeAfterMs: number;
}

export interface CalibrationConfig {
  /** Pseudo-episodes at the calibrated values that a series' own record must outweigh (evidence.ts). */
  priorEpisodes: number;
  /** Memory of the record of evidence episodes. */
  memoryDays: number;
  /**
   * An evidence episode (the calibration's record, the batch CLI's event-level output, a batch
   * series' learning freeze) ends after this long with the whole scan below the unusual line.
   */
  episodeGapMs: number;
}

export interface EvidenceConfig {
  /** Entries per list (problems, countries, hashtags) in a ScoreEvent. */
  topK: number;
  samplePostIds: number;
  /** Space-Saving capacity of the per-service, per-window hashtag counter. */
  hashtagCapacity: number;
}

export interface IncidentConfig {
  /** Related services (provider, dependency) join an incident when they spike within this of its latest primary onset. */
  correlationWindowMs: number;
  /** An unchanged open incident is re-announced with its peaks at most this often. */
  updateEveryMs: number;
  /** An unrelated spike is collateral while an incident with at least this many primaries is open. */
  collateralMinPrimaries: number;
  /** Categories whose spikes during a big incident are collateral (users blaming their connection). */
  collateralCategories: string[];
}

export interface TrendConfig {
  /** Space-Saving capacity per open window: the memory bound of trend counting. */
  topK: number;
  /** At most this many TrendEvents per window (the largest counts). */
  maxPerWindow: number;
  /** A hashtag needs this many (guaranteed) posts per minute, scaled by sqrt(window minutes), to be reported. */
  minCountPerMinute: number;
  /** trending when the evidence of the count against the hashtag's own baseline reaches this (decades). */
  trendingLog10: number;
  /** Bounded LRU of per-hashtag baselines. */
  baselineCapacity: number;
  /** Prior rate of an unseen hashtag, posts per minute. */
  priorPerMinute: number;
  /** Windows of history a hashtag baseline is worth before it outweighs the prior, in minutes. */
  priorStrengthMinutes: number;
  /** EWMA horizon of a hashtag's baseline. */
  horizonMinutes: number;
  /** Over-dispersion of hashtag counts (bursty by nature). */
  dispersion: number;
  /** Only hashtags with at least this guaranteed count in a window update (or create) a baseline. */
  baselineMinCount: number;
  /** Slots of the recent-source cache that makes one post's hashtags count once, however many services it names. */
  sourceMemory: number;
}

export interface DetectorConfig {
  windowMs: number;
  /** Watermark = max event time seen - allowedLatenessMs; later events go to the DLQ as LATE_EVENT. */
  allowedLatenessMs: number;
  /** With no signal at all for this long (processing time), event time is assumed to keep pace with the clock; 0 = never. */
  idleTimeoutMs: number;
  /** Signals claiming to be this far ahead of their receivedAt go to the DLQ as FUTURE_EVENT. */
  maxFutureSkewMs: number;
  /** Only the first report per reporter per service per this long counts. */
  dedupeMs: number;
  /** Posts count toward the outage count only when outage = true and confidence >= this. Reports always count. */
  minOutageConfidence: number;
  baseline: BaselineConfig;
  levels: LevelConfig;
  calibration: CalibrationConfig;
  evidence: EvidenceConfig;
  incidents: IncidentConfig;
  trends: TrendConfig;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Defaults. The ones that matter most (the README's detection section lists every knob):
 * - windowMs 1 min: the 2-minute detection target leaves room for two windows, and duration
 *   is what separates an outage from noise.
 * - allowedLatenessMs 15 s: ingest to Kafka to detector takes well under a second, social APIs a
 *   few seconds; 15 s keeps the live alert at most window + 15 s behind the events, while an event
 *   later than that is still never lost (DLQ with the reason).
 * - unusualLog10 2: an evidence episode starts at p <= 1 %.
 * - warningLog10 7: calibrated evidence of 1e-7 per window. 40 services watched for a week are
 *   400,000 windows, so a calibrated detector gives about 0.04 false warnings a week there, and one
 *   per service every 19 years of minutes; the self-calibration (evidence.ts) discounts the
 *   evidence of a series whose own record shows heavier tails than its model.
 * - dangerRatio 3: danger is a warning plus evidence (p <= 1 %) that the rate is at least three
 *   times the expected one, over two windows or more.
 * - scanMaxWindows 32: spans of 1 to 32 minutes, from a spike to a half-hour ramp.
 * - cusumRatios []: the CUSUM beside the scan (cusum.ts) is off by default. With [8] (one test for
 *   a rise to eight times the baseline) whatsapp of single-country@0.01 warns at 2.0x the oracle
 *   instead of never, and families seeds 1-50 miss 4 incidents instead of 6, but they raise 14 false
 *   incidents instead of 3 (the issue's rule: families' false incidents must not rise); [2, 4, 8]
 *   raised 85 (the small ratios accumulate a busy service's ordinary misfit). README, detection.
 * - minReports 5: five reporters, not one family's group chat, before a warning.
 * - calibration: priorEpisodes 3, memory 28 days (the length of the hour-of-week profile's memory),
 *   an evidence episode ends after 15 min below the unusual line.
 * - resolveAfterMs 10 min: back to ok ten minutes after the recent windows are back within the band.
 */
export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  windowMs: MINUTE_MS,
  allowedLatenessMs: 15_000,
  idleTimeoutMs: 60_000,
  maxFutureSkewMs: 5 * MINUTE_MS,
  dedupeMs: 15 * MINUTE_MS,
  minOutageConfidence: 0,
  baseline: {
    defaultPriorPerMinute: 0.2,
    priorScale: 1,
    priorReports: 0.5,
    daySlotShrinkMinutes: 30,
    weekSlotShrinkMinutes: 60,
    shapeRelativeSd: 0.5,
    profileDelayMinutes: 20 * 60,
    meanMemoryMinutes: 7 * 24 * 60,
    dayMemoryDays: 14,
    weekMemoryWeeks: 4,
    levelHorizonMinutes: 60,
    levelPseudoCount: 5,
    levelMin: 1 / 3,
    levelMax: 3,
    levelMatureMin: 0.5,
    levelMatureMax: 2,
    dispersionPrior: 0.05,
    dispersionMin: 0.01,
    dispersionMax: 1,
    dispersionHorizonMinutes: 24 * 60,
    dispersionPriorMinutes: 240,
    minExpectedPerWindow: 0.01,
    matureMinutes: 24 * 60,
    maxAnomalyMinutes: 24 * 60,
  },
  levels: {
    upperBandLog10: 3,
    unusualLog10: 2,
    warningLog10: 7,
    dangerRatio: 3,
    cusumRatios: [],
    scanMaxWindows: 32,
    minReports: 5,
    resolveAfterMs: 10 * MINUTE_MS,
    dangerDowngradeAfterMs: 5 * MINUTE_MS,
  },
  calibration: { priorEpisodes: 3, memoryDays: 28, episodeGapMs: 15 * MINUTE_MS },
  evidence: { topK: 5, samplePostIds: 5, hashtagCapacity: 16 },
  incidents: {
    correlationWindowMs: 10 * MINUTE_MS,
    updateEveryMs: 15 * MINUTE_MS,
    collateralMinPrimaries: 2,
    collateralCategories: ['telecom', 'isp', 'mobile'],
  },
  trends: {
    topK: 4096,
    maxPerWindow: 50,
    minCountPerMinute: 10,
    trendingLog10: 6,
    baselineCapacity: 50_000,
    priorPerMinute: 0.5,
    priorStrengthMinutes: 30,
    horizonMinutes: 6 * 60,
    dispersion: 0.2,
    baselineMinCount: 2,
    sourceMemory: 8_192,
  },
};

/** A setting out of its range; `path` names it (`windowMs`, `baseline.priorScale`, ...). */
export class DetectorConfigError extends Error {
  override readonly name = 'DetectorConfigError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, patch: unknown, path: string): T {
  if (patch === undefined) return structuredClone(base);
  if (!isPlainObject(base)) return patch as T;
  if (!isPlainObject(patch)) throw new DetectorConfigError(`detector config: ${path || '(root)'} must be an object`, path);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(patch)) {
    if (!(key in base)) throw new DetectorConfigError(`detector config: unknown field ${path ? `${path}.` : ''}${key}`, path ? `${path}.${key}` : key);
  }
  for (const [key, value] of Object.entries(base)) {
    out[key] = merge(value, patch[key], path ? `${path}.${key}` : key);
  }
  return out as T;
}

function check(ok: boolean, path: string, rule: string, value: unknown): void {
  if (!ok) throw new DetectorConfigError(`detector config: ${path} must be ${rule}, got ${JSON.stringify(value)}`, path);
}

const positive = (v: number) => Number.isFinite(v) && v > 0;
const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;

/** Fills in defaults and validates; throws DetectorConfigError naming the field. */
export function resolveDetectorConfig(partial: DeepPartial<DetectorConfig> = {}): DetectorConfig {
  const c = merge(DEFAULT_DETECTOR_CONFIG, partial, '');
  check(
    Number.isInteger(c.windowMs) && c.windowMs >= 10_000 && c.windowMs <= 15 * MINUTE_MS && c.windowMs % 1000 === 0 && DAY_MS % c.windowMs === 0,
    'windowMs',
    'whole seconds between 10 s and 15 min that divide a day (windows align to the clock)',
    c.windowMs,
  );
  check(nonNegative(c.allowedLatenessMs) && c.allowedLatenessMs <= DAY_MS, 'allowedLatenessMs', 'between 0 and one day', c.allowedLatenessMs);
  check(nonNegative(c.idleTimeoutMs), 'idleTimeoutMs', '>= 0', c.idleTimeoutMs);
  check(positive(c.maxFutureSkewMs), 'maxFutureSkewMs', '> 0', c.maxFutureSkewMs);
  check(positive(c.dedupeMs), 'dedupeMs', '> 0', c.dedupeMs);
  check(c.minOutageConfidence >= 0 && c.minOutageConfidence <= 1, 'minOutageConfidence', 'in [0, 1]', c.minOutageConfidence);
  const b = c.baseline;
  for (const k of ['defaultPriorPerMinute', 'priorScale', 'priorReports', 'meanMemoryMinutes', 'dayMemoryDays', 'weekMemoryWeeks', 'levelHorizonMinutes', 'dispersionHorizonMinutes', 'minExpectedPerWindow'] as const) {
    check(positive(b[k]), `baseline.${k}`, '> 0', b[k]);
  }
  for (const k of ['profileDelayMinutes', 'daySlotShrinkMinutes', 'weekSlotShrinkMinutes', 'shapeRelativeSd', 'levelPseudoCount', 'dispersionPriorMinutes', 'matureMinutes', 'maxAnomalyMinutes'] as const) {
    check(nonNegative(b[k]), `baseline.${k}`, '>= 0', b[k]);
  }
  check(
    positive(b.levelMin) && b.levelMin <= b.levelMatureMin && b.levelMatureMin <= 1 && b.levelMatureMax >= 1 && b.levelMax >= b.levelMatureMax,
    'baseline.level*',
    'levelMin <= levelMatureMin <= 1 <= levelMatureMax <= levelMax',
    [b.levelMin, b.levelMatureMin, b.levelMatureMax, b.levelMax],
  );
  check(nonNegative(b.dispersionMin) && b.dispersionMin <= b.dispersionPrior && b.dispersionPrior <= b.dispersionMax, 'baseline.dispersion*', 'dispersionMin <= dispersionPrior <= dispersionMax, all >= 0', [b.dispersionMin, b.dispersionPrior, b.dispersionMax]);
  const l = c.levels;
  for (const k of ['upperBandLog10', 'unusualLog10', 'warningLog10', 'resolveAfterMs', 'dangerDowngradeAfterMs'] as const) {
    check(positive(l[k]), `levels.${k}`, '> 0', l[k]);
  }
  check(l.unusualLog10 < l.warningLog10, 'levels.unusualLog10/warningLog10', 'increasing', [l.unusualLog10, l.warningLog10]);
  check(Number.isFinite(l.dangerRatio) && l.dangerRatio >= 1, 'levels.dangerRatio', '>= 1', l.dangerRatio);
  check(Array.isArray(l.cusumRatios) && l.cusumRatios.length <= 8 && l.cusumRatios.every((r) => Number.isFinite(r) && r > 1), 'levels.cusumRatios', 'a list of at most 8 ratios > 1', l.cusumRatios);
  check(Number.isInteger(l.scanMaxWindows) && l.scanMaxWindows >= 1 && l.scanMaxWindows <= 1024, 'levels.scanMaxWindows', 'an integer in [1, 1024]', l.scanMaxWindows);
  check(nonNegative(l.minReports), 'levels.minReports', '>= 0', l.minReports);
  const cal = c.calibration;
  check(nonNegative(cal.priorEpisodes) && cal.priorEpisodes > 0, 'calibration.priorEpisodes', '> 0', cal.priorEpisodes);
  check(positive(cal.memoryDays), 'calibration.memoryDays', '> 0', cal.memoryDays);
  check(positive(cal.episodeGapMs), 'calibration.episodeGapMs', '> 0', cal.episodeGapMs);
  const e = c.evidence;
  for (const k of ['topK', 'samplePostIds', 'hashtagCapacity'] as const) check(Number.isInteger(e[k]) && e[k] >= 1 && e[k] <= 1000, `evidence.${k}`, 'an integer in [1, 1000]', e[k]);
  const i = c.incidents;
  check(positive(i.correlationWindowMs), 'incidents.correlationWindowMs', '> 0', i.correlationWindowMs);
  check(positive(i.updateEveryMs), 'incidents.updateEveryMs', '> 0', i.updateEveryMs);
  check(Number.isInteger(i.collateralMinPrimaries) && i.collateralMinPrimaries >= 1, 'incidents.collateralMinPrimaries', 'an integer >= 1', i.collateralMinPrimaries);
  check(Array.isArray(i.collateralCategories) && i.collateralCategories.every((x) => typeof x === 'string'), 'incidents.collateralCategories', 'a list of strings', i.collateralCategories);
  const t = c.trends;
  for (const k of ['topK', 'maxPerWindow', 'baselineCapacity', 'sourceMemory'] as const) check(Number.isInteger(t[k]) && t[k] >= 1, `trends.${k}`, 'an integer >= 1', t[k]);
  for (const k of ['minCountPerMinute', 'priorPerMinute', 'horizonMinutes'] as const) check(positive(t[k]), `trends.${k}`, '> 0', t[k]);
  for (const k of ['priorStrengthMinutes', 'dispersion', 'baselineMinCount'] as const) check(nonNegative(t[k]), `trends.${k}`, '>= 0', t[k]);
  check(positive(t.trendingLog10), 'trends.trendingLog10', '> 0', t.trendingLog10);
  return c;
}

/** Minimum count per window for a per-minute threshold: noise grows like the square root of the window. */
export function minCountForWindow(perMinute: number, windowMs: number): number {
  return Math.max(perMinute > 0 ? 3 : 0, Math.ceil(perMinute * Math.sqrt(windowMs / MINUTE_MS)));
}
