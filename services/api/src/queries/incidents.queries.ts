import { sqlInt, sqlSlug, sqlToken } from '@downradar/common';
import type { IncidentSummary } from '../../../../schemas/api/index';
import type { IncidentEvent, IncidentService, Level } from '../../../../schemas/events/index';
import { since, until, type Reader } from '../clickhouse';
import type { TimeRange } from '../time-range';

/** Columns shared by the incidents (latest state) and incident_events (timeline) tables. */
const COMMON_COLUMNS = `incident_id, level, toUInt32(started_at) AS started_s,
  toUInt32(ifNull(resolved_at, toDateTime(0))) AS resolved_s, family, provider,
  service_ids, service_roles, service_levels,
  arrayMap(x -> toUInt32(x), service_first_warning_at) AS first_warning_s,
  arrayMap(x -> toUInt32(x), service_first_danger_at) AS first_danger_s,
  service_peak_scores, service_peak_counts, services_json, summary`;

interface CommonRow {
  incident_id: string;
  level: string;
  started_s: number;
  resolved_s: number;
  family: string;
  provider: string;
  service_ids: string[];
  service_roles: string[];
  service_levels: string[];
  first_warning_s: number[];
  first_danger_s: number[];
  service_peak_scores: number[];
  service_peak_counts: number[];
  services_json: string;
  summary: string;
}

export interface IncidentRow extends CommonRow {
  status: string;
  last_s: number;
}

export interface IncidentEventRow extends CommonRow {
  event_id: string;
  seq: number;
  type: string;
  at_ms: number;
  emitted_at_ms: number;
}

export interface IncidentFilter {
  serviceId?: string;
  status?: 'open' | 'resolved';
  limit: number;
}

/** Incidents active at some point of the range: started before its end, not resolved before its start. */
export function incidentsSql(r: Reader, range: TimeRange, f: IncidentFilter): string {
  const where = [
    `started_at < ${until(range.to)}`,
    `(isNull(resolved_at) OR resolved_at >= ${since(range.from)})`,
    ...(f.serviceId ? [`has(service_ids, ${sqlSlug(f.serviceId)})`] : []),
    ...(f.status ? [`status = ${f.status === 'open' ? "'open'" : "'resolved'"}`] : []),
  ];
  return `SELECT status, toUInt32(last_event_at) AS last_s, ${COMMON_COLUMNS}
FROM ${r.table('incidents')} FINAL
WHERE ${where.join(' AND ')}
ORDER BY started_at DESC, incident_id
LIMIT ${sqlInt(f.limit)}`;
}

/**
 * The same, as the incidents stood at `at`: each incident's latest event by then (an incident
 * resolved later is still open at `at`; one started later does not exist yet).
 */
export function incidentsAtSql(r: Reader, range: TimeRange, at: number, f: IncidentFilter): string {
  // Aliases differ from column names: ClickHouse aliases are visible inside the other aggregates.
  const inner = `SELECT incident_id,
    argMax(type, seq) AS last_type, toUInt32(argMax(at, seq)) AS a_last_s, argMax(level, seq) AS a_level,
    toUInt32(min(started_at)) AS a_started_s, toUInt32(argMax(ifNull(resolved_at, toDateTime(0)), seq)) AS a_resolved_s,
    argMax(family, seq) AS a_family, argMax(provider, seq) AS a_provider,
    argMax(service_ids, seq) AS a_ids, argMax(service_roles, seq) AS a_roles, argMax(service_levels, seq) AS a_levels,
    argMax(service_first_warning_at, seq) AS a_warning, argMax(service_first_danger_at, seq) AS a_danger,
    argMax(service_peak_scores, seq) AS a_scores, argMax(service_peak_counts, seq) AS a_counts,
    argMax(services_json, seq) AS a_json, argMax(summary, seq) AS a_summary
  FROM ${r.table('incident_events')}
  WHERE at_ms <= ${sqlInt(at)} AND started_at < ${until(range.to)}
  GROUP BY incident_id`;
  const where = [
    `(last_type != 'resolved' OR a_resolved_s >= ${sqlInt(Math.floor(range.from / 1000))})`,
    ...(f.serviceId ? [`has(a_ids, ${sqlSlug(f.serviceId)})`] : []),
    ...(f.status ? [f.status === 'open' ? `last_type != 'resolved'` : `last_type = 'resolved'`] : []),
  ];
  return `SELECT if(last_type = 'resolved', 'resolved', 'open') AS status, a_last_s AS last_s, incident_id, a_level AS level,
  a_started_s AS started_s, if(last_type = 'resolved', a_resolved_s, 0) AS resolved_s, a_family AS family, a_provider AS provider,
  a_ids AS service_ids, a_roles AS service_roles, a_levels AS service_levels,
  arrayMap(x -> toUInt32(x), a_warning) AS first_warning_s, arrayMap(x -> toUInt32(x), a_danger) AS first_danger_s,
  a_scores AS service_peak_scores, a_counts AS service_peak_counts, a_json AS services_json, a_summary AS summary
FROM (${inner})
WHERE ${where.join(' AND ')}
ORDER BY started_s DESC, incident_id
LIMIT ${sqlInt(f.limit)}`;
}

