/**
 * SQL of the official-status and probe routes. Only catalog slugs (sqlSlug), incident id tokens
 * (sqlToken) and epoch bounds reach the text.
 */
import { sqlSlug, sqlToken } from '@downradar/common';
import { since, until, type Reader } from '../clickhouse';
import type { TimeRange } from '../time-range';

export interface OfficialRow {
  at_ms: number;
  kind: string;
  status: string;
  provider_status: string;
  title: string;
  url: string;
  incident_id: string;
  component_name: string;
}

const OFFICIAL_COLUMNS = 'at_ms, kind, status, provider_status, title, url, incident_id, component_name';

export function officialSql(r: Reader, serviceId: string, range: TimeRange): string {
  return `SELECT ${OFFICIAL_COLUMNS}
FROM ${r.table('official_status')} FINAL
WHERE service_id = ${sqlSlug(serviceId)} AND at >= ${since(range.from)} AND at < ${until(range.to)}
ORDER BY at_ms, kind, id
LIMIT 2000`;
}

export function officialBeforeSql(r: Reader, serviceId: string, before: number): string {
  return `SELECT ${OFFICIAL_COLUMNS}
FROM ${r.table('official_status')} FINAL
WHERE service_id = ${sqlSlug(serviceId)} AND kind = 'page' AND at < ${since(before)}
ORDER BY at_ms DESC
LIMIT 1`;
}

export interface ProbeMinuteRow {
  minute_s: number;
  kind: string;
  probes: number;
  failed: number;
  failures: string[];
  median_latency_ms: number | null;
}

export function probeMinutesSql(r: Reader, serviceId: string, range: TimeRange): string {
  return `SELECT toUInt32(minute) AS minute_s, kind, probes, failed, failures,
  if(failed = probes, NULL, round(median_latency_ms, 1)) AS median_latency_ms
FROM ${r.table('probe_minutes')}
WHERE service_id = ${sqlSlug(serviceId)} AND minute >= ${since(range.from)} AND minute < ${until(range.to)}
ORDER BY minute_s, kind
LIMIT 20000`;
}

export interface AcknowledgementRow {
  service_id: string;
  detected_s: number;
  acknowledged_s: number;
  ack_after_detection_s: number;
  first_official_title: string;
  first_official_url: string;
}

export function acknowledgementSql(r: Reader, incidentId: string): string {
  return `SELECT service_id, toUInt32(detected_at) AS detected_s, toUInt32(acknowledged_at) AS acknowledged_s, ack_after_detection_s, first_official_title, first_official_url
FROM ${r.table('incident_acknowledgement')}
WHERE incident_id = ${sqlToken(incidentId)}
ORDER BY service_id`;
}
