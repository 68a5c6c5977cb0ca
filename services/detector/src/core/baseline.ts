/**
 * The typical volume of one service at a given time of week, learned online.
 *
 * Downdetector compares reports with "the average number of reports for that given time of
 * day"; we add the day of week and make every estimate honest about how much data is behind
 * it. Four components, from slow to fast:
 *
 * 1. the service mean (one week of memory), shrunk towards the catalog prior while history is short;
 * 2. 24 hour-of-day slots, each shrunk towards the service mean;
 * 3. 168 hour-of-week slots, each shrunk towards its hour-of-day slot (so a week of data is
 *    not needed before Tuesday evening looks like an evening);
 * 4. a level factor: observed / seasonal over the last hour (short EWMA, clamped), which follows
 *    a service that is busier than usual today without waiting for the slots to learn it.
 *
 * Slots are evaluated at the window's midpoint and linearly interpolated between slot centres,
 * so an evening ramp is a ramp and not a staircase. Slots are running means whose weight is
 * capped (an EWMA with a floor), which gives both fast learning when new and a fixed memory.
 * They learn through a delay line of hourly buckets (profileDelayMinutes, 20 h): today's data
 * shapes tomorrow's profile, never today's, so a slow two-hour degradation is not absorbed into
 * "normal for this hour" while it happens. The service mean learns at once (its week-long memory
 * barely moves in two hours), and the level factor follows today within a clamp that narrows
 * from [1/3, 3] to [1/2, 2] as the daily shape becomes known.
 *
 * Robustness to outages: the caller clips the count at the window's upper band and, while the
 * service is not ok, updates with a reduced weight; so seven hours of ×1000 move the profile by
 * a bounded amount and the next Monday at 16:00 is not mistaken for normal.
 *
 * The prediction carries a variance: Poisson noise, the uncertainty of the rate itself, the learnt
 * over-dispersion φ, and extra relative uncertainty while the time-of-day shape is unlearnt. That
 * is what keeps the first day of a new service quiet without a warm-up switch that would also
 * blind it to a real outage.
 *
 * The rate's uncertainty: the catalog's figure is a prior on the service's rate that is normal on
 * the log scale, centred on the figure (a figure off by ten is as likely too high as too low) with
 * the log-variance of a Gamma worth priorReports reports (ψ'(0.5) = 4.93: one standard deviation
 * is a factor of nine). Its tails are a normal's on the log scale, not the Gamma's exponential
 * ones: a service 120 times its figure is a 2.2-sigma surprise (a Gamma(0.5) prior made it a 1e-16
 * one, and a first hour of false warnings while its lagging posterior crept up; families seed 61).
 * The posterior after N counted reports in E windows is approximated by the Gamma that matches it
 * at its peak on the log scale (value, slope and curvature: `logNormalRatePosterior`): its mean is
 * the peak e^û and its shape E·e^û + 1/σ², the reports behind the rate plus what the prior is
 * worth there. So the count of a window is negative binomial (the posterior predictive) as before,
 * the first windows of a service outweigh a wrong figure at once (the prior's pull on the log
 * scale is (û - μ)/σ² reports, not priorReports / figure windows of the figure's rate), and after
 * a few dozen reports the figure no longer matters. This part of the uncertainty persists from
 * window to window (it is one rate, not a noise per window): the scan sums several windows with it
 * fully correlated (Prediction.sharedRelativeVariance). Without a prior (the batch CLI), the data
 * alone: expected × (1 + windows of history) reports' worth, an error that enters each window on
 * its own.
 */
import type { BaselineConfig } from './config';
import { HOUR_MS, minuteOfWeek, MINUTE_MS } from './time';

export interface Prediction {
  /** Expected count in the window (seasonal × level, floored at minExpectedPerWindow). */
  expected: number;
  /** Predictive variance of the count. */
  variance: number;
  /** Seasonal expectation for the window before the level factor. */
  seasonal: number;
  /** Current level factor (observed / seasonal over the recent past). */
  level: number;
  /** Effective over-dispersion φ used in the variance: learnt + unlearnt time-of-day shape. */
  dispersion: number;
  /** The part of `dispersion` that comes from not knowing the time-of-day shape yet. */
  structuralDispersion: number;
  /**
   * Relative variance of the rate itself (1 / the posterior's shape: the Gamma matched at its log-scale peak, module comment).
   * variance = expected + (rateRelativeVariance + dispersion) × expected².
   */
  rateRelativeVariance: number;
  /**
   * The part of rateRelativeVariance that persists from window to window, so that a sum of
   * windows carries it fully correlated: the catalog prior's error (all of it while a prior
   * exists). Without a prior (the batch CLI) 0: the estimate of the data alone follows the data
   * window by window and its error enters each window on its own, as in the variance.
   */
  sharedRelativeVariance: number;
  /** Effective number of windows behind the service mean. */
  history: number;
}

