/**
 * Kafka message -> ClickHouse row, one pure step per topic. No I/O: the sink feeds it a message
 * and gets back either the row for its table or the DLQ record that says why it cannot be stored.
 *
 * Times: Kafka carries epoch milliseconds, ClickHouse 18.16 has DateTime (whole seconds, UInt32
 * from 1970 to 2106). The ms are floored to seconds; the exact value stays in *_ms columns.
 * A time that does not fit a DateTime goes to the DLQ (OUT_OF_RANGE) instead of wrapping.
 */
import { compileValidator, deadLetter, parseMessage, positionId, readSignalMessage, type Checked, type KafkaMessage, type RowLayout, type TopicKey } from '@downradar/common';
import { REPORT_LAYOUT, plainReportRow, type ReportRow } from './report-row';
import {
  DlqRecord,
  IncidentEvent,
  OfficialStatusEvent,
  PostEvent,
  ProbeResultEvent,
  ReportEvent,
  ScoreEvent,
  SignalEvent,
  TrendEvent,
} from '../../../schemas/events/index';

export const TABLES = ['reports', 'posts', 'signals', 'scores', 'incident_events', 'trends', 'official_status', 'probe_results', 'dlq'] as const;
export type Table = (typeof TABLES)[number];

/** Every topic the sink reads, and the table it lands in. detectorState is internal detector state. */
export const SINK_TOPICS = ['reports', 'posts', 'signals', 'scores', 'alerts', 'trends', 'status', 'probes', 'dlq', 'webhookDlq'] as const satisfies readonly TopicKey[];
export type SinkTopic = (typeof SINK_TOPICS)[number];

export const TOPIC_TABLE: Record<SinkTopic, Table> = {
  reports: 'reports',
  posts: 'posts',
  signals: 'signals',
  scores: 'scores',
  alerts: 'incident_events',
  trends: 'trends',
  status: 'official_status',
  probes: 'probe_results',
  dlq: 'dlq',
  webhookDlq: 'dlq',
};

/** DateTime is UInt32 seconds. */
const MAX_DATETIME_S = 4_294_967_295;

export class OutOfRange extends Error {
  constructor(readonly field: string, value: number) {
    super(`${field} ${value} is outside the DateTime range (1970-01-01 to 2106-02-07)`);
  }
}

/** Epoch ms -> DateTime seconds (floored), or OutOfRange. */
export function toSeconds(ms: number, field: string): number {
  const s = Math.floor(ms / 1000);
  if (!Number.isFinite(s) || s < 0 || s > MAX_DATETIME_S) throw new OutOfRange(field, ms);
  return s;
}

export function reportRow(e: ReportEvent): ReportRow {
  return {
    id: e.id,
    service_id: e.serviceId,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    received_at: toSeconds(e.receivedAt, 'receivedAt'),
    problem: e.problem,
    source: e.source,
    country: e.country ?? '',
    reporter_hash: e.reporterHash,
    text: e.text ?? '',
  };
}

export { plainReportRow, type ReportRow } from './report-row';

export interface PostRow {
  id: string;
  at: number;
  at_ms: number;
  received_at: number;
  source: string;
  lang: string;
  detected_lang: string;
  country: string;
  author_hash: string;
  reply_to: string;
  repost_of: string;
  text: string;
}
export function postRow(e: PostEvent): PostRow {
  return {
    id: e.id,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    received_at: toSeconds(e.receivedAt, 'receivedAt'),
    source: e.source,
    lang: e.lang ?? '',
    detected_lang: e.detectedLang ?? '',
    country: e.country ?? '',
    author_hash: e.authorHash,
    reply_to: e.replyTo ?? '',
    repost_of: e.repostOf ?? '',
    text: e.text,
  };
}

export interface SignalRow {
  id: string;
  source_id: string;
  service_id: string;
  kind: string;
  at: number;
  at_ms: number;
  received_at: number;
  outage: 0 | 1;
  problem: string;
  confidence: number;
  country: string;
  reporter_hash: string;
  hashtags: string[];
  evidence: string[];
}
export function signalRow(e: SignalEvent): SignalRow {
  return {
    id: e.id,
    source_id: e.sourceId,
    service_id: e.serviceId,
    kind: e.kind,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    received_at: toSeconds(e.receivedAt, 'receivedAt'),
    outage: e.outage ? 1 : 0,
    problem: e.problem,
    confidence: e.confidence,
    country: e.country ?? '',
    reporter_hash: e.reporterHash ?? '',
    hashtags: e.hashtags,
    evidence: e.evidence ?? [],
  };
}

