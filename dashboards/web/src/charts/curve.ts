/**
 * The report-volume curve of one service, as Downdetector draws it: reports per bucket against
 * the typical band (baseline..upper), with the threshold (upper), level changes, the peak and the
 * onset of the first sustained excursion. Every decision is made here; the component only renders.
 *
 * Missing buckets: reports are counts, so a missing bucket is 0; baseline, upper, score and level
 * are not, so a missing bucket is a gap (null), drawn as a break in the band.
 */
import type { CurvePoint, IncidentSummary } from '../../../../schemas/api/index';
import type { Level } from '../../../../schemas/events/index';
import { incidentPeakLevel } from './incident-story';
import { niceScale } from './scale';
import { MINUTE_MS, formatDateTime, formatTime } from './time';
import { prepareTimeAxis, type TimeAxis } from './time-axis';

export interface CurveRow {
  /** bucket start */
  t: number;
  /** "4 Oct 2021, 15:45" in the chosen zone, for tooltips */
  label: string;
  reports: number;
  baseline: number | null;
  upper: number | null;
  /** [baseline, upper] for the shaded band; null where either is unknown (a gap) */
  band: [number, number] | null;
  score: number | null;
  level: Level | null;
  /** reports above the threshold */
  above: boolean;
  /** the bucket is still filling (it ends after `now`) */
  partial: boolean;
  /** reports of complete buckets: the solid line (null on the partial bucket) */
  reportsComplete: number | null;
  /** the last complete bucket and the partial one: a dotted continuation (null elsewhere) */
  reportsPartial: number | null;
}

export interface CurvePeak {
  t: number;
  label: string;
  reports: number;
  upper: number | null;
  baseline: number | null;
  /** reports / upper, when upper > 0 */
  timesUpper: number | null;
}

export interface CurveOnset {
  /** start of the first bucket of the first sustained excursion above the threshold */
  bucketStart: number;
  /**
   * Estimated start inside that bucket, to the minute: the bucket's excess over the baseline as
   * a share of the next bucket's excess says how much of the bucket the outage filled.
   */
  at: number;
  label: string;
}

export interface LevelRun {
  from: number;
  /** exclusive */
  to: number;
  level: Level;
}

export interface LevelMarker {
  t: number;
  level: Exclude<Level, 'ok'>;
  label: string;
}

export interface PreparedCurve {
  from: number;
  to: number;
  stepMs: number;
  /** what the y axis counts, matching the bucket: "Reports per 15 min" */
  yUnit: string;
  rows: CurveRow[];
  axis: TimeAxis;
  yMax: number;
  yTicks: number[];
  peak: CurvePeak | null;
  onset: CurveOnset | null;
  levelRuns: LevelRun[];
  /** where the level rose to warning or danger */
  markers: LevelMarker[];
  totalReports: number;
  /** no reports and no baseline anywhere: nothing to draw */
  empty: boolean;
}

export interface CurveOptions {
  timeZone: string;
  /** bucket minutes */
  step: number;
  /** range start (default: first point); buckets start at multiples of the step */
  from?: number;
  /** range end, exclusive (default: after the last point) */
  to?: number;
  /** buckets above the threshold in a row that make an onset (default 2; fewer at the end of the range) */
  onsetMinRun?: number;
  maxTicks?: number;
  /** the present: a bucket that ends after it is partial, drawn apart so its dip is not read as a recovery */
  now?: number;
}

