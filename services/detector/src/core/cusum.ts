/**
 * The unbounded sequential test beside the scan: Page's CUSUM on each window's log-likelihood
 * ratio, for a rise of the rate to ratio × the baseline (ratio from LevelConfig.cusumRatios; off by
 * default: with [8] the drawn families' false incidents rose from 3 to 14, config.ts).
 *
 * The scan (evidence.ts) sums the last 1, 2, 4, ... 32 windows, so a rise that needs more than
 * half an hour to stand out (a tenth of a report a minute that becomes a third; a slow two-hour
 * degradation) is never seen by it. The CUSUM has no horizon: per ratio ρ,
 *
 *     S_n = max(0, S_{n-1} + ln [P(x_n | ρ·μ_n) / P(x_n | μ_n)]),
 *
 * with μ_n and the variance of window n as the baseline predicted them before the window (the
 * predictive negative binomial of baseline.ts, Poisson when it has no excess variance; the rise
 * keeps the shape: mean ρμ, the same relative over-dispersion). This is the oracle's test
 * (tools/eval oracle.ts) with the baseline in place of the true rate: optimal for a step to ρ·μ
 * (Moustakides 1986) and still consistent for any rise above its break-even.
 *
 * Calibrated like the scan: S_n is the largest log-likelihood ratio over the starting windows up
 * to n, and under the baseline each of those products is a martingale in reverse time, so
 * P(S_n >= h) <= e^-h (Ville's inequality): S_n / ln 10 decades are a tail bound per window, as
 * the scan's -log10 p of a span is. The scorer takes the strongest of the scan's spans and the
 * CUSUMs and corrects for all of them at once (Bonferroni), then the self-calibration applies.
 *
 * Restart: the statistic is reset to 0 while the series is flagged (warning, danger or the
 * evidence episode held) and starts again from 0 after: an alarm is the end of a CUSUM run
 * (Page's rule), the outage belongs to the scan from there, and a statistic that decays at its
 * drift of a few tenths of a nat a window would otherwise hold an episode open for hours after
 * the rates are back.
 */

export interface CusumState {
  /** Per ratio: [S in nats, start of its current run (window start, ms; -1 = none: the state is JSON), counted reports since, windows since]. */
  runs: number[];
}

const FIELDS = 4;

/**
 * The variance a window adds to a run that already holds n windows: its own, plus what the rate's
 * shared error adds to the run's sum, (n + 1)² - n² = 2n + 1 times rel × mean² (windows of one
 * rate err together, as the scan's spans carry it). Without this, a run judged against a rate that
 * rests on the catalog's figure would add that one error again every window: a new service twice
 * its figure would accumulate without end.
 */
function runVariance(mean: number, independent: number, sharedRelative: number, n: number): number {
  return independent + (2 * n + 1) * sharedRelative * mean * mean;
}

export interface CusumReading {
  /** Strongest S among the ratios, in decades (S / ln 10). */
  evidence: number;
  /** First window of that run. */
  start: number;
  /** Reports counted since that run's start. */
  reports: number;
}

/** ln P(x | ratio·μ) / P(x | μ) under the count model with mean μ and variance `variance` (ratio > 1). */
export function countLogLikelihoodRatio(x: number, mean: number, variance: number, ratio: number): number {
  const excess = variance - mean;
  if (!(excess > mean * 1e-9)) return x * Math.log(ratio) - mean * (ratio - 1);
  // Negative binomial with shape r = μ² / (variance - μ); the rise keeps r.
  const r = (mean * mean) / excess;
  return x * Math.log((ratio * (mean + r)) / (ratio * mean + r)) - r * Math.log((ratio * mean + r) / (mean + r));
}

export class CountCusum {
  private runs: number[];
  /** The statistics and run lengths before the last observe (scratch, not state): extendLast. */
  private readonly before: Float64Array;
  private readonly beforeWindows: Float64Array;

  constructor(
    private readonly ratios: readonly number[],
    state?: CusumState,
  ) {
    this.before = new Float64Array(ratios.length);
    this.beforeWindows = new Float64Array(ratios.length);
    this.runs = state?.runs?.length === ratios.length * FIELDS ? state.runs.slice() : CountCusum.empty(ratios.length);
  }

  private static empty(n: number): number[] {
    const runs: number[] = [];
    for (let i = 0; i < n; i++) runs.push(0, -1, 0, 0);
    return runs;
  }

  get size(): number {
    return this.ratios.length;
  }

  /**
   * Adds one window: count x against the predicted mean, the window's own variance `independent`,
   * and the relative variance of the rate that every window of a run shares (baseline.ts
   * sharedRelativeVariance: the catalog prior's error while little data stands behind the rate).
   * Returns the strongest run.
   */
  observe(windowStart: number, x: number, mean: number, independent: number, sharedRelative: number): CusumReading {
    const runs = this.runs;
    let best = 0;
    let start = windowStart;
    let reports = 0;
    for (let i = 0; i < this.ratios.length; i++) {
      const j = i * FIELDS;
      this.before[i] = runs[j]!;
      this.beforeWindows[i] = runs[j]! > 0 ? runs[j + 3]! : 0;
      const s = runs[j]! + countLogLikelihoodRatio(x, mean, runVariance(mean, independent, sharedRelative, this.beforeWindows[i]!), this.ratios[i]!);
      if (s > 0) {
        if (runs[j]! <= 0) {
          runs[j + 1] = windowStart;
          runs[j + 2] = 0;
          runs[j + 3] = 0;
        }
        runs[j] = s;
        runs[j + 2] = runs[j + 2]! + x;
        runs[j + 3] = runs[j + 3]! + 1;
        if (s > best) {
          best = s;
          start = runs[j + 1]!;
          reports = runs[j + 2]!;
        }
      } else {
        runs[j] = 0;
        runs[j + 1] = -1;
        runs[j + 2] = 0;
        runs[j + 3] = 0;
      }
    }
    return { evidence: best / Math.LN10, start, reports };
  }

  /**
   * The strongest run in decades had the last observed window been judged against `mean` and
   * `variance` instead (the scorer's learning weight judges a window against the rate it leaves
   * behind: scorer.ts plausibilityEvidence).
   */
  extendLast(x: number, mean: number, independent: number, sharedRelative: number): number {
    let best = 0;
    for (let i = 0; i < this.ratios.length; i++) {
      const n = this.beforeWindows[i]! + 1;
      // A run is evidence against the rate only while the rate rests on more reports than the run
      // expects (n × mean < 1 / rel); before that, it is evidence about the rate, and learning it is right.
      if (n * mean * sharedRelative >= 1) continue;
      const s = this.before[i]! + countLogLikelihoodRatio(x, mean, runVariance(mean, independent, sharedRelative, this.beforeWindows[i]!), this.ratios[i]!);
      if (s > best) best = s;
    }
    return best / Math.LN10;
  }

  /** Page's restart (module comment). */
  reset(): void {
    this.runs = CountCusum.empty(this.ratios.length);
  }

  toJSON(): CusumState {
    return { runs: this.runs.slice() };
  }
}
