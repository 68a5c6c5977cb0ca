/**
 * From per-window evidence to a level (ok / warning / danger) that needs duration as well as
 * height, with hysteresis on the way down.
 *
 * Evidence of a window is e = -log10 P(count or more | baseline). A window is "unusual" when
 * e >= unusualLog10 (p <= 1 %) and its count reaches an absolute minimum (tiny services must not
 * alert on three reports). Two ways to warning:
 *
 * - a run of consecutive unusual windows whose evidence adds up to warningLog10: the sum is
 *   -log10 of their joint probability, so one extreme window or a few high ones reach it;
 * - a scan: the sum of the last k windows (2 <= k <= scanMs / windowMs) tested against the summed
 *   baseline, with a log10(k max) penalty for trying several k. Thirty reports in six minutes where
 *   six were expected is a blip even if no single minute proves it. The summed variance treats
 *   the baseline's own uncertainty (prior, unlearnt shape) as fully correlated across windows
 *   (φs·(Σμ)²), because that error persists from one minute to the next; the learnt noise adds up
 *   window by window.
 *
 * Danger needs more: the last dangerMinWindows windows all unusual, their run evidence >=
 * dangerLog10, the current count >= dangerMinRatio × expected and >= the danger minimum count.
 * Danger stays while windows are unusual and >= dangerStayRatio × expected, and drops to warning
 * after dangerDowngradeAfterMs without that. Back to ok only after resolveAfterMs without an
 * unusual window: a plateau with a sag neither resolves nor reopens.
 */
import type { Level } from '../../../../schemas/events/index';
import { minCountForWindow, type LevelConfig } from './config';
import { evidenceLog10 } from './distributions';

export interface LevelState {
  level: Level;
  runLength: number;
  runEvidence: number;
  runStart: number | null;
  calm: number;
  belowDanger: number;
  /** Start of the first unusual window of the current non-ok episode. */
  episodeStart: number | null;
  /** Last windows for the scan, oldest first: [count, expected, independent variance] each. */
  recent: number[];
}

export interface LevelInput {
  windowStart: number;
  evidence: number;
  count: number;
  expected: number;
  /** Variance of the count that is independent from window to window (Poisson, estimation error, learnt φ). */
  independentVariance: number;
  /** Over-dispersion that persists across windows (baseline not learnt yet): enters sums as φ·(Σμ)². */
  correlatedDispersion: number;
}

export class LevelTracker {
  private s: LevelState = { level: 'ok', runLength: 0, runEvidence: 0, runStart: null, calm: 0, belowDanger: 0, episodeStart: null, recent: [] };
  readonly minCount: number;
  readonly dangerMinCount: number;
  private readonly resolveWindows: number;
  private readonly downgradeWindows: number;
  private readonly scanWindows: number;
  private readonly scanMinCounts: number[];
  private readonly scanPenalty: number;
  /** Largest scan evidence of the last observed window (for explanations and tests). */
  lastScanEvidence = 0;

  constructor(
    private readonly cfg: LevelConfig,
    private readonly windowMs: number,
  ) {
    this.minCount = minCountForWindow(cfg.minCountPerMinute, windowMs);
    this.dangerMinCount = Math.max(this.minCount, minCountForWindow(cfg.dangerMinCountPerMinute, windowMs));
    this.resolveWindows = Math.max(2, Math.ceil(cfg.resolveAfterMs / windowMs));
    this.downgradeWindows = Math.max(1, Math.ceil(cfg.dangerDowngradeAfterMs / windowMs));
    this.scanWindows = Math.min(60, Math.max(1, Math.round(cfg.scanMs / windowMs)));
    this.scanMinCounts = [];
    for (let k = 0; k <= this.scanWindows; k++) this.scanMinCounts.push(minCountForWindow(cfg.minCountPerMinute, k * windowMs));
    this.scanPenalty = Math.log10(Math.max(1, this.scanWindows));
  }

