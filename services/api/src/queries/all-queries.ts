/**
 * Every SQL statement the read API sends, built by the routes' own builders for one set of
 * arguments. It is what the SQL checks run: the lint that rejects SQL current ClickHouse refuses
 * (schemas/clickhouse/shipped-sql.test.ts) and the comparison of answers between ClickHouse 18.16
 * and a current engine (tests/sql-compat.integration.test.ts). A builder added to a route and
 * not here goes unchecked, so routes/queries.test.ts asserts that every exported `*Sql` builder
 * is listed.
 */
import type { Reader } from '../clickhouse';
import { bucketsFor, type TimeRange } from '../time-range';
import { incidentSql, incidentsAtSql, incidentsSql, timelineSql } from './incidents.queries';
import {
  breakdownSql,
  curveReportsSql,
  curveScoresSql,
  hashtagsSql,
  latestScoresAtSql,
  latestScoresSql,
  openIncidentsAtSql,
  openIncidentsSql,
  postsSql,
  scoredUntilSql,
  sparklinesSql,
} from './services.queries';
import { trendUsesSql, trendsSql } from './trends.queries';

export interface QueryArgs {
  range: TimeRange;
  serviceId: string;
  serviceIds: string[];
  incidentId: string;
  /** The "as it stood at" moment of the board (epoch ms). */
  at: number;
  stepMinutes: number;
  limit: number;
}

export interface NamedQuery {
  /** The builder's name. */
  name: string;
  sql: string;
}

export function allApiQueries(r: Reader, a: QueryArgs): NamedQuery[] {
  const b = bucketsFor(a.range, a.stepMinutes);
  return [
    { name: 'curveReportsSql', sql: curveReportsSql(r, a.serviceId, b) },
    { name: 'curveScoresSql', sql: curveScoresSql(r, a.serviceId, b) },
    { name: 'latestScoresSql', sql: latestScoresSql(r) },
    { name: 'latestScoresAtSql', sql: latestScoresAtSql(r, a.at) },
    { name: 'scoredUntilSql', sql: scoredUntilSql(r) },
    { name: 'sparklinesSql', sql: sparklinesSql(r, a.range) },
    { name: 'openIncidentsSql', sql: openIncidentsSql(r) },
    { name: 'openIncidentsAtSql', sql: openIncidentsAtSql(r, a.at) },
    { name: 'breakdownSql', sql: breakdownSql(r, a.serviceIds, a.range) },
    { name: 'postsSql', sql: postsSql(r, a.serviceId, a.range, a.limit) },
    { name: 'hashtagsSql', sql: hashtagsSql(r, a.serviceIds, a.range, a.limit) },
    { name: 'incidentsSql', sql: incidentsSql(r, a.range, { limit: a.limit }) },
    { name: 'incidentsSql (service, open)', sql: incidentsSql(r, a.range, { limit: a.limit, serviceId: a.serviceId, status: 'open' }) },
    { name: 'incidentsSql (resolved)', sql: incidentsSql(r, a.range, { limit: a.limit, status: 'resolved' }) },
    { name: 'incidentsAtSql', sql: incidentsAtSql(r, a.range, a.at, { limit: a.limit }) },
    { name: 'incidentsAtSql (service, open)', sql: incidentsAtSql(r, a.range, a.at, { limit: a.limit, serviceId: a.serviceId, status: 'open' }) },
    { name: 'incidentSql', sql: incidentSql(r, a.incidentId) },
    { name: 'timelineSql', sql: timelineSql(r, a.incidentId) },
    { name: 'trendsSql', sql: trendsSql(r, a.range, a.limit) },
    { name: 'trendUsesSql', sql: trendUsesSql(r, a.range, a.limit) },
  ];
}