export function prepareCurve(points: readonly CurvePoint[], options: CurveOptions): PreparedCurve {
  const stepMs = Math.max(1, Math.round(options.step)) * MINUTE_MS;
  const byBucket = new Map<number, CurvePoint>();
  for (const p of points) byBucket.set(Math.floor(p.t / stepMs) * stepMs, p);
  const sortedTimes = [...byBucket.keys()].sort((a, b) => a - b);
  const firstT = sortedTimes[0];
  const lastT = sortedTimes[sortedTimes.length - 1];
  const from = options.from ?? firstT ?? 0;
  const to = options.to ?? (lastT !== undefined ? lastT + stepMs : from);
  const start = Math.floor(from / stepMs) * stepMs;

  const rows: CurveRow[] = [];
  for (let t = start; t < to; t += stepMs) {
    const p = byBucket.get(t);
    const baseline = finiteOrNull(p?.baseline);
    const upper = finiteOrNull(p?.upper);
    const reports = p ? Math.max(0, p.reports) : 0;
    const partial = options.now !== undefined && t + stepMs > options.now;
    rows.push({
      t,
      label: formatDateTime(t, options.timeZone),
      reports,
      baseline,
      upper,
      band: baseline !== null && upper !== null ? [Math.min(baseline, upper), Math.max(baseline, upper)] : null,
      score: finiteOrNull(p?.score),
      level: p?.level ?? null,
      above: upper !== null && reports > upper,
      partial,
      reportsComplete: partial ? null : reports,
      reportsPartial: null,
    });
  }
  rows.forEach((r, i) => {
    if (r.partial || rows[i + 1]?.partial) r.reportsPartial = r.reports;
  });

  let maxValue = 0;
  let totalReports = 0;
  let anyBaseline = false;
  let peakRow: CurveRow | null = null;
  for (const r of rows) {
    totalReports += r.reports;
    maxValue = Math.max(maxValue, r.reports, r.upper ?? 0);
    if (r.baseline !== null || r.upper !== null) anyBaseline = true;
    if (r.reports > 0 && (peakRow === null || r.reports > peakRow.reports)) peakRow = r;
  }
  const scale = niceScale(maxValue);
  const peak: CurvePeak | null = peakRow
    ? {
        t: peakRow.t,
        label: formatDateTime(peakRow.t, options.timeZone),
        reports: peakRow.reports,
        upper: peakRow.upper,
        baseline: peakRow.baseline,
        timesUpper: peakRow.upper !== null && peakRow.upper > 0 ? peakRow.reports / peakRow.upper : null,
      }
    : null;

  const { levelRuns, markers } = levelChanges(rows, stepMs, options.timeZone);
  const rangeEnd = rows.length > 0 ? rows[rows.length - 1]!.t + stepMs : to;
  return {
    from: start,
    to: rangeEnd,
    stepMs,
    yUnit: `Reports per ${stepMs / MINUTE_MS} min`,
    rows,
    axis: prepareTimeAxis(start, rangeEnd, options.timeZone, options.maxTicks === undefined ? {} : { maxTicks: options.maxTicks }),
    yMax: scale.max,
    yTicks: scale.ticks,
    peak,
    onset: detectOnset(rows, stepMs, options.onsetMinRun ?? 2, options.timeZone),
    levelRuns,
    markers,
    totalReports,
    empty: totalReports === 0 && !anyBaseline,
  };
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The first run of at least `minRun` buckets above the threshold (or a shorter one that reaches
 * the end of the range: an outage that is starting now). A run that begins with the range has
 * begun before it, so it has no onset in view.
 */
export function detectOnset(rows: readonly CurveRow[], stepMs: number, minRun: number, timeZone: string): CurveOnset | null {
  let i = 0;
  while (i < rows.length) {
    if (!rows[i]!.above) {
      i++;
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j]!.above) j++;
    const runLength = j - i;
    if (runLength >= minRun || j === rows.length) {
      if (i === 0) return null;
      const first = rows[i]!;
      const next = rows[i + 1];
      const prev = rows[i - 1]!;
      const excess = first.reports - (first.baseline ?? 0);
      const nextExcess = next ? next.reports - (next.baseline ?? 0) : 0;
      const prevBaseline = prev.baseline ?? prev.reports;
      const prevExcess = prev.reports - prevBaseline;
      // Clearly more than noise in the bucket before (about 2 standard deviations of a count).
      const prevStarted = prevExcess > 2 * Math.sqrt(Math.max(1, prevBaseline)) + 1;
      let at = first.t;
      if (prevStarted && excess > 0) {
        // The outage began in the bucket before, which it filled with `prevExcess` extra reports
        // at about the first bucket's rate: it began that many minutes before the first bucket.
        const perMinute = excess / (stepMs / MINUTE_MS);
        const minutes = Math.min(stepMs / MINUTE_MS, Math.max(1, Math.round(prevExcess / perMinute)));
        at = first.t - minutes * MINUTE_MS;
      } else if (next && excess > 0 && nextExcess > excess && plateauAfter(rows, i + 1)) {
        // The bucket after is already at the plateau, so the first bucket was filled at that
        // rate for part of its span: the outage began that far into it. (While the buckets
        // still ramp up, a partly filled bucket and a ramp look alike: keep the bucket start.)
        const filled = excess / nextExcess;
        at = first.t + Math.round(((1 - filled) * stepMs) / MINUTE_MS) * MINUTE_MS;
      }
      return { bucketStart: first.t, at, label: `Onset ≈ ${formatTime(at, timeZone)}` };
    }
    i = j;
  }
  return null;
}

