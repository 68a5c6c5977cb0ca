/**
 * Evidence: how the detector turns "how unlikely is what we see" into one number per window, and
 * that number into a score, for the live levels, the incidents and the batch CLI alike.
 *
 * Evidence is measured in decades: E = -log10 p, where p is the probability, under the series'
 * baseline, of a count (or value) at least this extreme. Three steps, each with a stated meaning:
 *
 * 1. Scan (sequential evidence): the window alone and the sums of the last 2, 4, 8, ... windows
 *    (up to scanMaxWindows) are each tested against their summed baseline; E is the strongest of
 *    them minus log10(number of spans), a Bonferroni correction for having looked several times.
 *    A service at 0.2 reports a minute that jumps to 3 a minute is unremarkable in any one minute
 *    and overwhelming over four; the scan is the generalised likelihood-ratio test of a rise of
 *    unknown start, restricted to dyadic spans so that it costs a handful of tail evaluations.
 *
 * 2. Self-calibration (EvidenceCalibration): a model is only as calibrated as its noise model,
 *    and real series have heavier tails than any negative binomial fitted to their calm windows
 *    (news bursts in tweet counts, a bot that posts 200 times an hour). Each series keeps a record
 *    of the peaks of its past evidence episodes (an episode starts at the floor u0). The calibrated
 *    evidence of a window is the decades of rarity, IN THIS SERIES, of an episode at least this
 *    strong: E* = a + T(E), where
 *    - a = -log10(the series' episode rate per window), at most u0;
 *    - T(E) = -log10(the share of recorded episodes whose peak reached E), read from the record
 *      itself (log-linear between consecutive recorded peaks) and, above the third-largest peak,
 *      from an exponential tail whose scale s is the maximum-likelihood fit to the record (mean
 *      excess x ln 10, the two largest peaks censored at the third largest, so that one or two
 *      outages never teach the series that outages are normal).
 *      That tail is exponential on the scale on which the model's evidence grows with the data:
 *      decades for a count (a negative binomial's evidence grows about linearly with the count);
 *      for a Gaussian metric (`tailScale: 'residual'`) decades or the residual, whichever the
 *      record supports (the larger censored likelihood): its evidence grows as the residual
 *      squared, so a residual with an exponential tail gives episode peaks whose tail is
 *      exponential in sqrt(decades), heavier than any exponential in decades, which over-rates its
 *      strongest episodes (on NAB's metric series, episodes above 3.5 calibrated decades came 4.5
 *      times as often as stated). The fit on the residual's scale is the same censored maximum
 *      likelihood on u = sqrt(u0 + excess) - sqrt(u0), without the prior (which still enters the
 *      share below).
 *    priorEpisodes pseudo-episodes of a calibrated model (T(E) = E - u0) are mixed into the share,
 *    so a short record moves little, and T(E) <= E - u0: calibration only ever discounts evidence,
 *    never sharpens it. Read from the record rather than from the exponential fit alone because
 *    real episode peaks are heavy-tailed: one exponential fitted to them over-rates the bursts a
 *    series has every week in one series and under-rates them in the next, so no threshold fits
 *    both (on NAB's realTweets the record read this way took the score from 66.9 to 72.9).
 *
 * 3. Score: score = E* / (E* + 10), a fixed monotone map of decades to [0, 1). 0.5 means 1e-10,
 *    0.23 means 1e-3, 0.55 means 1e-12, 0.8 means 1e-40, 0.99 means 1e-990: no saturation, so a
 *    real outage (1e-3000) still outranks an ordinary burst (1e-30), in doubles up to about 1e15
 *    decades.
 *
 * Event-level output (EpisodeReporter, used by the batch CLI): once a series is in an episode
 * (evidence >= u0), its following windows report 0 unless the evidence grows: it doubles over the
 * largest already reported (the tail probability squared: given the episode reached E, reaching 2E
 * is as rare, 10^-E, as reaching E was given nothing), and the growth is fresh, i.e. the recent
 * spans of the scan are unusual on their own (isFresh, the same rule by which levels.ts lets a
 * held episode warn again). The scan's long sums keep an episode's windows for up to
 * scanMaxWindows after the rates are back, so without the second condition a decaying tail is
 * reported again as its long sums grow. The episode ends after resolve windows below u0. So a
 * burst of 500 rows is one detection, or a few while it keeps growing, not 500.
 */
