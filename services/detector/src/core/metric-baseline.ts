/**
 * The baseline of a series that is not a count: CPU percent, latency, temperature, a price, a
 * balance that goes negative. Counts have a noise model that follows from counting (Poisson, with
 * over-dispersion); a metric has none, so its noise is learnt: the prediction is Gaussian with a
 * learnt variance, and evidence is two-sided (a metric that falls can be as wrong as one that rises).
 *
 * Two predictors; the one with the lower recent mean squared error answers (model selection on
 * out-of-sample error, re-decided every window):
 * - local level: an EWMA of the value (levelHorizonMinutes), which follows a metric that drifts;
 * - daily profile: a level plus one additive slot per window of the day (a series at 5-minute
 *   intervals has 288 slots), each slot a running mean of its deviation with a capped weight
 *   (dayMemoryDays). It wins where a day repeats itself (a nightly batch, a square wave of load)
 *   and loses, and so drops out, where it does not.
 * A profile slot with no data abstains. The profile answers once it has predicted better for a
 * quarter of a day, or sooner when it is better by a likelihood ratio of 10^u0 (profileShare);
 * only for windows that divide a day into at most 2,880 slots (30-second windows or longer). The
 * profile's level learns only from windows whose slot it knows: on the first day it would chase
 * the daily cycle itself and the slots would learn a flattened shape.
 *
 * The variance is an EWMA of the squared residual of the answering predictor (dispersionHorizonMinutes),
 * floored at a quarter of the series' resolution squared (the smallest step seen between two
 * values), so that a series that has been perfectly flat is not infinitely surprised by its first
 * step of one unit. What is learnt is clipped at the unusual band (the caller decides when not to
 * learn at all), like the count baseline.
 */
import type { BaselineConfig } from './config';
import { DAY_MS, MINUTE_MS } from './time';

export interface MetricPrediction {
  expected: number;
  variance: number;
  /** Windows of history behind it. */
  history: number;
}

export interface MetricBaselineState {
  n: number;
  level: number;
  variance: number;
  varianceWeight: number;
  resolution: number | null;
  previous: number | null;
  profileLevel: number;
  profile: number[];
  profileWeight: number[];
  mseLevel: number;
  mseProfile: number;
  mseWeight: number;
}

export interface MetricBaselineParams {
  windowMs: number;
  config: BaselineConfig;
  /** Residuals are clipped at this many standard deviations before they are learnt. */
  clipSd: number;
  /** Decades of likelihood ratio by which the daily profile must beat the level to answer (the scorer passes u0). */
  selectLog10: number;
}

const MAX_PROFILE_SLOTS = 2880;

export class MetricBaseline {
  private n = 0;
  private level = 0;
  private variance = 0;
  private varianceWeight = 0;
  private resolution = Infinity;
  private previous: number | undefined;
  private profileLevel = 0;
  private readonly profile: Float64Array;
  private readonly profileWeight: Float64Array;
  private mseLevel = 0;
  private mseProfile = 0;
  private mseWeight = 0;

  private readonly levelAlpha: number;
  private readonly varianceCap: number;
  private readonly slots: number;
  private readonly slotCap: number;

  constructor(private readonly params: MetricBaselineParams) {
    const wm = params.windowMs / MINUTE_MS;
    this.levelAlpha = 1 / Math.max(3, params.config.levelHorizonMinutes / wm);
    this.varianceCap = Math.max(20, params.config.dispersionHorizonMinutes / wm);
    const slots = DAY_MS % params.windowMs === 0 ? DAY_MS / params.windowMs : 0;
    this.slots = slots >= 4 && slots <= MAX_PROFILE_SLOTS ? slots : 0;
    this.profile = new Float64Array(this.slots);
    this.profileWeight = new Float64Array(this.slots);
    this.slotCap = Math.max(2, params.config.dayMemoryDays);
  }

  get history(): number {
    return this.n;
  }

  private slotOf(windowStart: number): number {
    const r = windowStart % DAY_MS;
    return Math.floor((r < 0 ? r + DAY_MS : r) / this.params.windowMs) % this.slots;
  }

  /**
   * 1 when the daily profile has predicted the windows both were compared on better than the
   * level, else 0: after a quarter of a day of comparison any advantage will do; before that only
   * a likelihood ratio of at least 10^selectLog10 (Gaussian residuals: (N / 2) ln(mseLevel /
   * mseProfile) over the N windows compared). So a clear daily cycle takes over within a few
   * windows of its second day, instead of a quarter of a day during which a level that lags the
   * cycle (and, if the series is flagged, is frozen) made every rise look like an outage.
   */
  private profileShare(): number {
    if (this.slots === 0 || !(this.mseLevel > this.mseProfile)) return 0;
    if (this.mseWeight >= this.slots / 4 || !(this.mseProfile > 0)) return 1;
    const windows = Math.min(this.mseWeight, this.varianceCap);
    return (windows / 2) * Math.log(this.mseLevel / this.mseProfile) >= this.params.selectLog10 * Math.LN10 ? 1 : 0;
  }