export interface BaselineParams {
  windowMs: number;
  /** Prior rate per minute, or undefined for no prior (the batch CLI learns from the data alone). */
  priorPerMinute: number | undefined;
  config: BaselineConfig;
}

export interface BaselineState {
  week: number[];
  day: number[];
  mean: [number, number];
  level: [number, number];
  disp: [number, number, number];
  /** Delay line: [epoch hour, Σ weight·rate, Σ weight] per hour not yet learnt by the slots. */
  pending: number[];
}

const WEEK_SLOTS = 168;
const DAY_SLOTS = 24;

export class SeasonalBaseline {
  /** [mean, weight] per hour-of-week slot, rates per minute. */
  private readonly week = new Float64Array(WEEK_SLOTS * 2);
  /** [mean, weight] per hour-of-day slot, rates per minute. */
  private readonly day = new Float64Array(DAY_SLOTS * 2);
  private meanRate = 0;
  private meanWeight = 0;
  private levelObs = 0;
  private levelExp = 0;
  private dispNum = 0;
  private dispDen = 0;
  private dispWeight = 0;
  /** Delay line of hourly buckets: [hour, Σ w·rate, Σ w] triples, oldest first. */
  private pending: number[] = [];

  private readonly windowMinutes: number;
  /** The prior on the log of the rate per window (module comment): centre, and variance (0 without a prior). */
  private readonly priorLogMean: number;
  private readonly priorLogVariance: number;
  private readonly daySlotShrink: number;
  private readonly weekSlotShrink: number;
  private readonly meanCap: number;
  private readonly dayCap: number;
  private readonly weekCap: number;
  private readonly levelHorizon: number;
  private readonly dispAlpha: number;
  private readonly dispPriorWeight: number;
  private readonly delayHours: number;
  private readonly cfg: BaselineConfig;

  // Scratch for slot interpolation (no allocation per window).
  private i0 = 0;
  private i1 = 0;
  private w1 = 0;

  constructor(params: BaselineParams) {
    const c = params.config;
    this.cfg = c;
    const wm = params.windowMs / MINUTE_MS;
    this.windowMinutes = wm;
    const priorPerWindow = (params.priorPerMinute ?? 0) * wm;
    this.priorLogMean = Math.log(priorPerWindow > 0 ? priorPerWindow : c.minExpectedPerWindow);
    // The log-variance of a Gamma(priorReports) rate: the width the catalog's figure always had,
    // on the scale where "off by ten either way" is symmetric.
    this.priorLogVariance = params.priorPerMinute === undefined ? 0 : trigamma(c.priorReports);
    this.daySlotShrink = Math.max(1, c.daySlotShrinkMinutes / wm);
    this.weekSlotShrink = Math.max(1, c.weekSlotShrinkMinutes / wm);
    const slotObsPerDay = Math.max(1, 60 / wm);
    this.meanCap = Math.max(2, c.meanMemoryMinutes / wm);
    this.dayCap = Math.max(2, c.dayMemoryDays * slotObsPerDay);
    this.weekCap = Math.max(2, c.weekMemoryWeeks * slotObsPerDay);
    this.levelHorizon = Math.max(3, c.levelHorizonMinutes / wm);
    this.dispAlpha = 1 / Math.max(20, c.dispersionHorizonMinutes / wm);
    this.dispPriorWeight = c.dispersionPriorMinutes / wm;
    this.delayHours = Math.ceil(c.profileDelayMinutes / 60);
  }

  /** Windows of history behind the service mean (decayed; capped at its memory). */
  get history(): number {
    return this.meanWeight;
  }

