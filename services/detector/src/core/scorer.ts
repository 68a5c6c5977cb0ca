/**
 * ServiceScorer: everything that happens to one service's closed window, and nothing that needs
 * another service. It is the partitionable unit: signals are keyed by service id, so a detector
 * instance that owns a partition owns its services' scorers, and two instances produce the same
 * per-service scores as one. The batch CLI drives the very same class row by row.
 *
 * Per window: predict (baseline) → evidence (the scan of evidence.ts) → self-calibration → level →
 * learn. Learning comes last, so a window is never judged by a baseline that has already seen it
 * (strict causality, which the CLI's prefix test relies on), and the calibration records a window
 * only after calibrating it.
 *
 * Two models:
 * - count (reports per window; the live detector and count series in the CLI): the seasonal
 *   baseline of baseline.ts and a negative binomial for the count, evidence against the upper tail
 *   (direction 'up': fewer reports than usual is not an outage) or both tails ('both');
 * - metric (any other numeric series, CLI): metric-baseline.ts, Gaussian, both tails; beside the
 *   residual, a value outside every value the series has had (a record, records.ts) is evidence,
 *   joined to the calibrated evidence by the exact tail of their sum.
 *
 * What the baseline learns; every learnt count is first clipped at the unusual band (1 %):
 * - a live service (it has a catalog prior; rises are trouble) learns each window in proportion to
 *   how plausible the window's own count is: weight 1 up to the unusual line u0, 10^(u0 - E1)
 *   above it (E1 = the window's own calibrated evidence). A busy service's outage windows weigh
 *   next to nothing; a small service's (a few reports where one is expected: each window only
 *   mildly implausible) do not, hence the rule for mature baselines below. A rate merely higher
 *   than the prior said, window after window (each plausible on its own), is learnt. Once its
 *   baseline is mature (matureMinutes of history), it learns nothing while flagged (warning,
 *   danger, or the evidence episode held), as a batch series, until the anomaly has lasted
 *   maxAnomalyMinutes; and the warning retracts what the level factor (the
 *   fast, last-hour part) learnt from the windows that led up to it, back to its sums before the
 *   episode's first window (up to scanMaxWindows back): a ramp whose windows were each plausible
 *   on their own is an outage's first part, not the service's new level (issue 12's criterion 4:
 *   the band an hour after an outage is the band before it).
 * - a batch series (no prior, any metric) learns nothing while it is flagged (warning or danger),
 *   unless it is younger than matureMinutes (it cannot yet tell an anomaly from its own
 *   ignorance) or the anomaly has lasted longer than maxAnomalyMinutes (the new normal); every
 *   other window is learnt whole: a pattern it has not seen becomes its own.
 * The over-dispersion (count model) is learnt only from windows with no evidence and no episode.
 * A window that is not learnt still moves the profile's delay line (baseline.ts `skip`): the hours
 * it releases were learnt a day ago. Without that, a freeze also held back yesterday's evening
 * from the slots, the baseline stayed at the afternoon's, the long spans stayed unusual, and the
 * episode (hence the freeze) never ended: att in fb-2021-10-04, frozen from 15:45 to the end of
 * the replay, warned again at 00:30 on a flat afternoon baseline.
 */
import type { Level } from '../../../../schemas/events/index';
import { SeasonalBaseline, type BaselineState, type Prediction } from './baseline';
import type { DetectorConfig } from './config';
import { CountCusum, type CusumState } from './cusum';
import { evidenceLog10, lnLowerTail, LN10, upperQuantile } from './distributions';
import { EpisodeReporter, EvidenceCalibration, gaussianTwoSidedLog10, gaussianUpperLog10, scoreFromEvidence, type CalibrationState, type ReporterState } from './evidence';
import { LevelTracker, type LevelState } from './levels';
import { MetricBaseline, type MetricBaselineState } from './metric-baseline';
import { RecordRange, withRecordLog10, type RecordRangeState } from './records';
import { DAY_MS, MINUTE_MS } from './time';

export type SeriesModel = 'count' | 'metric';
export type Direction = 'up' | 'both';

