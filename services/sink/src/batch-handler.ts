/**
 * The sink's batch step: consumed Kafka batches in, RowBinary inserts out.
 *
 * The consumer runner commits a batch's offsets only after handleBatch resolves, so every
 * promise here settles only when ClickHouse (and, for dead letters, the dlq topic) acknowledged.
 * A retriable failure (ClickHouse down, overloaded, timing out) rejects: the runner pauses the
 * partition and hands the same batch again with backoff. Re-inserting rows that did land the
 * first time is harmless: raw tables are ReplacingMergeTree on the event id and the rollups
 * count uniqExact(id).
 *
 * Group insert: the runner hands several partitions' batches at once (one Kafka fetch). Their
 * rows are inserted together, one request per table; while a group is in flight the next one
 * collects whatever arrives. Fewer, larger inserts mean fewer parts for ClickHouse to merge and no
 * inserts competing with each other; each batch still resolves only when the insert carrying its
 * rows was acknowledged, and fails with it. With a flush interval a group is sealed no sooner than
 * that after the previous one, so the fetches of every group member in between share its inserts
 * (each insert makes a part, a directory of files, in the table and in each of its rollup views).
 *
 * Rows go in as RowBinary (rows.ts LAYOUTS): each message is parsed once, its row encoded
 * straight into the insert's body; no JSON text is made again for ClickHouse to parse again
 * (bench:clickhouse: RowBinary is the cheapest format for both sides on 18.16).
 */
import { Readable } from 'node:stream';
import type { Registry } from 'prom-client';
import {
  BinaryWriter,
  ClickHouseError,
  Counter,
  Histogram,
  clickhouseError,
  contentId,
  deadLetter,
  rowBinaryEncoder,
  rowBinaryInsertQuery,
  type ClickHouseClient,
  type ClickHouseSettings,
  type ConsumedBatch,
  type Logger,
  type OutMessage,
  type Producer,
  type TopicNames,
} from '@downradar/common';
import type { DlqRecord } from '../../../schemas/events/index';
import { LAYOUTS, TABLES, dlqRow, mapBatch, mapBatchInto, topicKeyOf, type MessageOrigin, type Row, type RowOut, type SinkTopic, type Table } from './rows';
import { createDecodePool, type DecodePool } from './decode-pool';
import { encodePlainReport } from './report-bytes';
import { encodeSignalBytes } from './signal-bytes';