  private locate(minuteOfWeekMid: number): void {
    const pos = minuteOfWeekMid / 60 - 0.5;
    const f = Math.floor(pos);
    this.w1 = pos - f;
    this.i0 = (f + WEEK_SLOTS) % WEEK_SLOTS;
    this.i1 = (this.i0 + 1) % WEEK_SLOTS;
  }

  /** Per-minute seasonal rate at the located position; also returns the share of unlearnt shape via `shapeShare`. */
  private shapeShare = 0;
  private seasonalRate(serviceMean: number): number {
    let rate = 0;
    let shape = 0;
    for (let k = 0; k < 2; k++) {
      const wi = k === 0 ? this.i0 : this.i1;
      const w = k === 0 ? 1 - this.w1 : this.w1;
      if (w === 0) continue;
      const di = wi % DAY_SLOTS;
      const dm = this.day[di * 2]!;
      const dn = this.day[di * 2 + 1]!;
      const dayRate = (dn * dm + this.daySlotShrink * serviceMean) / (dn + this.daySlotShrink);
      const wmn = this.week[wi * 2]!;
      const wn = this.week[wi * 2 + 1]!;
      rate += w * ((wn * wmn + this.weekSlotShrink * dayRate) / (wn + this.weekSlotShrink));
      shape += w * (this.daySlotShrink / (dn + this.daySlotShrink));
    }
    this.shapeShare = shape;
    return rate;
  }

  /** Level factor, clamped more tightly as the time-of-day shape (shapeShare, set by seasonalRate) is learnt. */
  private levelFactor(): number {
    const c = this.cfg;
    const l = (this.levelObs * this.levelHorizon + c.levelPseudoCount) / (this.levelExp * this.levelHorizon + c.levelPseudoCount);
    const u = this.shapeShare;
    const lo = c.levelMatureMin + (c.levelMin - c.levelMatureMin) * u;
    const hi = c.levelMatureMax + (c.levelMax - c.levelMatureMax) * u;
    return l < lo ? lo : l > hi ? hi : l;
  }

  private learntDispersion(): number {
    const c = this.cfg;
    let phi = c.dispersionPrior;
    if (this.dispWeight > 0 && this.dispDen > 0) {
      const raw = this.dispNum / this.dispDen;
      const learnt = raw < c.dispersionMin ? c.dispersionMin : raw > c.dispersionMax ? c.dispersionMax : raw;
      phi = (this.dispWeight * learnt + this.dispPriorWeight * c.dispersionPrior) / (this.dispWeight + this.dispPriorWeight);
    }
    return phi;
  }

  /** Prediction for the window starting at `windowStart`; undefined only with no prior and no data yet. */
  predict(windowStart: number, windowMs: number): Prediction | undefined {
    return this.predictAt(minuteOfWeek(windowStart + windowMs / 2));
  }

  /** Prediction for a window centred on the given minute of week (Monday 00:00 UTC = 0). */
  predictAt(minuteOfWeekMid: number): Prediction | undefined {
    const c = this.cfg;
    const hasPrior = this.priorLogVariance > 0;
    if (!hasPrior && this.meanWeight <= 0) return undefined;
    // Per window: the service mean and what stands behind it (module comment).
    let serviceMean = this.meanRate;
    let rateShape = 0;
    let priorWindows = 0;
    if (hasPrior) {
      const post = logNormalRatePosterior(this.meanWeight * this.meanRate * this.windowMinutes, this.meanWeight, this.priorLogMean, this.priorLogVariance);
      serviceMean = post.mean / this.windowMinutes;
      rateShape = post.shape;
      priorWindows = post.priorWindows;
    }
    this.locate(minuteOfWeekMid);
    const seasonal = this.seasonalRate(serviceMean) * this.windowMinutes;
    const level = this.levelFactor();
    const raw = seasonal * level;
    const expected = raw > c.minExpectedPerWindow ? raw : c.minExpectedPerWindow;
    // A relative error σ in a component that carries share w of the estimate is a relative error
    // w·σ of the estimate, i.e. (w·σ)² of over-dispersion.
    const shapePart = this.shapeShare * c.shapeRelativeSd;
    const structuralDispersion = shapePart * shapePart;
    const dispersion = this.learntDispersion() + structuralDispersion;
    const history = this.meanWeight + priorWindows;
    // The rate's posterior shape (module comment); without a prior, expected × (1 + windows of history).
    const shape = hasPrior ? rateShape : expected * (1 + history);
    const rateRelativeVariance = 1 / shape;
    const sharedRelativeVariance = hasPrior ? rateRelativeVariance : 0;
    const variance = expected + (rateRelativeVariance + dispersion) * expected * expected;
    return { expected, variance, seasonal, level, dispersion, structuralDispersion, rateRelativeVariance, sharedRelativeVariance, history };
  }

