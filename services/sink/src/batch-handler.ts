/**
 * The sink's batch step: one consumed Kafka batch in, one JSONEachRow insert per table out.
 *
 * The consumer runner commits the batch's offsets only after handleBatch resolves, so every
 * promise here settles only when ClickHouse (and, for dead letters, the dlq topic) acknowledged.
 * A retriable failure (ClickHouse down, overloaded, timing out) rejects: the runner pauses the
 * partition and hands the same batch again with backoff. Re-inserting rows that did land the
 * first time is harmless: raw tables are ReplacingMergeTree on the event id and the rollups
 * count uniqExact(id).
 */
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import {
  ClickHouseError,
  Counter,
  Histogram,
  clickhouseError,
  type ClickHouseClient,
  type ConsumedBatch,
  type Logger,
  type OutMessage,
  type Producer,
  type TopicNames,
} from '@downradar/common';
import type { DlqRecord } from '../../../schemas/events/index';
import { TABLES, dlqRow, mapBatch, topicKeyOf, type Row, type SinkTopic, type Table } from './rows';

export interface BatchHandlerDeps {
  clickhouse: ClickHouseClient;
  database: string;
  /** Publishes dead letters on the dlq topic (acks=all). */
  producer: Pick<Producer, 'send'>;
  topics: TopicNames;
  logger: Logger;
  registry: Registry;
  now?: () => number;
}

export interface SinkStats {
  batches: number;
  messages: number;
  rows: Record<Table, number>;
  deadLetters: number;
  failedInserts: number;
  /** Epoch ms of the last batch that was fully acknowledged, 0 before the first. */
  lastBatchAt: number;
  /** Whether the latest insert attempt failed (ClickHouse unreachable or refusing). */
  failing: boolean;
  lastError: string | null;
}

export interface BatchHandler {
  handleBatch(batch: Pick<ConsumedBatch, 'topic' | 'partition' | 'messages'>): Promise<void>;
  readonly stats: SinkStats;
}

/**
 * ClickHouse codes that mean "this data cannot be stored", not "try later": a row that passed
 * the schema but still fails here (a value the column type refuses) is isolated by halving the
 * insert and goes to the DLQ, instead of blocking its partition forever.
 */
const BAD_DATA_CODES = new Set(['6', '26', '27', '38', '41', '53', '69', '70', '72', '117', '131']);

