import { sqlInt, sqlSlug } from '@downradar/common';
import { since, until, type Reader } from '../clickhouse';
import type { ReportBucketRow, ScoreBucketRow } from '../curve';
import type { Buckets, TimeRange } from '../time-range';

/**
 * SQL of the service routes. Only catalog slugs (sqlSlug), integers (sqlInt) and epoch bounds
 * (since/until, integers) are spliced in: ClickHouse 18.16 has no server-side parameters.
 */

/** Reports per bucket from the 1-minute rollup; buckets without reports are absent (dense later). */
export function curveReportsSql(r: Reader, serviceId: string, b: Buckets): string {
  const stepSec = sqlInt(b.stepMs / 1000);
  return `SELECT toUInt32(intDiv(toUInt32(minute), ${stepSec}) * ${stepSec}) AS t, uniqExactMerge(reports) AS reports
FROM ${r.table('report_volume_1m')}
WHERE service_id = ${sqlSlug(serviceId)} AND minute >= ${since(b.start)} AND minute < ${until(b.to)}
GROUP BY t ORDER BY t`;
}

/**
 * The detector's windows per bucket: a re-scored window counts once (FINAL keeps its latest
 * computation, the table's version being computed_at_ms), baseline and band are summed over the
 * bucket's windows, score and level are the bucket's worst.
 */
export function curveScoresSql(r: Reader, serviceId: string, b: Buckets): string {
  const stepSec = sqlInt(b.stepMs / 1000);
  // Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.
  return `SELECT toUInt32(intDiv(toUInt32(window_start), ${stepSec}) * ${stepSec}) AS t,
  sum(expected) AS baseline, sum(upper) AS upper_sum, max(score) AS score_max,
  max(multiIf(level = 'danger', 2, level = 'warning', 1, 0)) AS level_rank
FROM ${r.table('scores')} FINAL
WHERE service_id = ${sqlSlug(serviceId)} AND window_start >= ${since(b.start)} AND window_start < ${until(b.to)}
GROUP BY t ORDER BY t`;
}

export function fetchCurve(r: Reader, serviceId: string, b: Buckets): Promise<[ReportBucketRow[], ScoreBucketRow[]]> {
  return Promise.all([r.rows<ReportBucketRow>(curveReportsSql(r, serviceId, b)), r.rows<ScoreBucketRow>(curveScoresSql(r, serviceId, b))]);
}

export interface LatestScoreRow {
  service_id: string;
  last_window_s: number;
  score: number;
  level: string;
  count: number;
  expected: number;
}

/**
 * Each service's latest window (its latest computation). Bounded to the day before the newest
 * window in the table, so the scan stays small however long the history, and a replayed past
 * still shows its last state; a service not scored in that day counts as never scored.
 */
export function latestScoresSql(r: Reader): string {
  const scores = r.table('scores');
  // Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.
  return `SELECT service_id, toUInt32(max(window_start)) AS last_window_s,
  argMax(score, (window_start, computed_at_ms)) AS score, argMax(level, (window_start, computed_at_ms)) AS level,
  argMax(count, (window_start, computed_at_ms)) AS count, argMax(expected, (window_start, computed_at_ms)) AS expected
FROM ${scores}
WHERE window_start >= (SELECT max(window_start) FROM ${scores}) - ${sqlInt(86_400)}
GROUP BY service_id`;
}

/**
 * The same as it stood at `at`: each service's latest window that had closed by then (its latest
 * computation), within the day before `at`.
 */
export function latestScoresAtSql(r: Reader, at: number): string {
  return `SELECT service_id, toUInt32(max(window_start)) AS last_window_s,
  argMax(score, (window_start, computed_at_ms)) AS score, argMax(level, (window_start, computed_at_ms)) AS level,
  argMax(count, (window_start, computed_at_ms)) AS count, argMax(expected, (window_start, computed_at_ms)) AS expected
FROM ${r.table('scores')}
WHERE window_start >= ${since(at - 86_400_000)} AND window_end <= toDateTime(${sqlInt(Math.floor(at / 1000))})
GROUP BY service_id`;
}

export interface ScoredUntilRow {
  /** epoch seconds; 0 when nothing was scored */
  until_s: number;
}

/** The detector's event-time clock as stored: the end of the newest scored window. */
export function scoredUntilSql(r: Reader): string {
  return `SELECT toUInt32(max(window_end)) AS until_s FROM ${r.table('scores')}`;
}

export interface SparkRow {
  service_id: string;
  t: number;
  n: number;
}

