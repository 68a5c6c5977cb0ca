import type { CurvePoint } from '../../../schemas/api/index';
import type { Level } from '../../../schemas/events/index';
import type { Buckets } from './time-range';

export const LEVEL_RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };
export const LEVEL_BY_RANK: readonly Level[] = ['ok', 'warning', 'danger'];

export interface ReportBucketRow {
  /** bucket start, epoch seconds */
  t: number;
  reports: number;
}

export interface ScoreBucketRow {
  t: number;
  baseline: number;
  upper_sum: number;
  score_max: number;
  /** 0 ok, 1 warning, 2 danger: the worst level of the bucket's windows */
  level_rank: number;
}

/**
 * The dense curve: one point per bucket from `buckets.start`, every bucket present. A bucket
 * without reports is 0 reports (nobody complained); a bucket without a score has null baseline,
 * band, score and level (the detector did not say anything: a gap to draw, not a zero).
 */
export function denseCurve(buckets: Buckets, reports: readonly ReportBucketRow[], scores: readonly ScoreBucketRow[]): CurvePoint[] {
  const reportsAt = new Map<number, number>();
  for (const r of reports) reportsAt.set(r.t * 1000, Number(r.reports));
  const scoreAt = new Map<number, ScoreBucketRow>();
  for (const s of scores) scoreAt.set(s.t * 1000, s);
  const points: CurvePoint[] = new Array(buckets.count);
  for (let i = 0; i < buckets.count; i++) {
    const t = buckets.start + i * buckets.stepMs;
    const s = scoreAt.get(t);
    points[i] = {
      t,
      reports: reportsAt.get(t) ?? 0,
      baseline: s ? round3(s.baseline) : null,
      upper: s ? round3(s.upper_sum) : null,
      score: s ? round3(s.score_max) : null,
      level: s ? (LEVEL_BY_RANK[s.level_rank] ?? 'ok') : null,
    };
  }
  return points;
}

const round3 = (x: number) => Math.round(Number(x) * 1000) / 1000;