export interface WindowVerdict {
  windowStart: number;
  windowEnd: number;
  count: number;
  /** Expected count under the baseline (0 when there is no baseline yet). */
  expected: number;
  /** Counts above this are unusual (the upper band). */
  upper: number;
  /** Scan evidence before calibration (decades). */
  rawEvidence: number;
  /** Calibrated evidence (decades): what levels, incidents and the score use. */
  evidence: number;
  /** Calibrated evidence against dangerRatio × expected over two windows or more. */
  dangerEvidence: number;
  /** Event-level evidence: `evidence` when this window starts an episode or doubles it with fresh evidence (evidence.ts), else 0. */
  eventEvidence: number;
  /** scoreFromEvidence(evidence): the window's score in [0, 1). */
  score: number;
  /** scoreFromEvidence(eventEvidence): the batch CLI's anomaly_score. */
  eventScore: number;
  level: Level;
  previousLevel: Level;
  /** Start of the first window of the current episode, when not ok. */
  episodeStart: number | null;
  prediction: Prediction | undefined;
}

export interface ServiceScorerState {
  baseline?: BaselineState;
  metric?: MetricBaselineState;
  levels: LevelState;
  /** Last windows for the scan, oldest first: [count, expected, independent variance] each. */
  recent?: number[];
  /** Per window of `recent`: the relative variance of the rate, shared by a span (baseline.ts). */
  recentRate?: number[];
  calibration?: CalibrationState;
  reporter?: ReporterState;
  /** Windows the current anomaly has lasted (for maxAnomalyMinutes). */
  anomalyWindows?: number;
  /** The level factor's sums before each recent window was learnt: [windowStart, observed, seasonal] each. */
  levelHistory?: number[];
  /** The CUSUMs beside the scan (count model; cusum.ts). */
  cusum?: CusumState;
  /** The record test's range of values (records.ts). */
  records?: RecordRangeState;
}

export interface ServiceScorerParams {
  windowMs: number;
  /** Prior reports per minute (already scaled); undefined = learn from the data alone. */
  priorPerMinute: number | undefined;
  config: Pick<DetectorConfig, 'baseline' | 'levels' | 'calibration'>;
  /** Default 'count'. */
  model?: SeriesModel;
  /** Which tails are evidence for a count model (a metric is always two-sided). Default 'up'. */
  direction?: Direction;
}

export { scoreFromEvidence } from './evidence';

/** Spans of the scan: 1, 2, 4, ... up to maxWindows. */
export function scanSpans(maxWindows: number): number[] {
  const spans: number[] = [];
  for (let k = 1; k <= maxWindows; k *= 2) spans.push(k);
  return spans;
}

/** z such that P(|Z| >= z) = 10^-log10: the two-sided band of a Gaussian. */
function twoSidedQuantile(log10: number): number {
  let lo = 0;
  let hi = 60;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianTwoSidedLog10(mid) < log10) lo = mid;
    else hi = mid;
  }
  return hi;
}

export class ServiceScorer {
  readonly baseline: SeasonalBaseline | undefined;
  readonly metric: MetricBaseline | undefined;
  readonly levels: LevelTracker;
  readonly calibration: EvidenceCalibration;
  readonly reporter: EpisodeReporter;
  /** The range of every value the series has had (records.ts; metric model only). */
  readonly records: RecordRange | undefined;
  readonly model: SeriesModel;
  /** The unbounded CUSUMs beside the scan (count series; undefined when levels.cusumRatios is empty). */
  private readonly cusum: CountCusum | undefined;
  private readonly direction: Direction;
  private readonly spans: number[];
  private readonly spanPenalty: number;
  /** Spans up to this many windows say whether the rates are back (levels.ts), if they expect a report. */
  private readonly recentWindows: number;
  private readonly dangerPenalty: number;
  private readonly u0: number;
  private readonly matureWindows: number;
  private readonly hasPrior: boolean;
  private readonly maxAnomalyWindows: number;
  private readonly clipSd: number;
  /** Standard deviations of the metric model's upper band. */
  private readonly bandSd: number;
  /** Ring of the last spans[-1] - 1 windows: [count, expected, independent variance]. */
  private recent: number[] = [];
  /** Beside `recent`: each window's rate relative variance (Prediction.sharedRelativeVariance). */
  private recentRate: number[] = [];
  private anomalyWindows = 0;
  /**
   * The level factor's sums before each of the last scanMaxWindows windows was learnt:
   * [windowStart, observed, seasonal] per window, oldest first (live services only: retractLevel).
   */
  private levelHistory: number[] = [];