export interface ScoreRow {
  service_id: string;
  window_start: number;
  window_end: number;
  window_start_ms: number;
  count: number;
  raw_count: number;
  expected: number;
  upper: number;
  score: number;
  level: string;
  evidence_problems: string[];
  evidence_problem_counts: number[];
  evidence_countries: string[];
  evidence_country_counts: number[];
  evidence_hashtags: string[];
  evidence_hashtag_counts: number[];
  sample_post_ids: string[];
  computed_at: number;
  computed_at_ms: number;
}
export function scoreRow(e: ScoreEvent): ScoreRow {
  return {
    service_id: e.serviceId,
    window_start: toSeconds(e.windowStart, 'windowStart'),
    window_end: toSeconds(e.windowEnd, 'windowEnd'),
    window_start_ms: e.windowStart,
    count: e.count,
    raw_count: e.rawCount,
    expected: e.expected,
    upper: e.upper,
    score: e.score,
    level: e.level,
    evidence_problems: e.evidence.problems.map((p) => p.key),
    evidence_problem_counts: e.evidence.problems.map((p) => p.count),
    evidence_countries: e.evidence.countries.map((p) => p.key),
    evidence_country_counts: e.evidence.countries.map((p) => p.count),
    evidence_hashtags: e.evidence.hashtags.map((p) => p.key),
    evidence_hashtag_counts: e.evidence.hashtags.map((p) => p.count),
    sample_post_ids: e.evidence.samplePostIds,
    computed_at: toSeconds(e.computedAt, 'computedAt'),
    computed_at_ms: e.computedAt,
  };
}

export interface IncidentEventRow {
  event_id: string;
  incident_id: string;
  seq: number;
  type: string;
  at: number;
  at_ms: number;
  emitted_at: number;
  emitted_at_ms: number;
  level: string;
  started_at: number;
  resolved_at: number | null;
  family: string;
  provider: string;
  service_ids: string[];
  service_roles: string[];
  service_levels: string[];
  service_first_warning_at: number[];
  service_first_danger_at: number[];
  service_peak_scores: number[];
  service_peak_counts: number[];
  services_json: string;
  summary: string;
}
export function incidentEventRow(e: IncidentEvent): IncidentEventRow {
  return {
    event_id: e.eventId,
    incident_id: e.incidentId,
    seq: e.seq,
    type: e.type,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    emitted_at: toSeconds(e.emittedAt, 'emittedAt'),
    emitted_at_ms: e.emittedAt,
    level: e.level,
    started_at: toSeconds(e.startedAt, 'startedAt'),
    resolved_at: e.resolvedAt === undefined ? null : toSeconds(e.resolvedAt, 'resolvedAt'),
    family: e.family ?? '',
    provider: e.provider ?? '',
    service_ids: e.services.map((s) => s.serviceId),
    service_roles: e.services.map((s) => s.role),
    service_levels: e.services.map((s) => s.level),
    // 0 (1970-01-01 00:00:00) stands for "never reached" inside an Array(DateTime).
    service_first_warning_at: e.services.map((s, i) => (s.firstWarningAt === undefined ? 0 : toSeconds(s.firstWarningAt, `services.${i}.firstWarningAt`))),
    service_first_danger_at: e.services.map((s, i) => (s.firstDangerAt === undefined ? 0 : toSeconds(s.firstDangerAt, `services.${i}.firstDangerAt`))),
    service_peak_scores: e.services.map((s) => s.peakScore),
    service_peak_counts: e.services.map((s) => s.peakCount),
    services_json: JSON.stringify(e.services),
    summary: e.summary,
  };
}

export interface TrendRow {
  hashtag: string;
  window_start: number;
  window_end: number;
  window_start_ms: number;
  count: number;
  expected: number;
  burst: number;
  trending: 0 | 1;
  service_id: string;
  outage: 0 | 1 | null;
}
export function trendRow(e: TrendEvent): TrendRow {
  return {
    hashtag: e.hashtag,
    window_start: toSeconds(e.windowStart, 'windowStart'),
    window_end: toSeconds(e.windowEnd, 'windowEnd'),
    window_start_ms: e.windowStart,
    count: e.count,
    expected: e.expected,
    burst: e.burst,
    trending: e.trending ? 1 : 0,
    service_id: e.serviceId ?? '',
    outage: e.outage === undefined ? null : e.outage ? 1 : 0,
  };
}

