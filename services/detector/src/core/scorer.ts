/**
 * ServiceScorer: everything that happens to one service's closed window, and nothing that needs
 * another service. It is the partitionable unit: signals are keyed by service id, so a detector
 * instance that owns a partition owns its services' scorers, and two instances produce the same
 * per-service scores as one. The batch CLI drives the very same class row by row.
 *
 * Per window: predict (baseline) → score the count against the prediction → level → learn.
 * Learning comes last, so a window is never judged by a baseline that has already seen it
 * (strict causality, which the CLI's prefix test relies on).
 */
import type { Level } from '../../../../schemas/events/index';
import { SeasonalBaseline, type BaselineState, type Prediction } from './baseline';
import type { DetectorConfig } from './config';
import { evidenceLog10, upperQuantile } from './distributions';
import { LevelTracker, type LevelState } from './levels';

export interface WindowVerdict {
  windowStart: number;
  windowEnd: number;
  count: number;
  /** Expected count under the baseline (0 when there is no baseline yet). */
  expected: number;
  /** Counts above this are unusual (the upper band). */
  upper: number;
  /** -log10 of the probability of a count at least this high. */
  evidence: number;
  /** evidence mapped to [0, 1]: min(1, evidence / scoreSaturationLog10). */
  score: number;
  level: Level;
  previousLevel: Level;
  /** Start of the first unusual window of the current episode, when not ok. */
  episodeStart: number | null;
  prediction: Prediction | undefined;
}

export interface ServiceScorerState {
  baseline: BaselineState;
  levels: LevelState;
}

export interface ServiceScorerParams {
  windowMs: number;
  /** Prior reports per minute (already scaled); undefined = learn from the data alone. */
  priorPerMinute: number | undefined;
  config: Pick<DetectorConfig, 'baseline' | 'levels'>;
}

/** score in [0, 1] from evidence: 0.3 means a 1-in-1000 window, 1 means 1e-10 or rarer. */
export function scoreFromEvidence(evidence: number, saturationLog10: number): number {
  const s = evidence / saturationLog10;
  return s <= 0 ? 0 : s >= 1 ? 1 : s;
}

export class ServiceScorer {
  readonly baseline: SeasonalBaseline;
  readonly levels: LevelTracker;

  constructor(
    private readonly params: ServiceScorerParams,
    state?: ServiceScorerState,
  ) {
    const baselineParams = { windowMs: params.windowMs, priorPerMinute: params.priorPerMinute, config: params.config.baseline };
    this.baseline = state ? SeasonalBaseline.fromJSON(baselineParams, state.baseline) : new SeasonalBaseline(baselineParams);
    this.levels = new LevelTracker(params.config.levels, params.windowMs);
    if (state) this.levels.restore(state.levels);
  }

  scoreWindow(windowStart: number, count: number): WindowVerdict {
    const { windowMs, config } = this.params;
    const prediction = this.baseline.predict(windowStart, windowMs);
    let expected = 0;
    let upper = 0;
    let evidence = 0;
    let learnt = count;
    let independentVariance = 0;
    let correlatedDispersion = 0;
    if (prediction !== undefined) {
      expected = prediction.expected;
      correlatedDispersion = prediction.structuralDispersion;
      independentVariance = prediction.variance - correlatedDispersion * expected * expected;
      evidence = evidenceLog10(count, expected, prediction.variance);
      upper = upperQuantile(expected, prediction.variance, config.levels.upperBandLog10);
      // Winsorise what we learn at the 1 % band: a blip or an outage must not teach the baseline.
      if (evidence > 0 && count > expected) {
        const clip = upperQuantile(expected, prediction.variance, config.levels.unusualLog10);
        if (count > clip) learnt = clip;
      }
    }
    const previousLevel = this.levels.level;
    const level = this.levels.observe({ windowStart, evidence, count, expected, independentVariance, correlatedDispersion });
    // Learn fully only from calm windows; an elevated window (even before it makes a warning)
    // teaches with a reduced weight, so a slow rise is not followed as fast as it climbs.
    const calm = level === 'ok' && evidence < config.levels.unusualLog10 && this.levels.lastScanEvidence < config.levels.unusualLog10;
    const weight = calm ? 1 : config.baseline.anomalousUpdateWeight;
    this.baseline.update(windowStart, windowMs, learnt, weight, prediction, calm);
    return {
      windowStart,
      windowEnd: windowStart + windowMs,
      count,
      expected,
      upper,
      evidence,
      score: scoreFromEvidence(evidence, config.levels.scoreSaturationLog10),
      level,
      previousLevel,
      episodeStart: this.levels.episodeStart,
      prediction,
    };
  }

  toJSON(): ServiceScorerState {
    return { baseline: this.baseline.toJSON(), levels: this.levels.toJSON() };
  }

  static fromJSON(params: ServiceScorerParams, state: ServiceScorerState): ServiceScorer {
    return new ServiceScorer(params, state);
  }
}