export function incidentSql(r: Reader, incidentId: string): string {
  return `SELECT status, toUInt32(last_event_at) AS last_s, ${COMMON_COLUMNS}
FROM ${r.table('incidents')} FINAL
WHERE incident_id = ${sqlToken(incidentId)}
LIMIT 1`;
}

export function timelineSql(r: Reader, incidentId: string): string {
  return `SELECT event_id, seq, type, at_ms, emitted_at_ms, ${COMMON_COLUMNS}
FROM ${r.table('incident_events')} FINAL
WHERE incident_id = ${sqlToken(incidentId)}
ORDER BY seq`;
}

const ms = (seconds: number) => Number(seconds) * 1000;
const orNull = (s: string) => (s === '' ? null : s);

/**
 * The incident's services: the message's own list (services_json) when it parses, else rebuilt
 * from the parallel arrays.
 */
export function servicesOf(row: CommonRow): IncidentService[] {
  try {
    const parsed = JSON.parse(row.services_json) as unknown;
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((s) => typeof s?.serviceId === 'string')) return parsed as IncidentService[];
  } catch {
    // fall through to the arrays
  }
  return row.service_ids.map((serviceId, i) => {
    const warning = row.first_warning_s[i] ?? 0;
    const danger = row.first_danger_s[i] ?? 0;
    return {
      serviceId,
      role: row.service_roles[i] === 'collateral' ? 'collateral' : 'primary',
      level: (row.service_levels[i] ?? 'ok') as Level,
      ...(warning > 0 ? { firstWarningAt: ms(warning) } : {}),
      ...(danger > 0 ? { firstDangerAt: ms(danger) } : {}),
      peakScore: Number(row.service_peak_scores[i] ?? 0),
      peakCount: Number(row.service_peak_counts[i] ?? 0),
    };
  });
}

export function toSummary(row: IncidentRow): IncidentSummary {
  return {
    incidentId: row.incident_id,
    status: row.status === 'resolved' ? 'resolved' : 'open',
    level: row.level as Level,
    startedAt: ms(row.started_s),
    resolvedAt: row.resolved_s > 0 ? ms(row.resolved_s) : null,
    lastEventAt: ms(row.last_s),
    family: orNull(row.family),
    provider: orNull(row.provider),
    services: servicesOf(row),
    summary: row.summary,
  };
}

export function toEvent(row: IncidentEventRow): IncidentEvent {
  return {
    eventId: row.event_id,
    incidentId: row.incident_id,
    seq: Number(row.seq),
    type: row.type as IncidentEvent['type'],
    at: Number(row.at_ms),
    emittedAt: Number(row.emitted_at_ms),
    level: row.level as Level,
    startedAt: ms(row.started_s),
    ...(row.resolved_s > 0 ? { resolvedAt: ms(row.resolved_s) } : {}),
    ...(row.family ? { family: row.family } : {}),
    ...(row.provider ? { provider: row.provider } : {}),
    services: servicesOf(row),
    summary: row.summary,
  };
}