export interface OfficialStatusRow {
  id: string;
  service_id: string;
  source: string;
  kind: string;
  status: string;
  provider_status: string;
  at: number;
  at_ms: number;
  observed_at: number;
  observed_at_ms: number;
  incident_id: string;
  incident_status: string;
  component_id: string;
  component_name: string;
  title: string;
  body: string;
  url: string;
}
export function officialStatusRow(e: OfficialStatusEvent): OfficialStatusRow {
  return {
    id: e.id,
    service_id: e.serviceId,
    source: e.source,
    kind: e.kind,
    status: e.status,
    provider_status: e.providerStatus,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    observed_at: toSeconds(e.observedAt, 'observedAt'),
    observed_at_ms: e.observedAt,
    incident_id: e.incidentId ?? '',
    incident_status: e.incidentStatus ?? '',
    component_id: e.componentId ?? '',
    component_name: e.componentName ?? '',
    title: e.title,
    body: e.body ?? '',
    url: e.url,
  };
}

export interface ProbeResultRow {
  id: string;
  service_id: string;
  kind: string;
  target: string;
  at: number;
  at_ms: number;
  ok: 0 | 1;
  outcome: string;
  latency_ms: number;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  first_byte_ms: number | null;
  http_status: number;
  address: string;
  error: string;
  vantage: string;
}
export function probeResultRow(e: ProbeResultEvent): ProbeResultRow {
  return {
    id: e.id,
    service_id: e.serviceId,
    kind: e.kind,
    target: e.target,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    ok: e.ok ? 1 : 0,
    outcome: e.outcome,
    latency_ms: e.latencyMs,
    dns_ms: e.dnsMs ?? null,
    connect_ms: e.connectMs ?? null,
    tls_ms: e.tlsMs ?? null,
    first_byte_ms: e.firstByteMs ?? null,
    http_status: e.httpStatus ?? 0,
    address: e.address ?? '',
    error: e.error ?? '',
    vantage: e.vantage,
  };
}

export interface DlqRow {
  id: string;
  at: number;
  at_ms: number;
  origin: string;
  code: string;
  reason: string;
  payload: string;
}
export function dlqRow(e: DlqRecord): DlqRow {
  return {
    id: e.id,
    at: toSeconds(e.at, 'at'),
    at_ms: e.at,
    origin: e.origin,
    code: e.code,
    reason: e.reason,
    payload: e.payload,
  };
}

export type Row = ReportRow | PostRow | SignalRow | ScoreRow | IncidentEventRow | TrendRow | OfficialStatusRow | ProbeResultRow | DlqRow;

/**
 * Each table's columns in the order the sink writes them (RowBinary carries no names: the INSERT
 * names these columns, the rest take their DEFAULT). A unit test checks that every row function's
 * keys are exactly its layout's, an integration test that the types are the migrated tables'.
 */