/** Whether the bucket at `k` is already about as high as the one after it (a plateau, not a ramp). */
function plateauAfter(rows: readonly CurveRow[], k: number): boolean {
  const a = rows[k];
  const b = rows[k + 1];
  if (!a) return false;
  if (!b) return true;
  const ea = a.reports - (a.baseline ?? 0);
  const eb = b.reports - (b.baseline ?? 0);
  return eb <= 0 || ea >= 0.85 * eb;
}

function levelChanges(rows: readonly CurveRow[], stepMs: number, timeZone: string): { levelRuns: LevelRun[]; markers: LevelMarker[] } {
  const levelRuns: LevelRun[] = [];
  const markers: LevelMarker[] = [];
  let previous: Level | null = null;
  for (const r of rows) {
    if (r.level !== null) {
      const last = levelRuns[levelRuns.length - 1];
      if (last && last.level === r.level && last.to === r.t) last.to = r.t + stepMs;
      else levelRuns.push({ from: r.t, to: r.t + stepMs, level: r.level });
      if (r.level !== 'ok' && rank(r.level) > rank(previous)) {
        markers.push({ t: r.t, level: r.level, label: `${r.level === 'danger' ? 'Danger' : 'Warning'} ${formatTime(r.t, timeZone)}` });
      }
    }
    previous = r.level;
  }
  return { levelRuns, markers };
}

function rank(level: Level | null): number {
  return level === 'danger' ? 2 : level === 'warning' ? 1 : 0;
}

export interface IncidentSpan {
  incidentId: string;
  x1: number;
  x2: number;
  level: Level;
  status: 'open' | 'resolved';
  label: string;
  /** wide enough (an eighth of the range) to carry its label inside */
  labelFits: boolean;
}

/**
 * Incidents clipped to the visible range; an open incident runs until `now` (the API's clock for
 * open incidents, `asOf`). Each is shaded in the colour of the worst level it reached: a resolved
 * incident's own level is ok, and an outage shaded green would say the opposite of what it was.
 */
export function prepareIncidentSpans(
  incidents: readonly IncidentSummary[],
  range: { from: number; to: number; now: number },
  timeZone: string,
): IncidentSpan[] {
  const spans: IncidentSpan[] = [];
  for (const inc of incidents) {
    const end = inc.resolvedAt ?? Math.max(range.now, inc.lastEventAt);
    const x1 = Math.max(inc.startedAt, range.from);
    const x2 = Math.min(end, range.to);
    if (!(x2 > x1)) continue;
    const until = inc.resolvedAt === null ? 'ongoing' : formatTime(inc.resolvedAt, timeZone);
    spans.push({
      incidentId: inc.incidentId,
      x1,
      x2,
      level: incidentPeakLevel(inc),
      status: inc.status,
      label: `Incident ${formatTime(inc.startedAt, timeZone)}–${until}`,
      labelFits: (x2 - x1) / Math.max(1, range.to - range.from) >= 0.125,
    });
  }
  return spans.sort((a, b) => a.x1 - b.x1);
}
