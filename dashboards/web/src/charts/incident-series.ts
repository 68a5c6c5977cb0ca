/**
 * Several services' report curves merged onto one time axis, one series per service, for the
 * incident page. Two measures:
 *  - 'reports': counts, so a bucket a service has no point for is 0;
 *  - 'ratio': reports as a multiple of the service's own baseline, on a log axis, so that a
 *    collateral service at 50× its usual shows next to a primary one at 1000×. A ratio is not a
 *    count: a bucket without a baseline is a gap (null). Ratios below 1 are drawn at 1 (typical).
 */
import type { CurveResponse } from '../../../../schemas/api/index';
import { niceScale } from './scale';
import { MINUTE_MS, formatDateTime } from './time';
import { prepareTimeAxis, type TimeAxis } from './time-axis';

export interface IncidentSeriesRow {
  t: number;
  label: string;
  /** series key ("s0", "s1", ...) -> reports, or the ratio (null: no baseline) */
  [key: string]: number | string | null;
}

export interface IncidentSeriesMeta {
  /** the row property holding this service's reports */
  key: string;
  serviceId: string;
  peak: number;
  peakAt: number | null;
  total: number;
}

export interface PreparedIncidentSeries {
  from: number;
  to: number;
  stepMs: number;
  rows: IncidentSeriesRow[];
  series: IncidentSeriesMeta[];
  axis: TimeAxis;
  measure: 'reports' | 'ratio';
  /** what the y axis shows: "Reports per 15 min", or the ratio to the usual volume */
  yUnit: string;
  yScale: 'linear' | 'log';
  /** the lowest value of the y axis: 0 for reports, 1 for ratios */
  yMin: number;
  yMax: number;
  yTicks: number[];
}

export interface IncidentSeriesOptions {
  measure?: 'reports' | 'ratio';
  timeZone: string;
  /** bucket minutes (default: the coarsest step among the curves); finer curves are summed into it */
  step?: number;
  from?: number;
  to?: number;
  maxTicks?: number;
}

export function prepareIncidentSeries(curves: readonly CurveResponse[], options: IncidentSeriesOptions): PreparedIncidentSeries {
  const measure = options.measure ?? 'reports';
  const stepMin = options.step ?? curves.reduce((m, c) => Math.max(m, c.step), 1);
  const stepMs = Math.max(1, stepMin) * MINUTE_MS;
  const from = options.from ?? Math.min(...curves.map((c) => c.from), Number.POSITIVE_INFINITY);
  const to = options.to ?? Math.max(...curves.map((c) => c.to), Number.NEGATIVE_INFINITY);
  if (curves.length === 0 || !Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) {
    const f = Number.isFinite(from) ? from : 0;
    return { from: f, to: f, stepMs, rows: [], series: [], axis: prepareTimeAxis(f, f, options.timeZone), measure, yUnit: unitOf(measure, stepMs), yScale: measure === 'ratio' ? 'log' : 'linear', yMin: measure === 'ratio' ? 1 : 0, yMax: measure === 'ratio' ? 10 : 1, yTicks: measure === 'ratio' ? [1, 10] : [0, 1] };
  }
  const start = Math.floor(from / stepMs) * stepMs;
  const rows: IncidentSeriesRow[] = [];
  const index = new Map<number, IncidentSeriesRow>();
  for (let t = start; t < to; t += stepMs) {
    const row: IncidentSeriesRow = { t, label: formatDateTime(t, options.timeZone) };
    rows.push(row);
    index.set(t, row);
  }
  const series: IncidentSeriesMeta[] = curves.map((c, i) => {
    const key = `s${i}`;
    const reports = new Map<number, number>();
    const baseline = new Map<number, number | null>();
    for (const p of c.points) {
      const t = Math.floor(p.t / stepMs) * stepMs;
      if (!index.has(t)) continue;
      reports.set(t, (reports.get(t) ?? 0) + Math.max(0, p.reports));
      const b = baseline.has(t) ? baseline.get(t)! : 0;
      baseline.set(t, b === null || p.baseline === null ? null : b + p.baseline);
    }
    let peak = 0;
    let peakAt: number | null = null;
    let total = 0;
    for (const r of rows) {
      const count = reports.get(r.t) ?? 0;
      total += count;
      let v: number | null = count;
      if (measure === 'ratio') {
        const b = baseline.get(r.t) ?? null;
        v = b !== null && b > 0 ? Math.max(1, Math.round((count / b) * 10) / 10) : null;
      }
      r[key] = v;
      if (v !== null && v > peak) {
        peak = v;
        peakAt = r.t;
      }
    }
    return { key, serviceId: c.serviceId, peak, peakAt, total };
  });
  const end = rows.length > 0 ? rows[rows.length - 1]!.t + stepMs : to;
  const top = series.reduce((m, s) => Math.max(m, s.peak), 0);
  const scale = measure === 'ratio' ? logScale(top) : niceScale(top);
  return {
    from: start,
    to: end,
    stepMs,
    rows,
    series,
    axis: prepareTimeAxis(start, end, options.timeZone, options.maxTicks === undefined ? {} : { maxTicks: options.maxTicks }),
    measure,
    yUnit: unitOf(measure, stepMs),
    yScale: measure === 'ratio' ? 'log' : 'linear',
    yMin: measure === 'ratio' ? 1 : 0,
    yMax: scale.max,
    yTicks: scale.ticks,
  };
}

function unitOf(measure: 'reports' | 'ratio', stepMs: number): string {
  const minutes = stepMs / MINUTE_MS;
  return measure === 'ratio' ? `Reports per ${minutes} min ÷ the usual for that time (log scale)` : `Reports per ${minutes} min`;
}

/** Powers of ten from 1 to at least `max` (at least 1, 10). */
export function logScale(max: number): { max: number; ticks: number[] } {
  const ticks = [1, 10];
  while (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! * 10);
  return { max: ticks[ticks.length - 1]!, ticks };
}