export const LAYOUTS: { [T in Table]: RowLayout<RowOf<T>> } = {
  reports: REPORT_LAYOUT,
  posts: [
    ['id', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'], ['received_at', 'DateTime'], ['source', 'String'], ['lang', 'String'], ['detected_lang', 'String'],
    ['country', 'String'], ['author_hash', 'String'], ['reply_to', 'String'], ['repost_of', 'String'], ['text', 'String'],
  ],
  signals: [
    ['id', 'String'], ['source_id', 'String'], ['service_id', 'String'], ['kind', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'],
    ['received_at', 'DateTime'], ['outage', 'UInt8'], ['problem', 'String'], ['confidence', 'Float32'], ['country', 'String'],
    ['reporter_hash', 'String'], ['hashtags', 'Array(String)'], ['evidence', 'Array(String)'],
  ],
  scores: [
    ['service_id', 'String'], ['window_start', 'DateTime'], ['window_end', 'DateTime'], ['window_start_ms', 'UInt64'], ['count', 'UInt32'],
    ['raw_count', 'UInt32'], ['expected', 'Float64'], ['upper', 'Float64'], ['score', 'Float64'], ['level', 'String'],
    ['evidence_problems', 'Array(String)'], ['evidence_problem_counts', 'Array(UInt32)'], ['evidence_countries', 'Array(String)'],
    ['evidence_country_counts', 'Array(UInt32)'], ['evidence_hashtags', 'Array(String)'], ['evidence_hashtag_counts', 'Array(UInt32)'],
    ['sample_post_ids', 'Array(String)'], ['computed_at', 'DateTime'], ['computed_at_ms', 'UInt64'],
  ],
  incident_events: [
    ['event_id', 'String'], ['incident_id', 'String'], ['seq', 'UInt32'], ['type', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'],
    ['emitted_at', 'DateTime'], ['emitted_at_ms', 'UInt64'], ['level', 'String'], ['started_at', 'DateTime'], ['resolved_at', 'Nullable(DateTime)'],
    ['family', 'String'], ['provider', 'String'], ['service_ids', 'Array(String)'], ['service_roles', 'Array(String)'],
    ['service_levels', 'Array(String)'], ['service_first_warning_at', 'Array(DateTime)'], ['service_first_danger_at', 'Array(DateTime)'],
    ['service_peak_scores', 'Array(Float64)'], ['service_peak_counts', 'Array(UInt32)'], ['services_json', 'String'], ['summary', 'String'],
  ],
  trends: [
    ['hashtag', 'String'], ['window_start', 'DateTime'], ['window_end', 'DateTime'], ['window_start_ms', 'UInt64'], ['count', 'UInt32'],
    ['expected', 'Float64'], ['burst', 'Float64'], ['trending', 'UInt8'], ['service_id', 'String'], ['outage', 'Nullable(UInt8)'],
  ],
  official_status: [
    ['id', 'String'], ['service_id', 'String'], ['source', 'String'], ['kind', 'String'], ['status', 'String'], ['provider_status', 'String'],
    ['at', 'DateTime'], ['at_ms', 'UInt64'], ['observed_at', 'DateTime'], ['observed_at_ms', 'UInt64'], ['incident_id', 'String'],
    ['incident_status', 'String'], ['component_id', 'String'], ['component_name', 'String'], ['title', 'String'], ['body', 'String'], ['url', 'String'],
  ],
  probe_results: [
    ['id', 'String'], ['service_id', 'String'], ['kind', 'String'], ['target', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'], ['ok', 'UInt8'],
    ['outcome', 'String'], ['latency_ms', 'Float64'], ['dns_ms', 'Nullable(Float64)'], ['connect_ms', 'Nullable(Float64)'], ['tls_ms', 'Nullable(Float64)'],
    ['first_byte_ms', 'Nullable(Float64)'], ['http_status', 'UInt16'], ['address', 'String'], ['error', 'String'], ['vantage', 'String'],
  ],
  // inserted_at keeps its DEFAULT now()
  dlq: [['id', 'String'], ['at', 'DateTime'], ['at_ms', 'UInt64'], ['origin', 'String'], ['code', 'String'], ['reason', 'String'], ['payload', 'String']],
};

export type RowOf<T extends Table> = {
  reports: ReportRow;
  posts: PostRow;
  signals: SignalRow;
  scores: ScoreRow;
  incident_events: IncidentEventRow;
  trends: TrendRow;
  official_status: OfficialStatusRow;
  probe_results: ProbeResultRow;
  dlq: DlqRow;
}[T];

interface TopicMapping {
  check(value: unknown): Checked<unknown>;
  toRow(value: never): Row;
}
const MAPPINGS: Record<SinkTopic, TopicMapping> = {
  reports: { check: compileValidator(ReportEvent), toRow: reportRow },
  posts: { check: compileValidator(PostEvent), toRow: postRow },
  signals: { check: compileValidator(SignalEvent), toRow: signalRow },
  scores: { check: compileValidator(ScoreEvent), toRow: scoreRow },
  alerts: { check: compileValidator(IncidentEvent), toRow: incidentEventRow },
  trends: { check: compileValidator(TrendEvent), toRow: trendRow },
  status: { check: compileValidator(OfficialStatusEvent), toRow: officialStatusRow },
  probes: { check: compileValidator(ProbeResultEvent), toRow: probeResultRow },
  dlq: { check: compileValidator(DlqRecord), toRow: dlqRow },
  webhookDlq: { check: compileValidator(DlqRecord), toRow: dlqRow },
};

/** Where a message came from: enough to name it in a DLQ record, and to make that id stable. */
export interface MessageOrigin {
  topicKey: SinkTopic;
  topic: string;
  partition: number;
  offset: string;
}

export type Mapped =
  | { kind: 'row'; table: Table; row: Row }
  /** Cannot be stored as its table's row: `record` goes to the dlq table (and topic, see `publish`). */
  | { kind: 'dlq'; record: DlqRecord; publish: boolean };

/**
 * The dead letter of a message the sink cannot store, named by its position in Kafka (an element
 * of a signal batch by the message's position and its index), so that a redelivery of the same
 * message (and the copy the sink reads back from the dlq topic) is one row.
 */
function sinkDeadLetter(o: MessageOrigin, code: string, reason: string, payload: Buffer | string | null, nowMs: number): DlqRecord {
  return deadLetter({ id: positionId('sink', o), at: nowMs, origin: `${o.topic} (sink)`, code, reason, payload });
}

function failureCode(field: string, reason: string): string {
  if (field === '(message)' && reason.startsWith('not JSON')) return 'NOT_JSON';
  if (field === '(message)' && reason.startsWith('empty')) return 'EMPTY_MESSAGE';
  return 'INVALID_MESSAGE';
}

/**
 * Parse, validate and map one message. Never throws: anything that cannot become its table's
 * row becomes a DLQ record with a code and a reason that names the field.
 * Messages of the dlq topics that are not DlqRecords are stored as dead letters themselves but
 * not published again (that would loop).
 */
export function mapMessage(o: MessageOrigin, value: Buffer | string | null, nowMs: number): Mapped {
  const mapping = MAPPINGS[o.topicKey];
  const isDlqTopic = TOPIC_TABLE[o.topicKey] === 'dlq';
  const checked = parseMessage(mapping.check as never, value) as Checked<unknown>;
  if (!checked.ok) return invalid(o, value, checked, nowMs);
  return toMapped(o, TOPIC_TABLE[o.topicKey], mapping, checked.value, value, nowMs, isDlqTopic);
}

function invalid(o: MessageOrigin, payload: Buffer | string | null, failure: { field: string; reason: string }, nowMs: number): Mapped {
  const isDlqTopic = TOPIC_TABLE[o.topicKey] === 'dlq';
  const code = isDlqTopic ? 'UNREADABLE_DLQ_RECORD' : failureCode(failure.field, failure.reason);
  const reason = failure.field === '(message)' ? failure.reason : `${failure.field} ${failure.reason}`;
  return { kind: 'dlq', record: sinkDeadLetter(o, code, `${o.topicKey}: ${reason}`, payload, nowMs), publish: !isDlqTopic };
}

function toMapped(o: MessageOrigin, table: Table, mapping: TopicMapping, value: unknown, payload: Buffer | string | null, nowMs: number, isDlqTopic: boolean): Mapped {
  try {
    return { kind: 'row', table, row: mapping.toRow(value as never) };
  } catch (err) {
    if (!(err instanceof OutOfRange)) throw err;
    return outOfRange(o, err, payload, nowMs, isDlqTopic);
  }
}

function outOfRange(o: MessageOrigin, err: OutOfRange, payload: Buffer | string | null, nowMs: number, isDlqTopic: boolean): Mapped {
  return { kind: 'dlq', record: sinkDeadLetter(o, 'OUT_OF_RANGE', `${o.topicKey}: ${err.message}`, payload, nowMs), publish: !isDlqTopic };
}

/**
 * The rows of one signals message: one signal (a JSON object) or a batch of one service's signals
 * (a JSON array; readSignalMessage). A bad element of a batch is a dead letter
 * of its own, named by the message's position and the element's index; the others are stored.
 */
function mapSignalMessage(o: MessageOrigin, value: Buffer | string | null, nowMs: number, out: (m: Mapped) => void, rows: RowOut): void {
  const read = readSignalMessage(value);
  if (!read.ok) return out(invalid(o, value, read, nowMs));
  const mapping = MAPPINGS.signals;
  if (!read.batch) {
    const item = read.items[0]!;
    return out(item.ok ? toMapped(o, 'signals', mapping, item.value, value, nowMs, false) : invalid(o, value, item, nowMs));
  }
  for (let i = 0; i < read.items.length; i++) {
    const item = read.items[i]!;
    // Straight into the rows (no Mapped object a signal); the element's own position and its
    // JSON are made only for a dead letter (made for every signal, they cost the sink a
    // JSON.stringify a signal in the live day).
    if (item.ok) {
      let row: SignalRow;
      try {
        row = signalRow(item.value);
      } catch (err) {
        if (!(err instanceof OutOfRange)) throw err;
        out(outOfRange({ ...o, offset: `${o.offset}.${i}` }, err, JSON.stringify(item.value), nowMs, false));
        continue;
      }
      rows.push(row);
    } else out(invalid({ ...o, offset: `${o.offset}.${i}` }, JSON.stringify(read.raw[i]) ?? '', { field: `[${i}].${item.field}`, reason: item.reason }, nowMs));
  }
}

/** The rows of one consumed batch, grouped by table, and the dead letters among them. */
export interface MappedBatch {
  rows: Map<Table, Row[]>;
  /** Rows for the dlq table made from unreadable messages. */
  deadLetters: DlqRecord[];
  /** The subset of deadLetters to publish on the dlq topic. */
  publish: DlqRecord[];
}

/** Where mapBatchInto puts one table's rows, in message order: a list, or an encoder that writes each row as it comes. */
export interface RowOut {
  push(row: Row): void;
  /**
   * For the reports table, optional: writes the row of a reports message read straight from its
   * bytes (report-bytes.ts) and returns true, or writes nothing and returns false (the message then
   * takes today's path: JSON.parse, plainReportRow, mapMessage).
   */
  pushReportBytes?(value: Buffer): boolean;
  /**
   * For the signals table, optional: writes the rows of a binary signals message read straight
   * from its bytes (signal-bytes.ts) and returns true, or writes nothing and returns false (the
   * message then takes today's path: readSignalMessage, signalRow).
   */
  pushSignalBytes?(value: Buffer): boolean;
}

export function mapBatch(
  origin: Omit<MessageOrigin, 'offset'>,
  messages: Pick<KafkaMessage, 'value' | 'offset'>[],
  nowMs: number,
): MappedBatch {
  const rows = new Map<Table, Row[]>();
  const dead = mapBatchInto(origin, messages, nowMs, (table) => {
    let list = rows.get(table);
    if (!list) rows.set(table, (list = []));
    return list;
  });
  for (const [table, list] of rows) if (list.length === 0) rows.delete(table);
  return { rows, ...dead };
}

/**
 * mapBatch without the lists: each row goes to `out(table)` as soon as it is made (the sink's
 * handler encodes it there and then, so no row object outlives its message's turn). `out` is
 * asked for the batch's own table once up front (reports, signals) and for any other table when
 * its first row comes.
 */
export function mapBatchInto(
  origin: Omit<MessageOrigin, 'offset'>,
  messages: Pick<KafkaMessage, 'value' | 'offset'>[],
  nowMs: number,
  out: (table: Table) => RowOut,
): Omit<MappedBatch, 'rows'> {
  const deadLetters: DlqRecord[] = [];
  const publish: DlqRecord[] = [];
  const outs = new Map<Table, RowOut>();
  const add = (r: Mapped) => {
    if (r.kind === 'row') {
      let to = outs.get(r.table);
      if (!to) outs.set(r.table, (to = out(r.table)));
      to.push(r.row);
    } else {
      deadLetters.push(r.record);
      if (r.publish) publish.push(r.record);
    }
  };
  const o: MessageOrigin = { ...origin, offset: '' };
  // Reports and signals, the bulk of the sink's rows, go straight to their table (the reports:
  // one pass for the plain ones, plainReportRow); the general path (add) goes to the same place.
  const directTable = origin.topicKey === 'reports' || origin.topicKey === 'signals' ? TOPIC_TABLE[origin.topicKey] : undefined;
  const direct = directTable ? out(directTable) : undefined;
  if (directTable) outs.set(directTable, direct!);
  const readBytes = direct?.pushReportBytes !== undefined;
  const readSignalBytes = direct?.pushSignalBytes !== undefined;
  for (const m of messages) {
    o.offset = m.offset;
    if (origin.topicKey === 'reports') {
      if (readBytes && m.value !== null && typeof m.value !== 'string' && direct!.pushReportBytes!(m.value)) continue;
      const row = plainReport(m.value);
      if (row) direct!.push(row);
      else add(mapMessage(o, m.value, nowMs));
    } else if (origin.topicKey === 'signals') {
      if (readSignalBytes && m.value !== null && typeof m.value !== 'string' && direct!.pushSignalBytes!(m.value)) continue;
      mapSignalMessage(o, m.value, nowMs, add, direct!);
    }
    else add(mapMessage(o, m.value, nowMs));
  }
  return { deadLetters, publish };
}

/** A reports message's row when it is plain JSON that plainReportRow accepts; else undefined. */
function plainReport(value: Buffer | string | null): ReportRow | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return undefined;
  }
  return plainReportRow(parsed);
}

/** topic name -> topic key, for the topics the sink reads under a prefix. */
export function topicKeyOf(topicNames: Record<SinkTopic, string>, topic: string): SinkTopic | undefined {
  for (const k of SINK_TOPICS) if (topicNames[k] === topic) return k;
  return undefined;
}
