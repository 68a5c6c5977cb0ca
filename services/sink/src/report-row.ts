/**
 * A reports message's row in one pass (plainReportRow), apart from rows.ts so that the sink's
 * decoding thread (decode-worker.ts) loads only this, the event patterns and RowBinary, not the
 * validators of every topic. rows.ts re-exports it and uses it in mapBatch.
 */
import type { RowLayout } from '@downradar/common/clickhouse/row-binary';
import { PROBLEM_CATEGORIES, SLUG_PATTERN, EVENT_ID_PATTERN, COUNTRY_PATTERN, REPORT_SOURCE_PATTERN } from '../../../schemas/events/index';

/** A row of the reports table (rows.ts re-exports it). */
export interface ReportRow {
  id: string;
  service_id: string;
  at: number;
  at_ms: number;
  received_at: number;
  problem: string;
  source: string;
  country: string;
  reporter_hash: string;
  text: string;
}

/** DateTime is UInt32 seconds. */
const MAX_DATETIME_S = 4_294_967_295;

/** The reports table's RowBinary layout (rows.ts LAYOUTS.reports). */
export const REPORT_LAYOUT: RowLayout<ReportRow> = [
  ['id', 'String'], ['service_id', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'], ['received_at', 'DateTime'], ['problem', 'String'],
  ['source', 'String'], ['country', 'String'], ['reporter_hash', 'String'], ['text', 'String'],
];

// ReportEvent's rules (schemas/events/index.ts: EventId, Slug, Country, EpochMs, source), for the one pass.
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);
const SLUG = new RegExp(SLUG_PATTERN);
const COUNTRY = new RegExp(COUNTRY_PATTERN);
const SOURCE = new RegExp(REPORT_SOURCE_PATTERN);
const PROBLEMS: ReadonlySet<unknown> = new Set(PROBLEM_CATEGORIES);
const MAX_EPOCH_MS = 8_640_000_000_000_000;
const MAX_DATETIME_MS = (MAX_DATETIME_S + 1) * 1000 - 1;

/**
 * The row of a parsed reports message that passes every check of ReportEvent's schema and
 * reportRow's time range, in one pass (no ajv walk, no Checked and Mapped objects), or undefined
 * when any might fail: the caller then takes the general way (mapMessage), which names the field
 * of a bad message. Lengths are compared in UTF-16 units, which never undercount the code points
 * the schema limits: a string that could be too long goes the general way. The row is
 * reportRow's, key order included (a rejected row's payload is its JSON).
 */
export function plainReportRow(value: unknown): ReportRow | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const k in value)
    if (k !== 'id' && k !== 'serviceId' && k !== 'problem' && k !== 'text' && k !== 'country' && k !== 'at' && k !== 'receivedAt' && k !== 'reporterHash' && k !== 'source')
      return undefined;
  const { id, serviceId, problem, text, country, at, receivedAt, reporterHash, source } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length > 128 || !EVENT_ID.test(id)) return undefined;
  if (typeof serviceId !== 'string' || !SLUG.test(serviceId)) return undefined;
  if (!PROBLEMS.has(problem)) return undefined;
  if (text !== undefined && (typeof text !== 'string' || text.length > 500)) return undefined;
  if (country !== undefined && (typeof country !== 'string' || !COUNTRY.test(country))) return undefined;
  // EpochMs, and a DateTime once floored to seconds (else the general way: OUT_OF_RANGE).
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > MAX_EPOCH_MS || at > MAX_DATETIME_MS) return undefined;
  if (typeof receivedAt !== 'number' || !Number.isInteger(receivedAt) || receivedAt < 0 || receivedAt > MAX_EPOCH_MS || receivedAt > MAX_DATETIME_MS) return undefined;
  if (typeof reporterHash !== 'string' || reporterHash.length === 0 || reporterHash.length > 128) return undefined;
  if (typeof source !== 'string' || !SOURCE.test(source)) return undefined;
  return {
    id,
    service_id: serviceId,
    at: Math.floor(at / 1000),
    at_ms: at,
    received_at: Math.floor(receivedAt / 1000),
    problem: problem as string,
    source,
    country: (country as string | undefined) ?? '',
    reporter_hash: reporterHash,
    text: (text as string | undefined) ?? '',
  };
}