import { lnGammaQ, LN10 } from './distributions';

/** Decades of evidence at which the score is 0.5 (a tail probability of 1e-10). */
export const HALF_SCORE_LOG10 = 10;

/** score = E / (E + 10): calibrated evidence in decades to [0, 1), resolution kept in the far tail. */
export function scoreFromEvidence(evidenceLog10: number): number {
  if (!(evidenceLog10 > 0)) return 0;
  return evidenceLog10 === Infinity ? 1 : evidenceLog10 / (evidenceLog10 + HALF_SCORE_LOG10);
}

/** Inverse of scoreFromEvidence: the decades of evidence a score stands for. */
export function evidenceFromScore(score: number): number {
  if (!(score > 0)) return 0;
  if (score >= 1) return Infinity;
  return (HALF_SCORE_LOG10 * score) / (1 - score);
}

/** ln erfc(x) for x >= 0, accurate into the far tail: erfc(x) = Q(1/2, x^2). */
function lnErfc(x: number): number {
  return x > 0 ? lnGammaQ(0.5, x * x) : 0;
}

/** -log10 P(Z >= z) for a standard normal Z (0 for z <= 0). */
export function gaussianUpperLog10(z: number): number {
  if (!(z > 0)) return 0;
  return -(lnErfc(z / Math.SQRT2) - Math.LN2) / LN10;
}

/** -log10 P(|Z| >= |z|) for a standard normal Z. */
export function gaussianTwoSidedLog10(z: number): number {
  const a = Math.abs(z);
  if (!(a > 0)) return 0;
  return Math.max(0, -lnErfc(a / Math.SQRT2) / LN10);
}

export interface CalibrationParams {
  /** u0: evidence at which an episode starts (decades). */
  floorLog10: number;
  /** Pseudo-episodes at the calibrated values that the record must outweigh. */
  priorEpisodes: number;
  /** Windows below the floor that end an episode. */
  resolveWindows: number;
  /** Memory of the record, in windows (episode rate and peaks older than this are forgotten). */
  memoryWindows: number;
  /**
   * The scale on which the tail above the largest peaks is exponential (module comment, step 2):
   * 'decades' (default; counts), or 'residual' (a Gaussian model's evidence): sqrt of the decades
   * when the record fits that better than decades (module comment, step 2).
   */
  tailScale?: 'decades' | 'residual';
}

export interface CalibrationState {
  /** Decayed windows and episodes seen. */
  windows: number;
  episodes: number;
  /** Peaks of finished episodes within memory, oldest first: [excess over the floor, window index] pairs. */
  peaks: number[];
  /** Window index (windows observed so far, undecayed). */
  index: number;
  /** Current episode: its peak (0 = none) and the windows below the floor since. */
  peak: number;
  quiet: number;
}

/** At most this many peaks are kept (the most recent): a bursty series has a few hundred a month. */
const MAX_PEAKS = 256;
/** Episodes whose peaks are censored at the next one down: one or two outages do not make outages normal. */
const CENSORED_PEAKS = 2;

/** The series' record of its own evidence episodes, and the calibration it implies (see the module comment). */
export class EvidenceCalibration {
  private s: CalibrationState = { windows: 0, episodes: 0, peaks: [], index: 0, peak: 0, quiet: 0 };
  private scaleCache: number | undefined;
  private readonly decay: number;

  constructor(private readonly p: CalibrationParams) {
    this.decay = 1 - 1 / Math.max(1, p.memoryWindows);
  }

  /** -log10 of the episode rate per window (u0 while the record is short). */
  get rarity(): number {
    const { floorLog10: u0, priorEpisodes: n0 } = this.p;
    const a = -Math.log10((this.s.episodes + n0) / (this.s.windows + n0 * Math.pow(10, u0)));
    return a < u0 ? a : u0;
  }