  private profilePrediction(windowStart: number): number {
    const k = this.slotOf(windowStart);
    return this.profileLevel + (this.profileWeight[k]! > 0 ? this.profile[k]! : 0);
  }

  predict(windowStart: number): MetricPrediction | undefined {
    if (this.n < 2) return undefined;
    const share = this.profileShare();
    const expected = share > 0 ? (1 - share) * this.level + share * this.profilePrediction(windowStart) : this.level;
    const floor = Number.isFinite(this.resolution) ? (this.resolution * this.resolution) / 4 : 0;
    const v = this.variance > floor ? this.variance : floor;
    return { expected, variance: (v > 0 ? v : 1e-300) * (1 + 1 / this.n), history: this.n };
  }

  /**
   * Learns a window's value. `weight` 0 means the window belongs to a flagged anomaly: nothing of
   * the baseline learns it, except which predictor to trust, which learns from every window: a
   * window that one of them predicted is no anomaly for it, and without that the profile could
   * never win back a day it did not know the first time round. A profile slot with no data abstains.
   */
  update(windowStart: number, value: number, weight: number): void {
    if (this.previous !== undefined && value !== this.previous) {
      const step = Math.abs(value - this.previous);
      if (step < this.resolution) this.resolution = step;
    }
    this.previous = value;
    if (this.n === 0) {
      if (!(weight > 0)) return;
      this.n = 1;
      this.level = value;
      this.profileLevel = value;
      return;
    }
    const sd = Math.sqrt(this.variance);
    const limit = this.varianceWeight >= 5 && sd > 0 ? this.params.clipSd * sd : Infinity;
    const clip = (r: number) => (r > limit ? limit : r < -limit ? -limit : r);
    const share = this.profileShare();
    const byLevel = value - this.level;
    const byProfile = this.slots > 0 ? value - this.profilePrediction(windowStart) : byLevel;
    const slotKnown = this.slots > 0 && this.profileWeight[this.slotOf(windowStart)]! > 0;
    if (this.slots > 0) {
      const k = this.slotOf(windowStart);
      if (this.profileWeight[k]! > 0) {
        const mw = Math.min(this.mseWeight + 1, this.varianceCap);
        this.mseLevel += (1 / mw) * (byLevel * byLevel - this.mseLevel);
        this.mseProfile += (1 / mw) * (byProfile * byProfile - this.mseProfile);
        this.mseWeight += 1;
      }
      // The slot's deviation from the profile level, moved towards this window's (clipped) one.
      if (weight > 0) {
        const known = this.profileWeight[k]! > 0;
        const pw = Math.min(this.profileWeight[k]! + 1, this.slotCap);
        this.profile[k] = known ? this.profile[k]! + clip(byProfile) / pw : value - this.profileLevel;
        this.profileWeight[k] = pw;
      }
    }
    if (!(weight > 0)) return;
    this.n++;
    const combined = clip((1 - share) * byLevel + share * byProfile);
    const vw = Math.min(this.varianceWeight + weight, this.varianceCap);
    this.variance += (weight / vw) * (combined * combined - this.variance);
    this.varianceWeight = vw;
    this.level += weight * this.levelAlpha * clip(byLevel);
    if (slotKnown) this.profileLevel += weight * this.levelAlpha * clip(byProfile);
  }

  toJSON(): MetricBaselineState {
    return {
      n: this.n,
      level: this.level,
      variance: this.variance,
      varianceWeight: this.varianceWeight,
      resolution: Number.isFinite(this.resolution) ? this.resolution : null,
      previous: this.previous ?? null,
      profileLevel: this.profileLevel,
      profile: Array.from(this.profile),
      profileWeight: Array.from(this.profileWeight),
      mseLevel: this.mseLevel,
      mseProfile: this.mseProfile,
      mseWeight: this.mseWeight,
    };
  }

  static fromJSON(params: MetricBaselineParams, s: MetricBaselineState): MetricBaseline {
    const b = new MetricBaseline(params);
    if (s.profile.length !== b.slots) throw new Error(`metric baseline snapshot: ${s.profile.length} profile slots, this window length has ${b.slots}`);
    b.n = s.n;
    b.level = s.level;
    b.variance = s.variance;
    b.varianceWeight = s.varianceWeight;
    b.resolution = s.resolution ?? Infinity;
    b.previous = s.previous ?? undefined;
    b.profileLevel = s.profileLevel;
    b.profile.set(s.profile);
    b.profileWeight.set(s.profileWeight);
    b.mseLevel = s.mseLevel;
    b.mseProfile = s.mseProfile;
    b.mseWeight = s.mseWeight;
    return b;
  }
}