export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const now = deps.now ?? Date.now;
  const sinkTopics = deps.topics as Record<SinkTopic, string>;
  const stats: SinkStats = {
    batches: 0,
    messages: 0,
    rows: Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<Table, number>,
    deadLetters: 0,
    failedInserts: 0,
    lastBatchAt: 0,
    failing: false,
    lastError: null,
  };

  const rowsWritten = new Counter({
    name: 'sink_rows_written_total',
    help: 'rows acknowledged by ClickHouse, by table (a redelivered batch counts again)',
    labelNames: ['table'],
    registers: [deps.registry],
  });
  const batchDuration = new Histogram({
    name: 'sink_batch_duration_ms',
    help: 'time from receiving a batch to ClickHouse acknowledging all of its inserts (successful attempts)',
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000],
    registers: [deps.registry],
  });
  const dlqTotal = new Counter({
    name: 'sink_dlq_total',
    help: 'messages the sink could not store in their table and sent to the dlq, by code',
    labelNames: ['code'],
    registers: [deps.registry],
  });
  const insertFailures = new Counter({
    name: 'sink_insert_failures_total',
    help: 'failed inserts, by table and whether a retry can help',
    labelNames: ['table', 'retriable'],
    registers: [deps.registry],
  });
  const consumed = new Counter({
    name: 'sink_messages_consumed_total',
    help: 'messages handled, by topic (counted once the batch is acknowledged)',
    labelNames: ['topic'],
    registers: [deps.registry],
  });
  for (const t of TABLES) rowsWritten.labels(t).inc(0);
  dlqTotal.labels('INVALID_MESSAGE').inc(0);

  async function insertOnce(table: Table, rows: Row[]): Promise<void> {
    try {
      await deps.clickhouse.insert({ table: `${deps.database}.${table}`, values: rows, format: 'JSONEachRow' });
      stats.failing = false;
    } catch (err) {
      const e = clickhouseError(err, `insert into ${deps.database}.${table}`);
      stats.failedInserts++;
      stats.failing = true;
      stats.lastError = e.message;
      insertFailures.labels(table, String(e.retriable)).inc();
      throw e;
    }
  }

  /**
   * Insert rows; when ClickHouse refuses the data itself, halve until the refused rows are
   * isolated and return them as dead letters. Retriable errors propagate (the runner retries).
   */
  async function insertIsolating(table: Table, rows: Row[]): Promise<DlqRecord[]> {
    try {
      await insertOnce(table, rows);
      return [];
    } catch (err) {
      if (!(err instanceof ClickHouseError) || err.retriable || !BAD_DATA_CODES.has(err.code)) throw err;
      if (rows.length === 1) {
        const payload = JSON.stringify(rows[0]);
        return [
          {
            id: `sink:${table}:${createHash('sha256').update(payload).digest('hex').slice(0, 40)}`,
            at: now(),
            origin: `${table} (sink insert)`,
            code: 'CLICKHOUSE_REJECTED',
            reason: err.message.slice(0, 2000),
            payload: payload.slice(0, 65_536),
          },
        ];
      }
      const mid = Math.ceil(rows.length / 2);
      return [...(await insertIsolating(table, rows.slice(0, mid))), ...(await insertIsolating(table, rows.slice(mid)))];
    }
  }

  async function handleBatch(batch: Pick<ConsumedBatch, 'topic' | 'partition' | 'messages'>): Promise<void> {
    const started = now();
    const topicKey = topicKeyOf(sinkTopics, batch.topic);
    if (!topicKey) throw new Error(`sink: not subscribed to topic ${batch.topic}`);
    const mapped = mapBatch({ topicKey, topic: batch.topic, partition: batch.partition }, batch.messages, started);

    // Table inserts run side by side; each is one JSONEachRow request.
    const rejected = (
      await Promise.all([...mapped.rows].map(async ([table, rows]) => {
        const refused = await insertIsolating(table, rows);
        return refused;
      }))
    ).flat();

    const deadLetters = [...mapped.deadLetters, ...rejected];
    const publish = [...mapped.publish, ...rejected];
    if (deadLetters.length > 0) {
      // Both copies before the offsets move: the row for SQL users, the record for consumers of
      // the dlq topic. The sink reads its own records back; the stable id makes that one row.
      await Promise.all([
        insertOnce('dlq', deadLetters.map(dlqRow)),
        deps.producer.send(
          publish.map(
            (r): OutMessage => ({ topic: deps.topics.dlq, key: r.origin, value: JSON.stringify(r) }),
          ),
        ),
      ]);
    }

    // Only now is the batch acknowledged; count it.
    for (const [table, rows] of mapped.rows) {
      const written = rows.length - rejected.filter((r) => r.origin.startsWith(`${table} `)).length;
      rowsWritten.labels(table).inc(written);
      stats.rows[table] += written;
    }
    if (deadLetters.length > 0) {
      rowsWritten.labels('dlq').inc(deadLetters.length);
      stats.rows.dlq += deadLetters.length;
      for (const r of deadLetters) dlqTotal.labels(r.code).inc();
      stats.deadLetters += deadLetters.length;
      deps.logger.warn(
        { topic: batch.topic, partition: batch.partition, deadLetters: deadLetters.length, first: deadLetters[0]?.reason },
        'messages sent to the dlq',
      );
    }
    consumed.labels(topicKey).inc(batch.messages.length);
    stats.batches++;
    stats.messages += batch.messages.length;
    stats.lastBatchAt = now();
    batchDuration.observe(stats.lastBatchAt - started);
  }

  return { handleBatch, stats };
}