export function sparklinesSql(r: Reader, range: TimeRange): string {
  return `SELECT service_id, toUInt32(toStartOfFifteenMinutes(minute)) AS t, uniqExactMerge(reports) AS n
FROM ${r.table('report_volume_1m')}
WHERE minute >= ${since(range.from)} AND minute < ${until(range.to)}
GROUP BY service_id, t`;
}

export interface OpenIncidentRow {
  incident_id: string;
  service_ids: string[];
}

export function openIncidentsSql(r: Reader): string {
  return `SELECT incident_id, service_ids FROM ${r.table('incidents')} FINAL WHERE status = 'open' ORDER BY started_at`;
}

/** Incidents open at `at`: their last event by then was not `resolved`. */
export function openIncidentsAtSql(r: Reader, at: number): string {
  // Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.
  return `SELECT incident_id, ids AS service_ids FROM (
  SELECT incident_id, argMax(type, seq) AS last_type, argMax(service_ids, seq) AS ids, min(started_at) AS started
  FROM ${r.table('incident_events')}
  WHERE at_ms <= ${sqlInt(at)}
  GROUP BY incident_id
)
WHERE last_type != 'resolved'
ORDER BY started`;
}

export interface ShareRow {
  problem: string;
  country: string;
  source: string;
  n: number;
}

/** One pass over the rollup: each report has one (problem, country, source), so per-dimension sums are exact. */
export function breakdownSql(r: Reader, serviceIds: readonly string[], range: TimeRange): string {
  return `SELECT problem, country, source, uniqExactMerge(reports) AS n
FROM ${r.table('report_volume_1m')}
WHERE service_id IN (${serviceIds.map(sqlSlug).join(', ')}) AND minute >= ${since(range.from)} AND minute < ${until(range.to)}
GROUP BY problem, country, source`;
}

export interface PostRow {
  id: string;
  at_ms: number;
  text: string;
  source: string;
  lang: string;
  detected_lang: string;
  outage: number;
  problem: string;
}

/**
 * Posts attributed to the service (its post-derived signals), newest first, with their text.
 * Both joined subqueries carry an alias: current ClickHouse refuses them without (Code 206).
 */
export function postsSql(r: Reader, serviceId: string, range: TimeRange, limit: number): string {
  return `SELECT id, at_ms, text, source, lang, detected_lang, outage, problem
FROM (
  SELECT source_id AS id, max(at_ms) AS at_ms, max(outage) AS outage, any(problem) AS problem
  FROM ${r.table('signals')}
  WHERE service_id = ${sqlSlug(serviceId)} AND at >= ${since(range.from)} AND at < ${until(range.to)} AND kind IN ('hashtag', 'mention')
  GROUP BY id
  ORDER BY at_ms DESC, id
  LIMIT ${sqlInt(limit)}
) AS attributed
ANY INNER JOIN (
  SELECT id, any(text) AS text, any(source) AS source, any(lang) AS lang, any(detected_lang) AS detected_lang
  FROM ${r.table('posts')}
  WHERE at >= ${since(range.from)} AND at < ${until(range.to)}
  GROUP BY id
) AS texts USING id
ORDER BY at_ms DESC, id`;
}

export interface HashtagRow {
  hashtag: string;
  count: number;
}

export function hashtagsSql(r: Reader, serviceIds: readonly string[], range: TimeRange, limit: number): string {
  return `SELECT hashtag, uniqExactMerge(sources) AS count
FROM ${r.table('hashtag_volume_1m')}
WHERE minute >= ${since(range.from)} AND minute < ${until(range.to)} AND service_id IN (${serviceIds.map(sqlSlug).join(', ')})
GROUP BY hashtag
ORDER BY count DESC, hashtag
LIMIT ${sqlInt(limit)}`;
}

export interface Share {
  key: string;
  count: number;
  pct: number;
}

/** Counts per key, largest first, with their share of `total` in % (one decimal). */
export function shares(counts: Map<string, number>, total: number): Share[] {
  return [...counts]
    .map(([key, count]) => ({ key, count, pct: total > 0 ? Math.round((count / total) * 1000) / 10 : 0 }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export function breakdownFrom(rows: readonly ShareRow[]): { total: number; problems: Share[]; countries: Share[]; sources: Share[] } {
  const problems = new Map<string, number>();
  const countries = new Map<string, number>();
  const sources = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    const n = Number(row.n);
    total += n;
    problems.set(row.problem, (problems.get(row.problem) ?? 0) + n);
    // '' is a report without a country.
    const country = row.country || 'unknown';
    countries.set(country, (countries.get(country) ?? 0) + n);
    sources.set(row.source, (sources.get(row.source) ?? 0) + n);
  }
  return { total, problems: shares(problems, total), countries: shares(countries, total), sources: shares(sources, total) };
}