  /** s: how many times the model overstates evidence above the floor (1 = calibrated). */
  get scale(): number {
    if (this.scaleCache !== undefined) return this.scaleCache;
    const n0 = this.p.priorEpisodes;
    const excess: number[] = [];
    for (let i = 0; i < this.s.peaks.length; i += 2) excess.push(this.s.peaks[i]!);
    excess.sort((a, b) => a - b);
    const n = excess.length;
    const r = Math.min(CENSORED_PEAKS, n);
    let sum = 0;
    for (let i = 0; i < n - r; i++) sum += excess[i]!;
    if (n - r - 1 >= 0) sum += r * excess[n - r - 1]!;
    // Prior: n0 episodes with the calibrated mean excess 1 / ln 10, i.e. n0 in units of s.
    const scale = (n0 + LN10 * sum) / (n0 + n - r);
    this.scaleCache = scale > 1 ? scale : 1;
    return this.scaleCache;
  }

  /** Calibrated evidence for a raw evidence value. */
  calibrate(evidence: number): number {
    if (!(evidence > 0)) return 0;
    const u0 = this.p.floorLog10;
    const a = this.rarity;
    if (evidence <= u0) return (evidence * a) / u0;
    return a + this.tailDecades(evidence - u0);
  }

  /** Recorded peak excesses, largest first (cached with the scale). */
  private sortedCache: number[] | undefined;

  /** T: -log10 of the share of episodes whose peak excess over the floor reached e (module comment, step 2). */
  private tailDecades(e: number): number {
    const s = this.scale;
    if (this.sortedCache === undefined) {
      const xs: number[] = [];
      for (let i = 0; i < this.s.peaks.length; i += 2) xs.push(this.s.peaks[i]!);
      this.sortedCache = xs.sort((x, y) => y - x);
    }
    const ys = this.sortedCache;
    const n = ys.length;
    const n0 = this.p.priorEpisodes;
    const r = CENSORED_PEAKS;
    let count: number;
    const m = this.p.tailScale === 'residual' && n > r ? this.residualScale(ys) : 0;
    if (n <= r) count = n * Math.pow(10, -e / s);
    else if (e >= ys[r]! && m > 0) count = (r + 1) * Math.exp(-(this.residual(e) - this.residual(ys[r]!)) / m);
    else if (e >= ys[r]!) count = (r + 1) * Math.pow(10, -(e - ys[r]!) / s);
    else if (e <= ys[n - 1]!) count = n;
    else {
      // ys[j] > e >= ys[j + 1]: log-linear between (ys[j + 1], j + 2 peaks) and (ys[j], j + 1 peaks).
      let lo = r;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (ys[mid]! > e) lo = mid;
        else hi = mid;
      }
      const j = lo;
      const a = ys[j]!;
      const b = ys[j + 1]!;
      const f = a > b ? (e - b) / (a - b) : 0;
      count = Math.exp(Math.log(j + 2) + f * (Math.log(j + 1) - Math.log(j + 2)));
    }
    const share = (n0 * Math.pow(10, -e) + count) / (n0 + n);
    const t = -Math.log10(share);
    return t < e ? t : e;
  }

  /** An excess over the floor on the residual's scale: sqrt(u0 + excess) - sqrt(u0). */
  private residual(excess: number): number {
    const u0 = this.p.floorLog10;
    return Math.sqrt(u0 + excess) - Math.sqrt(u0);
  }

  private residualScaleCache: number | undefined;

  /**
   * The mean of an exponential on the residual's scale fitted to the record (largest first) by
   * maximum likelihood, the two largest peaks censored at the third, as `scale` does in decades.
   */
  private residualScale(ys: number[]): number {
    if (this.residualScaleCache !== undefined) return this.residualScaleCache;
    const n = ys.length;
    const r = Math.min(CENSORED_PEAKS, n);
    const u0 = this.p.floorLog10;
    let sumU = r * this.residual(ys[r] ?? 0);
    let sumX = r * (ys[r] ?? 0);
    let lnJacobian = 0;
    for (let i = r; i < n; i++) {
      sumU += this.residual(ys[i]!);
      sumX += ys[i]!;
      lnJacobian -= Math.log(2 * Math.sqrt(u0 + ys[i]!));
    }
    const k = n - r;
    const meanU = k > 0 ? sumU / k : 0;
    const meanX = k > 0 ? sumX / k : 0;
    // Which tail the record supports: the censored exponential's log-likelihood in decades against
    // the one on the residual's scale (with the Jacobian du/dx of each uncensored peak). A Gaussian
    // series' peaks are exponential in decades, a heavier-tailed one's in the residual.
    const lnDecades = meanX > 0 ? -k * (Math.log(meanX) + 1) : -Infinity;
    const lnResidual = meanU > 0 ? -k * (Math.log(meanU) + 1) + lnJacobian : -Infinity;
    this.residualScaleCache = lnResidual > lnDecades ? meanU : 0;
    return this.residualScaleCache;
  }

  /** Records one window's raw evidence (after it was calibrated: a window never calibrates itself). */
  observe(evidence: number): void {
    const s = this.s;
    const u0 = this.p.floorLog10;
    s.index++;
    s.windows = s.windows * this.decay + 1;
    s.episodes *= this.decay;
    if (s.peak > 0) {
      if (evidence > s.peak) s.peak = evidence;
      if (evidence < u0) {
        if (++s.quiet >= this.p.resolveWindows) this.closeEpisode();
      } else {
        s.quiet = 0;
      }
    } else if (evidence >= u0) {
      s.peak = evidence;
      s.quiet = 0;
    }
    // Forget peaks older than the memory.
    const oldest = s.index - this.p.memoryWindows;
    let drop = 0;
    while (drop < s.peaks.length && s.peaks[drop + 1]! < oldest) drop += 2;
    if (drop > 0) {
      s.peaks.splice(0, drop);
      this.scaleCache = undefined;
      this.sortedCache = undefined;
      this.residualScaleCache = undefined;
    }
  }

  private closeEpisode(): void {
    const s = this.s;
    s.episodes += 1;
    s.peaks.push(s.peak - this.p.floorLog10, s.index);
    if (s.peaks.length > MAX_PEAKS * 2) s.peaks.splice(0, s.peaks.length - MAX_PEAKS * 2);
    s.peak = 0;
    s.quiet = 0;
    this.scaleCache = undefined;
    this.sortedCache = undefined;
    this.residualScaleCache = undefined;
  }

  /** Number of finished episodes on record (for tests and explanations). */
  get recordedEpisodes(): number {
    return this.s.peaks.length / 2;
  }

  toJSON(): CalibrationState {
    return { ...this.s, peaks: this.s.peaks.slice() };
  }

  restore(state: CalibrationState): void {
    this.s = { ...state, peaks: state.peaks.slice() };
    this.scaleCache = undefined;
    this.sortedCache = undefined;
    this.residualScaleCache = undefined;
  }
}