  constructor(
    private readonly params: ServiceScorerParams,
    state?: ServiceScorerState,
  ) {
    const { config, windowMs } = params;
    this.model = params.model ?? 'count';
    this.direction = this.model === 'metric' ? 'both' : (params.direction ?? 'up');
    const l = config.levels;
    this.u0 = l.unusualLog10;
    this.spans = scanSpans(l.scanMaxWindows);
    this.cusum = this.model === 'count' && l.cusumRatios.length > 0 ? new CountCusum(l.cusumRatios, state?.cusum) : undefined;
    // Bonferroni over every test the evidence is the strongest of: the spans and the CUSUMs.
    this.spanPenalty = Math.log10(this.spans.length + (this.cusum?.size ?? 0));
    this.dangerPenalty = Math.log10(Math.max(1, this.spans.length - 1));
    const wm = windowMs / MINUTE_MS;
    this.matureWindows = config.baseline.matureMinutes / wm;
    this.maxAnomalyWindows = config.baseline.maxAnomalyMinutes / wm;
    this.hasPrior = params.priorPerMinute !== undefined;
    this.clipSd = twoSidedQuantile(l.unusualLog10);
    this.bandSd = twoSidedQuantile(l.upperBandLog10);
    if (this.model === 'count') {
      const baselineParams = { windowMs, priorPerMinute: params.priorPerMinute, config: config.baseline };
      this.baseline = state?.baseline ? SeasonalBaseline.fromJSON(baselineParams, state.baseline) : new SeasonalBaseline(baselineParams);
    } else {
      const metricParams = { windowMs, config: config.baseline, clipSd: this.clipSd, selectLog10: l.unusualLog10 };
      this.metric = state?.metric ? MetricBaseline.fromJSON(metricParams, state.metric) : new MetricBaseline(metricParams);
    }
    this.levels = new LevelTracker(l, windowMs, config.calibration.episodeGapMs);
    // Spans of the scan recent enough to say whether the rates are back (levels.ts).
    this.recentWindows = Math.max(1, Math.floor(l.resolveAfterMs / windowMs));
    const resolveWindows = Math.max(1, Math.ceil(config.calibration.episodeGapMs / windowMs));
    this.calibration = new EvidenceCalibration({
      floorLog10: l.unusualLog10,
      priorEpisodes: config.calibration.priorEpisodes,
      resolveWindows,
      memoryWindows: Math.max(1, (config.calibration.memoryDays * DAY_MS) / windowMs),
      // A Gaussian model's evidence grows as the residual squared: its tail is fitted on the residual.
      tailScale: this.model === 'metric' ? 'residual' : 'decades',
    });
    this.reporter = new EpisodeReporter(l.unusualLog10, resolveWindows);
    // Metrics only: a count has a noise model from counting, and its daily peaks make records far
    // likelier than exchangeability says (records.ts; tried on counts: false incidents in the quiet week).
    this.records = this.model === 'metric' ? new RecordRange('both') : undefined;
    if (state) {
      this.levels.restore(state.levels);
      if (state.recent) this.recent = state.recent.slice();
      this.recentRate = state.recentRate?.length === this.recent.length / 3 ? state.recentRate.slice() : new Array<number>(this.recent.length / 3).fill(0);
      if (state.calibration) this.calibration.restore(state.calibration);
      if (state.reporter) this.reporter.restore(state.reporter);
      this.anomalyWindows = state.anomalyWindows ?? 0;
      if (state.levelHistory) this.levelHistory = state.levelHistory.slice();
      if (state.records && this.records) this.records.restore(state.records);
    }
  }

  /** Windows of history behind the baseline. */
  get history(): number {
    return this.baseline ? this.baseline.history : this.metric!.history;
  }

  /**
   * Evidence of a sum of windows in the model's tails: -log10 P(a sum at least this extreme).
   * `rateRel`: the rate's shared relative variance (the count model's; see rateTailLog10).
   */
  private tail(sum: number, mean: number, variance: number, rateRel: number): number {
    if (this.model === 'metric') return gaussianTwoSidedLog10((sum - mean) / Math.sqrt(variance));
    if (sum > mean) return countUpperLog10(sum, mean, variance, rateRel);
    if (this.direction === 'both' && sum < mean) {
      const ln = lnLowerTail(sum, mean, variance);
      return ln >= 0 || !Number.isFinite(ln) ? 0 : -ln / LN10;
    }
    return 0;
  }

