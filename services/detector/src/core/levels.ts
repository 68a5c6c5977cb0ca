/**
 * From calibrated evidence to a level (ok / warning / danger) that needs duration as well as
 * height, with hysteresis on the way down.
 *
 * The evidence of a window is the scan of evidence.ts, calibrated: E = the decades of rarity of
 * the strongest of the sums of the last 1, 2, 4, ... windows against their baseline. Sequential by
 * construction: a service at 0.2 reports a minute that jumps to 3 a minute gains about two
 * decades a minute and reaches warning within a few minutes, where no single minute would.
 *
 * - warning: E >= warningLog10, with at least minReports counted reports in the span that gave it;
 * - danger: warning, this window and the one before it unusual, and unusual evidence (p <= 1 %)
 *   against dangerRatio × the baseline over a span of two windows or more ("certainly anomalous,
 *   and at least three times normal for two minutes"); it stays while that evidence is unusual,
 *   and drops to warning after dangerDowngradeAfterMs without it;
 * - back to ok after resolveAfterMs with the recent windows back within the band: the recent
 *   evidence (the spans of the scan that fit in that period, or that expect one report for a
 *   service smaller than that, calibrated like the rest) below the unusual line window after window. A plateau with a short sag neither resolves nor reopens;
 *   the longer spans, which hold the outage's windows for half an hour after the rates are back,
 *   do not hold the level up.
 *
 * Beside the level, `held` keeps the slower notion of an evidence episode: from a warning until
 * the whole scan has stayed below the unusual line for episodeGapMs. While it is held, a service
 * back at ok warns again only on fresh evidence (the recent spans unusual). A batch series (no prior)
 * does not learn while it is held (scorer.ts): an outage's windows are kept out of its baseline
 * while any span of the scan still sees them.
 *
 * The episode starts at the first window of the span whose evidence raised the level, or earlier
 * when unusual windows led up to it.
 */
import type { Level } from '../../../../schemas/events/index';
import type { LevelConfig } from './config';
import { isFresh } from './evidence';

export interface LevelState {
  level: Level;
  /** Start of the current run of unusual windows. */
  runStart: number | null;
  /** Windows in that run. */
  runLength?: number;
  calm: number;
  belowDanger: number;
  /** Start of the first window of the current non-ok episode. */
  episodeStart: number | null;
  /** The evidence episode (module comment): held since a warning, and whole-scan calm windows since. */
  held?: boolean;
  heldCalm?: number;
}

export interface LevelInput {
  windowStart: number;
  /** Calibrated evidence (decades). */
  evidence: number;
  /** Calibrated evidence of the spans within resolveAfterMs (default: `evidence`). */
  recentEvidence?: number;
  /** Calibrated evidence against the danger band (decades). */
  dangerEvidence: number;
  /** Counted reports in the span that gave `evidence` (Infinity when the series is not a count). */
  reports: number;
  dangerReports: number;
  /** First window of the span that gave `evidence` / `dangerEvidence`. */
  spanStart: number;
  dangerStart: number;
}

export class LevelTracker {
  private s: LevelState = { level: 'ok', runStart: null, runLength: 0, calm: 0, belowDanger: 0, episodeStart: null, held: false, heldCalm: 0 };
  private readonly resolveWindows: number;
  private readonly downgradeWindows: number;
  private readonly gapWindows: number;

  constructor(
    private readonly cfg: LevelConfig,
    windowMs: number,
    /** The evidence episode's gap (CalibrationConfig.episodeGapMs); default resolveAfterMs. */
    episodeGapMs = cfg.resolveAfterMs,
  ) {
    this.resolveWindows = Math.max(2, Math.ceil(cfg.resolveAfterMs / windowMs));
    this.downgradeWindows = Math.max(1, Math.ceil(cfg.dangerDowngradeAfterMs / windowMs));
    this.gapWindows = Math.max(2, Math.ceil(episodeGapMs / windowMs));
  }

  /** In an evidence episode (module comment): since a warning, until the whole scan has been calm for episodeGapMs. */
  get held(): boolean {
    return this.s.held === true;
  }

  get level(): Level {
    return this.s.level;
  }

  get episodeStart(): number | null {
    return this.s.episodeStart;
  }

  observe(w: LevelInput): Level {
    const s = this.s;
    const c = this.cfg;
    const unusual = w.evidence >= c.unusualLog10;
    if (unusual) {
      s.runStart ??= w.windowStart;
      s.runLength = (s.runLength ?? 0) + 1;
    } else {
      s.runStart = null;
      s.runLength = 0;
    }
    const warningHigh = w.evidence >= c.warningLog10 && w.reports >= c.minReports;
    // Duration: danger needs this window and the one before it unusual, whatever the span sums say.
    const dangerHigh = warningHigh && (s.runLength ?? 0) >= 2 && w.dangerEvidence >= c.unusualLog10 && w.dangerReports >= c.minReports;

    // While the evidence episode is held, the longer spans still hold its windows: a new warning
    // needs fresh evidence in the recent spans too, or a slowly decaying tail that the recent spans
    // call calm would be raised again at once by the long sums of the episode just resolved.
    const fresh = !s.held || isFresh(w.recentEvidence ?? w.evidence, c.unusualLog10);
    switch (s.level) {
      case 'ok':
        if ((dangerHigh || warningHigh) && fresh) {
          s.level = dangerHigh ? 'danger' : 'warning';
          const spanStart = dangerHigh ? Math.min(w.dangerStart, warningHigh ? w.spanStart : Infinity) : w.spanStart;
          s.episodeStart = s.runStart !== null && s.runStart < spanStart ? s.runStart : spanStart;
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
      case 'danger':
        s.belowDanger = dangerHigh || w.dangerEvidence >= c.unusualLog10 ? 0 : s.belowDanger + 1;
        if (s.belowDanger >= this.downgradeWindows) {
          s.level = 'warning';
          s.belowDanger = 0;
        }
        break;
    }
    if (!s.held && (warningHigh || dangerHigh)) {
      s.held = true;
      s.heldCalm = 0;
    }
    if (s.held) {
      s.heldCalm = unusual ? 0 : (s.heldCalm ?? 0) + 1;
      if (s.heldCalm >= this.gapWindows) {
        s.held = false;
        s.heldCalm = 0;
      }
    }
    if (s.level !== 'ok') {
      const recentUnusual = (w.recentEvidence ?? w.evidence) >= c.unusualLog10;
      s.calm = recentUnusual ? 0 : s.calm + 1;
      if (s.calm >= this.resolveWindows) {
        s.level = 'ok';
        s.calm = 0;
        s.belowDanger = 0;
        s.episodeStart = null;
      }
    }
    return s.level;
  }

  toJSON(): LevelState {
    return { ...this.s };
  }

  /** Restores a state; states written before the evidence scan (runLength, recent...) keep their level and episode. */
  restore(state: LevelState): void {
    this.s = {
      level: state.level,
      runStart: state.runStart ?? null,
      runLength: state.runLength ?? (state.runStart !== null && state.runStart !== undefined ? 1 : 0),
      calm: state.calm ?? 0,
      belowDanger: state.belowDanger ?? 0,
      episodeStart: state.episodeStart ?? null,
      // A state written before `held` existed: held exactly while not ok, as then.
      held: state.held ?? state.level !== 'ok',
      heldCalm: state.heldCalm ?? state.calm ?? 0,
    };
  }
}