/**
 * Fresh evidence: the spans of the scan within resolveAfterMs (levels.ts), alone, are unusual.
 * Within an evidence episode, growth counts (a new report, a new warning) only when it is fresh:
 * the longer spans still hold the episode's earlier windows and grow with them.
 */
export function isFresh(recentEvidence: number, unusualLog10: number): boolean {
  return recentEvidence >= unusualLog10;
}

export interface ReporterState {
  /** Largest evidence reported in the current episode (0 = no episode). */
  reported: number;
  quiet: number;
}

/**
 * Event-level output: reports a window's evidence when it starts an episode, or doubles the
 * largest evidence already reported in it with fresh evidence, and 0 otherwise (see the module
 * comment).
 */
export class EpisodeReporter {
  private s: ReporterState = { reported: 0, quiet: 0 };

  constructor(
    private readonly floorLog10: number,
    private readonly resolveWindows: number,
    /** Factor by which evidence must grow to be reported again within an episode. */
    private readonly growth = 2,
  ) {}

  /**
   * The evidence this window reports as a new detection (0 when it only continues an episode).
   * recentEvidence: the calibrated evidence of the recent spans (default `evidence`, as for a scan
   * of one span).
   */
  report(evidence: number, recentEvidence = evidence): number {
    const s = this.s;
    if (s.reported > 0) {
      let out = 0;
      if (evidence >= this.growth * s.reported && isFresh(recentEvidence, this.floorLog10)) {
        s.reported = evidence;
        out = evidence;
      }
      if (evidence < this.floorLog10) {
        if (++s.quiet >= this.resolveWindows) {
          s.reported = 0;
          s.quiet = 0;
        }
      } else {
        s.quiet = 0;
      }
      return out;
    }
    if (evidence >= this.floorLog10) {
      s.reported = evidence;
      s.quiet = 0;
    }
    return evidence;
  }

  get inEpisode(): boolean {
    return this.s.reported > 0;
  }

  toJSON(): ReporterState {
    return { ...this.s };
  }

  restore(state: ReporterState): void {
    this.s = { ...state };
  }
}