  scoreWindow(windowStart: number, count: number): WindowVerdict {
    const { windowMs, config } = this.params;
    const l = config.levels;
    let prediction: Prediction | undefined;
    let expected = 0;
    let variance = 0;
    let independent = 0;
    let rateRel = 0;
    let have = false;
    if (this.baseline) {
      prediction = this.baseline.predict(windowStart, windowMs);
      if (prediction !== undefined) {
        have = true;
        expected = prediction.expected;
        variance = prediction.variance;
        // The uncertainty of the rate itself (its posterior's, baseline.ts) is one error shared
        // by every window of a span: a sum of k windows carries it as (k × expected)², the negative
        // binomial posterior predictive of the sum, judged with what was known before the span
        // (a series without a prior has none shared: Prediction.sharedRelativeVariance).
        // The unlearnt time-of-day shape enters window by window: the level factor re-estimates
        // the current level from the last hour, so that error does not persist across the spans.
        rateRel = prediction.sharedRelativeVariance;
        independent = variance - rateRel * expected * expected;
      }
    } else {
      const p = this.metric!.predict(windowStart);
      if (p !== undefined) {
        have = true;
        expected = p.expected;
        variance = p.variance;
        independent = variance;
      }
    }

    // The scan: this window alone, then the last 2, 4, ... windows summed (evidence.ts).
    let raw = 0;
    /** Strongest evidence of the spans within resolveAfterMs (levels.ts: when the rates are back). */
    let recentRaw = 0;
    /** Evidence of this window alone (span 1), uncorrected. */
    let single = 0;
    let rawDanger = 0;
    let spanReports = 0;
    let spanStart = windowStart;
    let dangerReports = 0;
    let dangerStart = windowStart;
    let upper = 0;
    if (have) {
      const rec = this.recent;
      const held = rec.length / 3;
      let sum = count;
      let mean = expected;
      let ind = independent;
      let rel = rateRel;
      let n = 1;
      const rho = l.dangerRatio;
      // The recent spans: those within resolveAfterMs, or as long as it takes to expect one report.
      // A span that expects a tenth of a report looks the same during an outage of a small service
      // as after it (zero or one report); it cannot say that the rates are back.
      const recentLimit = Math.max(this.recentWindows, expected > 0 ? Math.ceil(1 / expected) : Infinity);
      let recentCount = 0;
      for (let si = 0; si < this.spans.length; si++) {
        const k = this.spans[si]!;
        while (n < k && n <= held) {
          const j = (held - n) * 3;
          sum += rec[j]!;
          mean += rec[j + 1]!;
          ind += rec[j + 2]!;
          // The span is judged with the rate as known at its first window.
          rel = this.recentRate[held - n]!;
          n++;
        }
        if (n < k) break;
        const spanVariance = ind + rel * mean * mean;
        const e = this.tail(sum, mean, spanVariance, rel);
        if (k === 1) single = e;
        if (k <= recentLimit) {
          recentCount++;
          if (e > recentRaw) recentRaw = e;
        }
        if (e > raw) {
          raw = e;
          spanReports = sum;
          spanStart = windowStart - (k - 1) * windowMs;
        }
        if (k >= 2) {
          // Against dangerRatio × the baseline: Poisson part scales with the rate, the rest with its square.
          // A metric has no rate to multiply: its danger is the same evidence held over two windows or more.
          const dMean = rho * mean;
          let e2 = e;
          if (this.model === 'count') {
            e2 = sum > dMean ? countUpperLog10(sum, dMean, rho * mean + rho * rho * Math.max(0, spanVariance - mean), rel) : 0;
          }
          if (e2 > rawDanger) {
            rawDanger = e2;
            dangerReports = sum;
            dangerStart = windowStart - (k - 1) * windowMs;
          }
        }
      }
      if (this.cusum) {
        // The CUSUMs (cusum.ts): rises too slow or too small for the scan's 32 windows.
        const c = this.cusum.observe(windowStart, count, expected, independent, rateRel);
        if (c.evidence > raw) {
          raw = c.evidence;
          spanReports = c.reports;
          spanStart = c.start;
        }
      }
      raw = raw > this.spanPenalty ? raw - this.spanPenalty : 0;
      const recentPenalty = Math.log10(Math.max(1, recentCount));
      recentRaw = recentRaw > recentPenalty ? recentRaw - recentPenalty : 0;
      rawDanger = rawDanger > this.dangerPenalty ? rawDanger - this.dangerPenalty : 0;
      upper = this.model === 'count' ? upperQuantile(expected, variance, l.upperBandLog10) : expected + this.bandSd * Math.sqrt(variance);
    }

    let evidence = this.calibration.calibrate(raw);
    const dangerEvidence = this.calibration.calibrate(rawDanger);
    let recentEvidence = this.calibration.calibrate(recentRaw);
    if (this.records) {
      // A value outside every value the series has had is novel whatever its residual
      // (records.ts). The record's probability holds for any distribution, so it joins the
      // evidence after the self-calibration, which corrects the residual's noise model.
      if (have) {
        const record = this.records.log10(count);
        const chance = this.records.chance;
        evidence = withRecordLog10(evidence, record, chance);
        recentEvidence = withRecordLog10(recentEvidence, record, chance);
      }
      this.records.observe(count);
    }
    // The record starts with the first window: a young baseline widens its own band for what it
    // does not know yet (prior, unlearnt time of day), so its surprises count like any other.
    this.calibration.observe(raw);
    const eventEvidence = this.reporter.report(evidence, recentEvidence);

    const previousLevel = this.levels.level;
    const isCount = this.model === 'count';
    const level = this.levels.observe({
      windowStart,
      evidence,
      recentEvidence,
      dangerEvidence,
      reports: isCount ? spanReports : Infinity,
      dangerReports: isCount ? dangerReports : Infinity,
      spanStart,
      dangerStart,
    });

    // Learn (see the module comment).
    // The evidence episode (levels.ts `held`), not the level: the level returns to ok as soon as the
    // recent windows are back, while longer spans still hold the outage's windows.
    const flagged = level !== 'ok' || this.levels.held;
    // The windows that led up to a warning (a ramp, each plausible on its own) were learnt with
    // their plausibility weight before the warning said what they were: the level factor forgets
    // them, back to what it held before the episode's first window.
    if (flagged && this.anomalyWindows === 0 && this.hasPrior && this.history >= this.matureWindows) this.retractLevel(this.levels.episodeStart ?? windowStart);
    // Page's restart: a CUSUM run ends at the alarm and starts again once the series is calm (cusum.ts).
    if (flagged) this.cusum?.reset();
    const anomalous = flagged || this.reporter.inEpisode || evidence >= this.u0;
    this.anomalyWindows = flagged ? this.anomalyWindows + 1 : 0;
    // While flagged, a mature baseline learns nothing (both kinds of series), until the anomaly has
    // lasted maxAnomalyMinutes (the new normal).
    const mature = this.history >= this.matureWindows;
    const frozen = flagged && mature && this.anomalyWindows <= this.maxAnomalyWindows;
    let weight: number;
    if (frozen) {
      weight = 0;
    } else if (this.hasPrior) {
      const e1 = this.calibration.calibrate(prediction !== undefined ? this.plausibilityEvidence(count, prediction, single) : single);
      weight = e1 <= this.u0 ? 1 : Math.pow(10, this.u0 - e1);
    } else {
      weight = 1;
    }
    if (weight > 0) {
      if (this.baseline) {
        let learnt = count;
        if (prediction !== undefined && count > expected) {
          // Winsorised at the unusual band, but never below one report: where the band is 0 (an
          // expectation of a report every hundred windows or less) every count would be taught as 0
          // and the baseline could never learn a rate above the one it starts from.
          const clip = Math.max(1, upperQuantile(expected, variance, l.unusualLog10));
          if (count > clip) learnt = clip;
        }
        this.rememberLevel(windowStart);
        this.baseline.update(windowStart, windowMs, learnt, weight, prediction, !anomalous);
      } else {
        this.metric!.update(windowStart, count, weight);
      }
    } else if (this.baseline) {
      // Not learnt, but yesterday's hours still reach the slots on time (module comment).
      this.baseline.skip(windowStart, windowMs);
    } else if (this.metric) {
      this.metric.update(windowStart, count, 0);
    }
    if (have && this.spans.length > 1) {
      this.recent.push(count, expected, independent);
      this.recentRate.push(rateRel);
      if (this.recent.length > (this.spans[this.spans.length - 1]! - 1) * 3) {
        this.recent.splice(0, 3);
        this.recentRate.shift();
      }
    }

    return {
      windowStart,
      windowEnd: windowStart + windowMs,
      count,
      expected,
      upper,
      rawEvidence: raw,
      evidence,
      dangerEvidence,
      eventEvidence,
      score: scoreFromEvidence(evidence),
      eventScore: scoreFromEvidence(eventEvidence),
      level,
      previousLevel,
      episodeStart: this.levels.episodeStart,
      prediction,
    };
  }