/** Epoch ms with a fraction, for the debug trace (comparable across processes). */
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Some of one table's rows for an insert: row objects, or rows a decoding thread already encoded
 * (`body`, RowBinary in the table's layout) with a way to make their objects again (`rows()`: the
 * same rows, mapped again from the batch's messages), for the rare insert ClickHouse refuses as data.
 */
export interface RowsPart {
  count: number;
  rows(): Row[];
  body?: Buffer;
}

const rowsPart = (rows: Row[]): RowsPart => ({ count: rows.length, rows: () => rows });
/** Each table's RowBinary encoder, by its layout (for the inserter and for rows encoded when mapped). */
const ENCODERS = new Map(TABLES.map((t) => [t, rowBinaryEncoder(LAYOUTS[t] as never) as (w: BinaryWriter, row: Row) => void]));
const countOf = (parts: readonly RowsPart[]): number => parts.reduce((n, p) => n + p.count, 0);

/** Writes rows into `<database>.<table>`; resolves once ClickHouse acknowledged them. */
export type InsertRows = (table: Table, parts: RowsPart[]) => Promise<void>;

/** RowBinary inserts through the HTTP client: each table's rows encoded by its layout, with `settings` (a cluster's insert_quorum). */
export function rowBinaryInserter(clickhouse: ClickHouseClient, database: string, settings?: ClickHouseSettings, traceTo?: Logger): InsertRows {
  const queries = new Map(TABLES.map((t) => [t, rowBinaryInsertQuery(`${database}.${t}`, LAYOUTS[t] as never)]));
  return async (table, parts) => {
    const t0 = traceTo ? epochNow() : 0;
    // Rows already encoded go as they are; RowBinary rows carry no framing, so the bodies of
    // several parts one after the other are one valid body.
    const chunks: Buffer[] = [];
    let objects = 0;
    for (const p of parts) if (!p.body) objects += p.count;
    if (objects > 0) {
      const w = new BinaryWriter(Math.max(4096, objects * 160));
      const encode = ENCODERS.get(table)!;
      for (const p of parts) if (!p.body) for (const r of p.rows()) encode(w, r);
      chunks.push(w.view());
    }
    for (const p of parts) if (p.body && p.body.length > 0) chunks.push(p.body);
    if (traceTo) traceTo.info({ trace: 'encode', table, rows: objects, from: t0, to: epochNow() }, 'sink trace');
    const result = await clickhouse.exec({ query: queries.get(table)!, values: Readable.from(chunks), ...(settings ? { clickhouse_settings: settings } : {}) });
    // The answer is empty; reading it to the end returns the connection to the pool.
    for await (const _ of result.stream) void _;
  };
}

export interface BatchHandlerDeps {
  clickhouse: ClickHouseClient;
  database: string;
  /** Publishes dead letters on the dlq topic (acks=all). */
  producer: Pick<Producer, 'send'>;
  topics: TopicNames;
  logger: Logger;
  registry: Registry;
  now?: () => number;
  /**
   * A line per mapped batch, encoded body and group insert (info, with epoch ms times; config
   * sinkTrace): bench/lib/sink-trace.ts sums them into where a run's wall time went.
   */
  trace?: boolean;
  /** Threads that decode and encode reports messages beside the main thread (0: all on the main thread). */
  decodeThreads?: number;
  /** A group is sealed (inserted as soon as the previous one is acknowledged) at this many rows. */
  maxGroupRows?: number;
  /**
   * A group is sealed no sooner than this long after the previous one was (unless it holds
   * maxGroupRows): the fetches of every group member that arrive meanwhile go in as one insert
   * per table. 0 seals as soon as the fetch's batches are handed over.
   */
  flushIntervalMs?: number;
  /**
   * A group this large is sealed at once, flush interval or not: it is a large insert already.
   * So is every group until an interval after the last batch that was behind (BEHIND_MESSAGES of
   * its partition already in Kafka): a backlog (catching up, a replay, bench:sink) is not slowed
   * by the interval, its last batches included.
   */
  flushEarlyRows?: number;
  /**
   * Sent with every insert: on a cluster `insert_quorum` (the insert is acknowledged only once
   * that many replicas have it, so the offsets committed after it never cover rows held by one
   * replica alone) and `insert_quorum_timeout`. Used by the default RowBinary inserter.
   */
  insertSettings?: ClickHouseSettings;
  /** How rows reach ClickHouse (default: RowBinary through `clickhouse`). */
  insert?: InsertRows;
}

export interface SinkStats {
  batches: number;
  messages: number;
  /** Rows acknowledged by ClickHouse per table (a retried batch counts again). */
  rows: Record<Table, number>;
  inserts: number;
  /** Rows a decoding thread parsed and encoded (whether acknowledged yet or not). */
  threadRows: number;
  deadLetters: number;
  failedInserts: number;
  /** Epoch ms of the last batch that was fully acknowledged, 0 before the first. */
  lastBatchAt: number;
  /** Whether the latest insert attempt failed (ClickHouse unreachable or refusing). */
  failing: boolean;
  lastError: string | null;
}

export interface BatchHandler {
  handleBatch(batch: Pick<ConsumedBatch, 'topic' | 'partition' | 'messages' | 'lag'>): Promise<void>;
  readonly stats: SinkStats;
  /**
   * Resolves once the decoding threads (if any) are loaded; rejects if they failed to load.
   * Nothing needs to wait for it: until then (or for good, after a failure) batches are mapped
   * on the main thread.
   */
  ready(): Promise<void>;
  /** Stops the decoding threads (after the last batch). */
  close(): Promise<void>;
}

/**
 * ClickHouse codes that mean "this data cannot be stored", not "try later": a row that passed
 * the schema but still fails here (a value the column type refuses) is isolated by halving the
 * insert and goes to the DLQ, instead of blocking its partition forever.
 */
const BAD_DATA_CODES = new Set(['6', '26', '27', '38', '41', '53', '69', '70', '72', '117', '131']);

/**
 * A batch with at least this many messages of its partition already in Kafka behind it is a
 * backlog (a live fetch leaves none, or on a transactional topic a commit marker and at most an
 * open transaction): its group goes in without waiting for the flush interval.
 */
export const BEHIND_MESSAGES = 10_000;

/** Messages of a batch sent to a decoding thread at a time. */
const THREAD_SLICE = 10_000;

/**
 * Messages of a batch mapped and encoded at a time on the main thread. Each slice joins a group as
 * soon as it is encoded, and the event loop runs between slices (the insert in flight sends its
 * body and hears its answer, the next group is sealed): on a backlog a chunk's first rows are
 * being inserted while its last are mapped, and only one slice's rows are objects at a time.
 */
const MAP_SLICE = 10_000;

/**
 * A slice's rows, each encoded as soon as it is mapped (RowBinary in its table's layout): no row
 * object outlives its message's turn, so the garbage collector never copies or promotes them. A
 * part's rows() maps the slice again (mapping is pure), for the rare insert ClickHouse refuses as data.
 */
export function mapEncoded(
  origin: Omit<MessageOrigin, 'offset'>,
  messages: ConsumedBatch['messages'],
  nowMs: number,
): { rows: Map<Table, RowsPart[]>; deadLetters: DlqRecord[]; publish: DlqRecord[] } {
  const writers = new Map<Table, { w: BinaryWriter; count: number }>();
  const dead = mapBatchInto(origin, messages, nowMs, (table): RowOut => {
    const w = new BinaryWriter(Math.max(1024, messages.length * 160));
    const encode = ENCODERS.get(table)!;
    const e: RowOut & { w: BinaryWriter; count: number } = {
      w,
      count: 0,
      push(row: Row) {
        encode(w, row);
        e.count++;
      },
    };
    // A reports message of the common shape is read from its bytes into its row's (report-bytes.ts).
    if (table === 'reports')
      e.pushReportBytes = (value: Buffer) => {
        if (!encodePlainReport(w, value, 0, value.length)) return false;
        e.count++;
        return true;
      };
    // A binary signals message whose signals the codec's fast tests vouch for is read from its bytes into its rows' (signal-bytes.ts).
    if (table === 'signals')
      e.pushSignalBytes = (value: Buffer) => {
        const n = encodeSignalBytes(w, value);
        e.count += n;
        return n > 0;
      };
    writers.set(table, e);
    return e;
  });
  const rows = new Map<Table, RowsPart[]>();
  for (const [table, e] of writers)
    if (e.count > 0) rows.set(table, [{ count: e.count, body: e.w.view(), rows: () => mapBatch(origin, messages, nowMs).rows.get(table) ?? [] }]);
  return { rows, ...dead };
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const now = deps.now ?? Date.now;
  const maxGroupRows = deps.maxGroupRows ?? 200_000;
  const flushIntervalMs = deps.flushIntervalMs ?? 0;
  const flushEarlyRows = deps.flushEarlyRows ?? 50_000;
  const sinkTopics = deps.topics as Record<SinkTopic, string>;
  const stats: SinkStats = {
    batches: 0,
    messages: 0,
    rows: Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<Table, number>,
    inserts: 0,
    threadRows: 0,
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
    help: 'time from receiving a batch to ClickHouse acknowledging its rows (successful attempts)',
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
  const insertRows = new Histogram({
    name: 'sink_insert_rows',
    help: 'rows per insert request',
    buckets: [1, 10, 100, 1000, 5000, 20_000, 50_000, 100_000, 200_000],
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

  const writeRows = deps.insert ?? rowBinaryInserter(deps.clickhouse, deps.database, deps.insertSettings, deps.trace ? deps.logger : undefined);
  const trace = deps.trace === true;
  const pool = (deps.decodeThreads ?? 0) > 0 ? createDecodePool(deps.decodeThreads!) : null;
  // The threads load in the background (about a second of their own CPU): until they have, the
  // main thread maps every batch itself, so the sink serves and consumes from its start. A pool
  // that fails to load is never used (every batch is then mapped here).
  let poolLoaded = false;
  const poolReady = pool
    ? pool.ready().then(
        () => {
          poolLoaded = true;
        },
        (err: unknown) => {
          deps.logger.warn({ err: (err as Error)?.message }, 'decoding thread failed to load, mapping on the main thread');
          throw err;
        },
      )
    : Promise.resolve();
  poolReady.catch(() => undefined); // logged above; ready() still rejects for whoever awaits it
  /** Batches still being mapped, on a decoding thread or in slices here (their group waits for them, up to flushEarlyRows rows). */
  let pendingMaps = 0;

  async function insertOnce(table: Table, parts: RowsPart[]): Promise<void> {
    try {
      await writeRows(table, parts);
      stats.failing = false;
      stats.inserts++;
      insertRows.observe(countOf(parts));
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
  async function insertIsolating(table: Table, parts: RowsPart[]): Promise<DlqRecord[]> {
    try {
      await insertOnce(table, parts);
      return [];
    } catch (err) {
      if (!(err instanceof ClickHouseError) || err.retriable || !BAD_DATA_CODES.has(err.code)) throw err;
      const rows = parts.flatMap((p) => p.rows());
      if (rows.length === 1) {
        const payload = JSON.stringify(rows[0]);
        // A row has no Kafka position of its own: its content names it, so a retried batch makes the same id.
        return [deadLetter({ id: contentId('sink', table, payload), at: now(), origin: `${table} (sink insert)`, code: 'CLICKHOUSE_REJECTED', reason: err.message, payload })];
      }
      const mid = Math.ceil(rows.length / 2);
      return [...(await insertIsolating(table, [rowsPart(rows.slice(0, mid))])), ...(await insertIsolating(table, [rowsPart(rows.slice(mid))]))];
    }
  }

  /** One group: every table's rows go in one request each; dead letters to the dlq table and topic. */
  async function insertGroup(rows: Map<Table, RowsPart[]>, deadLetters: DlqRecord[], publish: DlqRecord[]): Promise<void> {
    const rejected = (await Promise.all([...rows].map(([table, list]) => insertIsolating(table, list)))).flat();
    const allDead = [...deadLetters, ...rejected];
    if (allDead.length > 0) {
      // Both copies before the offsets move: the row for SQL users, the record for consumers of
      // the dlq topic. The sink reads its own records back; the stable id makes that one row.
      const toPublish = [...publish, ...rejected];
      await Promise.all([
        insertOnce('dlq', [rowsPart(allDead.map(dlqRow))]),
        toPublish.length === 0
          ? Promise.resolve()
          : deps.producer.send(toPublish.map((r): OutMessage => ({ topic: deps.topics.dlq, key: r.origin, value: JSON.stringify(r) }))),
      ]);
    }
    for (const [table, list] of rows) {
      const written = countOf(list) - rejected.filter((r) => r.origin === `${table} (sink insert)`).length;
      rowsWritten.labels(table).inc(written);
      stats.rows[table] += written;
    }
    if (allDead.length > 0) {
      rowsWritten.labels('dlq').inc(allDead.length);
      stats.rows.dlq += allDead.length;
      for (const r of allDead) dlqTotal.labels(r.code).inc();
      stats.deadLetters += allDead.length;
      deps.logger.warn({ deadLetters: allDead.length, first: allDead[0]?.reason }, 'messages sent to the dlq');
    }
  }

  // --- group insert state -------------------------------------------------------------------
  let group = newGroup();
  let inFlight = false;
  let sealTimer: ReturnType<typeof setTimeout> | null = null;
  let sealImmediate: ReturnType<typeof setImmediate> | null = null;
  let lastSealAt = -Infinity;
  let lastBehindAt = -Infinity;

  function newGroup() {
    return { rows: new Map<Table, RowsPart[]>(), count: 0, deadLetters: [] as DlqRecord[], publish: [] as DlqRecord[], waiters: [] as Waiter[] };
  }

  function cancelScheduledSeal(): void {
    if (sealTimer) clearTimeout(sealTimer);
    if (sealImmediate) clearImmediate(sealImmediate);
    sealTimer = null;
    sealImmediate = null;
  }

  /** Start inserting the waiting group, unless one is in flight (its end starts the next). */
  function seal(): void {
    cancelScheduledSeal();
    if (inFlight || group.waiters.length === 0) return;
    const g = group;
    group = newGroup();
    inFlight = true;
    lastSealAt = now();
    const t0 = trace ? epochNow() : 0;
    insertGroup(g.rows, g.deadLetters, g.publish)
      .then(
        () => {
          if (trace) deps.logger.info({ trace: 'group', rows: g.count, batches: g.waiters.length, from: t0, to: epochNow() }, 'sink trace');
          g.waiters.forEach((w) => w.resolve());
        },
        (err: unknown) => g.waiters.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        inFlight = false;
        // What arrived meanwhile goes in as the next group: inserts never compete, and the
        // busier ClickHouse is, the larger the groups get.
        if (group.waiters.length > 0) scheduleSeal();
      });
  }

  function scheduleSeal(): void {
    if (sealImmediate) return;
    // Rows still being mapped (on a decoding thread, or a large batch's later slices here): the
    // group waits for them (each arrival schedules the seal again) until it holds flushEarlyRows:
    // fewer, larger inserts on a backlog.
    if (pendingMaps > 0 && group.count < flushEarlyRows) return;
    // Behind within the last interval: still draining a backlog, whose last batches are not behind.
    const draining = now() - lastBehindAt < flushIntervalMs;
    const wait = draining || group.count >= flushEarlyRows ? 0 : lastSealAt + flushIntervalMs - now();
    // setImmediate: the other batches of the same fetch are handed over before it runs. With a
    // flush interval, the timer also gathers the other group members' fetches.
    if (wait > 0) {
      sealTimer ??= setTimeout(seal, wait);
      return;
    }
    if (sealTimer) clearTimeout(sealTimer);
    sealTimer = null;
    sealImmediate = setImmediate(seal);
  }

  function submit(rows: Map<Table, RowsPart[]>, deadLetters: DlqRecord[], publish: DlqRecord[], behind: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const [table, list] of rows) {
        const into = group.rows.get(table);
        if (into) for (const r of list) into.push(r);
        else group.rows.set(table, list);
        group.count += countOf(list);
      }
      for (const d of deadLetters) group.deadLetters.push(d);
      for (const d of publish) group.publish.push(d);
      group.waiters.push({ resolve, reject });
      // Behind (a backlog: catching up, a replay): waiting out the interval would only slow it.
      if (behind) lastBehindAt = now();
      if (group.count >= maxGroupRows && !inFlight) seal();
      else scheduleSeal();
    });
  }

  async function handleBatch(batch: Pick<ConsumedBatch, 'topic' | 'partition' | 'messages' | 'lag'>): Promise<void> {
    const started = now();
    const topicKey = topicKeyOf(sinkTopics, batch.topic);
    if (!topicKey) throw new Error(`sink: not subscribed to topic ${batch.topic}`);
    const t0 = trace ? epochNow() : 0;
    const origin = { topicKey, topic: batch.topic, partition: batch.partition };
    if (pool && poolLoaded && topicKey === 'reports' && batch.messages.length > 0) {
      // Slices go to the threads at once and each joins a group as soon as it is encoded, so a
      // large batch's first rows are being inserted while its last are still being decoded.
      const behind = (batch.lag ?? 0) >= BEHIND_MESSAGES;
      const slices: Promise<void>[] = [];
      for (let i = 0; i < batch.messages.length; i += THREAD_SLICE) {
        const slice = batch.messages.slice(i, i + THREAD_SLICE);
        pendingMaps++;
        slices.push(
          mapReportsOffThread(pool, origin, slice, started)
            // A thread that exited (or a closed pool): the slice is mapped here instead.
            .catch((err: unknown) => {
              deps.logger.warn({ err: (err as Error)?.message }, 'decoding thread failed, mapping on the main thread');
              const m = mapBatch(origin, slice, started);
              return { rows: new Map([...m.rows].map(([table, list]) => [table, [rowsPart(list)]])), deadLetters: m.deadLetters, publish: m.publish, threadRows: 0 };
            })
            .then(
              (m) => {
                pendingMaps--;
                stats.threadRows += m.threadRows;
                if (trace) deps.logger.info({ trace: 'map', partition: batch.partition, messages: slice.length, lag: batch.lag, from: t0, to: epochNow() }, 'sink trace');
                return submit(m.rows, m.deadLetters, m.publish, behind);
              },
              (err: unknown) => {
                // The batch fails (the runner retries it); the group it would have joined goes without it.
                pendingMaps--;
                if (group.waiters.length > 0) scheduleSeal();
                throw err;
              },
            ),
        );
      }
      const settled = await Promise.allSettled(slices);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      // Each table's rows encoded as they are mapped (mapEncoded): the group holds buffers until
      // its insert (up to the flush interval and the insert's own time later), not row objects and
      // their strings, which the garbage collector would otherwise copy and promote.
      const behind = (batch.lag ?? 0) >= BEHIND_MESSAGES;
      const { messages } = batch;
      if (messages.length <= MAP_SLICE) {
        const m = mapEncoded(origin, messages, started);
        if (trace) deps.logger.info({ trace: 'map', partition: batch.partition, messages: messages.length, lag: batch.lag, from: t0, to: epochNow() }, 'sink trace');
        await submit(m.rows, m.deadLetters, m.publish, behind);
      } else {
        // A large batch (a backlog's chunk) in slices: each joins a group once encoded, and the
        // loop turns between them, so its first rows are inserted while its last are mapped. The
        // batch resolves once every slice's insert was acknowledged, and fails if any failed.
        // Until its last slice is handed over the batch counts as being mapped (pendingMaps): a
        // backlog's group then waits for flushEarlyRows rows, so its inserts stay as large as
        // before, but the first one starts once that many are mapped, not a whole fetch.
        const acks: Promise<void>[] = [];
        pendingMaps++;
        let mapping = true;
        try {
          for (let i = 0; i < messages.length; i += MAP_SLICE) {
            if (i > 0) await new Promise<void>((r) => setImmediate(r));
            const s0 = trace ? epochNow() : 0;
            const slice = messages.slice(i, i + MAP_SLICE);
            const m = mapEncoded(origin, slice, started);
            if (trace) deps.logger.info({ trace: 'map', partition: batch.partition, messages: slice.length, lag: batch.lag, from: s0, to: epochNow() }, 'sink trace');
            if (i + MAP_SLICE >= messages.length) {
              pendingMaps--;
              mapping = false;
            }
            const ack = submit(m.rows, m.deadLetters, m.publish, behind);
            ack.catch(() => undefined); // awaited below, after every slice was handed over
            acks.push(ack);
          }
        } finally {
          if (mapping) {
            pendingMaps--;
            if (group.waiters.length > 0) scheduleSeal();
          }
        }
        const settled = await Promise.allSettled(acks);
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
    }
    consumed.labels(topicKey).inc(batch.messages.length);
    stats.batches++;
    stats.messages += batch.messages.length;
    stats.lastBatchAt = now();
    batchDuration.observe(stats.lastBatchAt - started);
  }

  return { handleBatch, stats, ready: () => poolReady, close: async () => pool?.close() };
}

/**
 * A reports batch through a decoding thread: the plain messages come back encoded; the others
 * (not JSON, not plain, null) are mapped here the general way, rows or dead letters, as mapBatch
 * would. The encoded part's rows() maps its messages again (the same rows: mapping is pure).
 */
async function mapReportsOffThread(
  pool: DecodePool,
  origin: Omit<MessageOrigin, 'offset'>,
  messages: ConsumedBatch['messages'],
  nowMs: number,
): Promise<{ rows: Map<Table, RowsPart[]>; deadLetters: DlqRecord[]; publish: DlqRecord[]; threadRows: number }> {
  const encoded = await pool.encodeReports(messages.map((m) => m.value));
  const parts: RowsPart[] = [];
  const plain = encoded.fallback.length === 0 ? messages : messages.filter((_, i) => !isIn(encoded.fallback, i));
  if (encoded.rows > 0) parts.push({ count: encoded.rows, body: encoded.body, rows: () => mapBatch(origin, plain, nowMs).rows.get('reports') ?? [] });
  if (encoded.fallback.length === 0) return { rows: new Map([['reports', parts]]), deadLetters: [], publish: [], threadRows: encoded.rows };
  const rest = mapBatch(origin, Array.from(encoded.fallback, (i) => messages[i]!), nowMs);
  const rows = new Map<Table, RowsPart[]>();
  for (const [table, list] of rest.rows) rows.set(table, [rowsPart(list)]);
  if (parts.length > 0) rows.set('reports', [...parts, ...(rows.get('reports') ?? [])]);
  return { rows, deadLetters: rest.deadLetters, publish: rest.publish, threadRows: encoded.rows };
}

/** Whether `i` is in the ascending `sorted`. */
function isIn(sorted: Int32Array, i: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