  /**
   * The posterior of the service's rate if one more window of `count` reports, where `expected` were
   * expected, were counted (the learning weight's judgement, scorer.ts): its mean relative to the
   * current one, and its shape. The count enters at the service mean's scale (count × mean /
   * expected: the expectation also carries the time of day and the level factor). Undefined without
   * a prior.
   */
  posteriorWith(count: number, expected: number): { ratio: number; shape: number } | undefined {
    if (!(this.priorLogVariance > 0) || !(expected > 0)) return undefined;
    const n = this.meanWeight * this.meanRate * this.windowMinutes;
    const now = logNormalRatePosterior(n, this.meanWeight, this.priorLogMean, this.priorLogVariance);
    const after = logNormalRatePosterior(n + (count * now.mean) / expected, this.meanWeight + 1, this.priorLogMean, this.priorLogVariance);
    return { ratio: after.mean / now.mean, shape: after.shape };
  }

  /**
   * Learn from a closed window. `count` should already be clipped at the upper band by the caller;
   * `weight` is 1 for ordinary windows and less while the service is in trouble. The caller keeps
   * elevated windows out of the over-dispersion estimate (`learnDispersion`): a rise learnt as noise
   * widens the band, which lets more of the rise in, which widens the band further.
   */
  update(windowStart: number, windowMs: number, count: number, weight: number, prediction: Prediction | undefined, learnDispersion = weight >= 1): void {
    if (!(weight > 0)) return;
    const rate = count / this.windowMinutes;
    this.meanWeight = Math.min(this.meanWeight + weight, this.meanCap);
    this.meanRate += (weight / this.meanWeight) * (rate - this.meanRate);
    // Slots learn through the delay line: today's data shapes tomorrow's profile.
    const mid = windowStart + windowMs / 2;
    const hour = Math.floor(mid / HOUR_MS);
    const p = this.pending;
    const n = p.length;
    if (n >= 3 && p[n - 3] === hour) {
      p[n - 2] = p[n - 2]! + weight * rate;
      p[n - 1] = p[n - 1]! + weight;
    } else {
      p.push(hour, weight * rate, weight);
    }
    this.commitDue(hour);
    if (prediction === undefined) return;
    const a = weight / this.levelHorizon;
    this.levelObs += a * (count - this.levelObs);
    this.levelExp += a * (prediction.seasonal - this.levelExp);
    if (learnDispersion) {
      // Over-dispersion: excess of the squared error over what Poisson noise and estimation error explain.
      const mu = prediction.expected;
      const err = count - mu;
      const excess = err * err - mu - prediction.rateRelativeVariance * mu * mu;
      this.dispNum += this.dispAlpha * (excess - this.dispNum);
      this.dispDen += this.dispAlpha * (mu * mu - this.dispDen);
      this.dispWeight = Math.min(this.dispWeight + 1, 1 / this.dispAlpha);
    }
  }

  /**
   * A window that is not learnt (weight 0: the caller froze the baseline) still moves the delay
   * line's clock: the hours it holds were learnt a day ago and are due now, whatever today's
   * windows are. Without this a freeze also stopped yesterday's profile from arriving: a service
   * frozen through a seven-hour outage kept the afternoon's slots for the whole evening.
   */
  skip(windowStart: number, windowMs: number): void {
    this.commitDue(Math.floor((windowStart + windowMs / 2) / HOUR_MS));
  }

  /** Commits the delay line's hours that are profileDelayMinutes old at `hour`. */
  private commitDue(hour: number): void {
    const p = this.pending;
    while (p.length >= 3 && p[0]! <= hour - this.delayHours) {
      this.commitHour(p[0]!, p[1]! / p[2]!, p[2]!);
      p.splice(0, 3);
    }
  }