  /**
   * The evidence by which a live window's learning weight is judged: its count against the rate it
   * would leave behind, i.e. the rate's posterior (baseline.ts) with this window's reports counted,
   * not the rate before it. The count is data about the rate: while the rate rests on the catalog's
   * figure alone (a prior wide on the log scale), a first window of eight reports outweighs it and is
   * judged as the data it is, so a service 40 times busier than its catalog figure is learnt from
   * its first windows, before the scan can pile up its evidence against the figure (the families'
   * first-hour false incidents). Once days of reports stand behind the rate, one window moves it by
   * a part in thousands and an outage window is exactly as implausible as before. No new knob: the
   * posterior is the baseline's own. `single`: the window's evidence against the rate before it
   * (returned when the count is not above the expectation, where both are 0).
   */
  private plausibilityEvidence(count: number, p: Prediction, single: number): number {
    const m = p.expected;
    if (!(count > m) || !(p.rateRelativeVariance > 0)) return single;
    const after = this.baseline?.posteriorWith(count, m);
    if (after === undefined) return single;
    const shapeAfter = after.shape;
    const mean = m * after.ratio;
    const variance = mean + (1 / shapeAfter + p.dispersion) * mean * mean;
    let e = evidenceLog10(count, mean, variance);
    if (e > single) e = single;
    // And as the end of the CUSUM run it extends (cusum.ts), judged the same way: a rise too slow
    // for any one window to be implausible is not learnt as the service's new level once the run
    // it belongs to is.
    const shared = p.sharedRelativeVariance > 0 ? 1 / shapeAfter : 0;
    const run = this.cusum?.extendLast(count, mean, variance - shared * mean * mean, shared) ?? 0;
    return run > e ? run : e;
  }