  get level(): Level {
    return this.s.level;
  }

  get episodeStart(): number | null {
    return this.s.episodeStart;
  }

  /** True when this window counts toward a run (p small enough and enough reports). */
  isUnusual(evidence: number, count: number): boolean {
    return evidence >= this.cfg.unusualLog10 && count >= this.minCount;
  }

  /** Best evidence over sums of the last k windows (k >= 2), and the k that gave it. */
  private scan(w: LevelInput): { evidence: number; k: number } {
    const recent = this.s.recent;
    let sumCount = w.count;
    let sumMu = w.expected;
    let sumVar = w.independentVariance;
    let best = 0;
    let bestK = 1;
    const n = recent.length / 3;
    for (let k = 2; k <= this.scanWindows && k - 2 < n; k++) {
      const i = (n - (k - 1)) * 3;
      sumCount += recent[i]!;
      sumMu += recent[i + 1]!;
      sumVar += recent[i + 2]!;
      if (sumCount < this.scanMinCounts[k]! || sumCount <= sumMu) continue;
      const e = evidenceLog10(sumCount, sumMu, sumVar + w.correlatedDispersion * sumMu * sumMu);
      if (e > best) {
        best = e;
        bestK = k;
      }
    }
    return { evidence: best, k: bestK };
  }

  observe(w: LevelInput): Level {
    const s = this.s;
    const c = this.cfg;
    const unusual = this.isUnusual(w.evidence, w.count);
    if (unusual) {
      if (s.runLength === 0) s.runStart = w.windowStart;
      s.runLength++;
      s.runEvidence += w.evidence;
    } else {
      s.runLength = 0;
      s.runEvidence = 0;
      s.runStart = null;
    }
    const scan = this.scanWindows > 1 && w.count > w.expected ? this.scan(w) : { evidence: 0, k: 1 };
    this.lastScanEvidence = scan.evidence;
    const dangerHigh =
      unusual &&
      s.runLength >= c.dangerMinWindows &&
      s.runEvidence >= c.dangerLog10 &&
      w.count >= c.dangerMinRatio * w.expected &&
      w.count >= this.dangerMinCount;
    const runHigh = unusual && s.runEvidence >= c.warningLog10;
    const scanHigh = scan.evidence >= c.warningLog10 + this.scanPenalty;

    switch (s.level) {
      case 'ok':
        if (dangerHigh || runHigh || scanHigh) {
          s.level = dangerHigh ? 'danger' : 'warning';
          s.episodeStart = runHigh || dangerHigh ? s.runStart : w.windowStart - (scan.k - 1) * this.windowMs;
          s.calm = 0;
          s.belowDanger = 0;
        }
        break;
      case 'warning':
        if (dangerHigh) {
          s.level = 'danger';
          s.belowDanger = 0;
        }
        break;
      case 'danger': {
        const stays = unusual && w.count >= c.dangerStayRatio * w.expected;
        s.belowDanger = stays || dangerHigh ? 0 : s.belowDanger + 1;
        if (s.belowDanger >= this.downgradeWindows) {
          s.level = 'warning';
          s.belowDanger = 0;
        }
        break;
      }
    }
    if (s.level !== 'ok') {
      s.calm = unusual || scanHigh ? 0 : s.calm + 1;
      if (s.calm >= this.resolveWindows) {
        s.level = 'ok';
        s.calm = 0;
        s.belowDanger = 0;
        s.episodeStart = null;
      }
    }
    if (this.scanWindows > 1) {
      s.recent.push(w.count, w.expected, w.independentVariance);
      if (s.recent.length > (this.scanWindows - 1) * 3) s.recent.splice(0, 3);
    }
    return s.level;
  }

  toJSON(): LevelState {
    return { ...this.s, recent: [...this.s.recent] };
  }

  restore(state: LevelState): void {
    this.s = { ...state, recent: [...state.recent] };
  }
}