  /** Teaches the hour-of-day and hour-of-week slots one hour of (clipped) data, `weight` windows' worth. */
  private commitHour(hour: number, rate: number, weight: number): void {
    const wi = minuteOfWeek(hour * HOUR_MS) / 60;
    const di = wi % DAY_SLOTS;
    const dn = Math.min(this.day[di * 2 + 1]! + weight, this.dayCap);
    this.day[di * 2 + 1] = dn;
    this.day[di * 2] = this.day[di * 2]! + (weight / dn) * (rate - this.day[di * 2]!);
    const wn = Math.min(this.week[wi * 2 + 1]! + weight, this.weekCap);
    this.week[wi * 2 + 1] = wn;
    this.week[wi * 2] = this.week[wi * 2]! + (weight / wn) * (rate - this.week[wi * 2]!);
  }

  /** The level factor's running sums [observed, seasonal] (a caller may keep them to retract windows later). */
  levelState(): [number, number] {
    return [this.levelObs, this.levelExp];
  }

  /** Puts back level sums from levelState(): the windows learnt since are forgotten by the level factor. */
  restoreLevel(state: readonly [number, number]): void {
    [this.levelObs, this.levelExp] = state;
  }

  toJSON(): BaselineState {
    return {
      week: Array.from(this.week),
      day: Array.from(this.day),
      mean: [this.meanRate, this.meanWeight],
      level: [this.levelObs, this.levelExp],
      disp: [this.dispNum, this.dispDen, this.dispWeight],
      pending: this.pending.slice(),
    };
  }

  static fromJSON(params: BaselineParams, s: BaselineState): SeasonalBaseline {
    const b = new SeasonalBaseline(params);
    if (s.week.length !== WEEK_SLOTS * 2 || s.day.length !== DAY_SLOTS * 2) throw new Error('baseline snapshot: wrong slot count');
    b.week.set(s.week);
    b.day.set(s.day);
    [b.meanRate, b.meanWeight] = s.mean;
    [b.levelObs, b.levelExp] = s.level;
    [b.dispNum, b.dispDen, b.dispWeight] = s.disp;
    b.pending = s.pending.slice();
    return b;
  }
}

/** Trigamma ψ'(x) for x > 0: the recurrence up to 10, then the asymptotic series (error below 1e-12). */
export function trigamma(x: number): number {
  let r = 0;
  while (x < 10) {
    r += 1 / (x * x);
    x += 1;
  }
  const x2 = 1 / (x * x);
  return r + 1 / x + x2 / 2 + (x2 / x) * (1 / 6 - x2 * (1 / 30 - x2 * (1 / 42 - x2 / 30)));
}

/**
 * The posterior of a Poisson rate λ per window after `reports` reports in `windows` windows, under
 * a prior normal on ln λ (mean logMean, variance logVariance), as the Gamma that matches it at its
 * peak on the log scale. With u = ln λ, the log posterior is N·u − E·e^u − (u − μ)²/(2σ²): concave,
 * one peak û where N − E·e^û = (û − μ)/σ² (Newton, from the side where it converges monotonically).
 * A Gamma(a, b) posterior is a·u − b·e^u there; equal slope and curvature at û give the Gamma
 * (N + a, E + b) with b = e^−û/σ² and a = (1 − (û − μ))/σ², whose mean is e^û and whose shape is
 * E·e^û + 1/σ². `priorWindows`: b, the windows of data the prior is worth at the peak.
 */
export function logNormalRatePosterior(reports: number, windows: number, logMean: number, logVariance: number): { mean: number; shape: number; priorWindows: number } {
  const n = reports > 0 ? reports : 0;
  const e = windows > 0 ? windows : 0;
  const precision = 1 / logVariance;
  // g(u) = N − E·e^u − (u − μ)/σ² decreases and is concave: from a start where g ≤ 0 Newton's steps
  // approach the root from above, monotonically. Both starts below have g ≤ 0 (or E = 0: g linear).
  let u = logMean;
  if (n > 0 && e > 0) {
    const data = Math.log(n / e);
    if (data > u) u = data;
  }
  for (let i = 0; i < 100; i++) {
    const eu = e > 0 ? e * Math.exp(u) : 0;
    const step = (n - eu - (u - logMean) * precision) / (eu + precision);
    u += step;
    if (!(Math.abs(step) > 1e-12 * (1 + Math.abs(u)))) break;
  }
  const peak = Math.exp(u);
  return { mean: peak, shape: e * peak + precision, priorWindows: precision / peak };
}