  /** Keeps the level factor's sums as they are before the window starting at windowStart is learnt. */
  private rememberLevel(windowStart: number): void {
    if (!this.hasPrior || !this.baseline) return;
    const [obs, exp] = this.baseline.levelState();
    const h = this.levelHistory;
    h.push(windowStart, obs, exp);
    if (h.length > this.spans[this.spans.length - 1]! * 3) h.splice(0, 3);
  }

  /** Puts the level factor back to its sums before the window starting at `from` (or the oldest kept, if older). */
  private retractLevel(from: number): void {
    const h = this.levelHistory;
    if (!this.baseline || h.length === 0) return;
    let i = 0;
    while (i + 3 < h.length && h[i]! < from) i += 3;
    this.baseline.restoreLevel([h[i + 1]!, h[i + 2]!]);
    h.length = 0;
  }

  toJSON(): ServiceScorerState {
    const s: ServiceScorerState = {
      levels: this.levels.toJSON(),
      recent: this.recent.slice(),
      recentRate: this.recentRate.slice(),
      calibration: this.calibration.toJSON(),
      reporter: this.reporter.toJSON(),
      anomalyWindows: this.anomalyWindows,
      levelHistory: this.levelHistory.slice(),
    };
    if (this.cusum) s.cusum = this.cusum.toJSON();
    if (this.baseline) s.baseline = this.baseline.toJSON();
    if (this.metric) s.metric = this.metric.toJSON();
    if (this.records) s.records = this.records.toJSON();
    return s;
  }

  static fromJSON(params: ServiceScorerParams, state: ServiceScorerState): ServiceScorer {
    return new ServiceScorer(params, state);
  }
}

/**
 * -log10 P(a count of at least `count`) where `mean` is expected with predictive `variance`, of which
 * `rateRel` × mean² is the rate's own uncertainty (baseline.ts: the posterior of a rate whose prior
 * is normal on the log scale). The negative binomial of the moments is that posterior predictive
 * near its bulk, but its tail is the Gamma's, exponential in the count; the rate's is a normal's in
 * the log of the count. So the evidence is also held to what the rate alone allows: the count is at
 * least `count` whenever the rate is at least count / mean times its estimate and the count, then
 * Poisson with at least that mean, reaches its mean (probability at least one half), so
 * P ≥ ½ · P(Z ≥ ln(count / mean) / √rateRel). While the rate rests on the catalog's figure
 * (rateRel 4.9), 11 reports in a first minute where the figure says 0.05 are 2.4 decades, not 8 (a
 * service 220 times its figure is a 2.4-sigma surprise); once hundreds of reports stand behind the
 * rate, the bound is dozens of decades away and the negative binomial is the evidence.
 */
export function countUpperLog10(count: number, mean: number, variance: number, rateRel: number): number {
  const e = evidenceLog10(count, mean, variance);
  if (!(rateRel > 0) || !(count > mean)) return e;
  const bound = gaussianUpperLog10(Math.log(count / mean) / Math.sqrt(rateRel)) + Math.log10(2);
  return bound < e ? bound : e;
}
