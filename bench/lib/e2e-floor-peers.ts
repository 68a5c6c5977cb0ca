/**
 * The I/O of the e2e day's peer floor (the arithmetic and what it means: ./e2e-floor.ts).
 *
 * `countDayVolume` reads what a bench:e2e run left behind, before its topics and database go:
 * every topic of the run's prefix read back to its end (read_committed: the detector's aborted
 * transactions are not counted), the consumer groups of the prefix that committed offsets on
 * each topic, and the rows of every table the sink inserts into.
 *
 * `measurePeerFloor` then moves the same volume with the best tools, each step metered with the
 * broker's and ClickHouse's CPU meanwhile (bench/lib/cpu.ts): Kafka's ProducerPerformance writes
 * each topic's messages at their mean size into a peer topic of the same partitions (acks=all,
 * idempotent, batches up to 1 MiB), Kafka's ConsumerPerformance reads them back as often as the run's groups did,
 * and clickhouse-client inserts the run's own rows (exported in Native format) into a fresh
 * database with the real tables and their views, then ClickHouse's merges are waited for. The
 * services must be stopped first: their idle polling would be counted as the broker's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, queryRows, readToEnd, repoRoot, topicNames, type ClickHouseClient, type Kafka } from '@downradar/common';
import { TABLES } from '../../services/sink/src/rows';
import { serverCpuMeter } from './cpu';
import { PER_DAY_TABLES, PER_DAY_TOPICS, consumePasses, meanRecordBytes, startUpFromTwoRuns, type DayVolume, type PeerCost, type PeerKind, type TableVolume, type TopicVolume } from './e2e-floor';
import { clickhouseClientInsert, clickhouseClientQueryToFile, createPeerTopic, javaConsume, javaProduce } from './peers';

async function count(ch: ClickHouseClient, sql: string): Promise<number> {
  const rows = await queryRows<{ n: string }>(ch, sql);
  return Number(rows[0]?.n ?? 0);
}

/** What a run moved: each topic's messages, bytes and reading groups; each sink table's rows. */
export async function countDayVolume(o: { kafka: Kafka; prefix: string; ch: ClickHouseClient; db: string; events: number }): Promise<DayVolume> {
  const names = topicNames(o.prefix);
  const admin = o.kafka.admin();
  await admin.connect();
  const topics: TopicVolume[] = [];
  try {
    const existing = new Set(await admin.listTopics());
    const present = Object.entries(names).filter(([, topic]) => existing.has(topic));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(o.prefix));
    // Each group's committed offsets on every topic of the run: a group that committed on a topic read it.
    const readers = new Map<string, number>();
    for (const groupId of groups) {
      const offsets = await admin.fetchOffsets({ groupId, topics: present.map(([, t]) => t) });
      for (const t of offsets) if (t.partitions.some((p) => Number(p.offset) > 0)) readers.set(t.topic, (readers.get(t.topic) ?? 0) + 1);
    }
    for (const [key, topic] of present) {
      const offsets = await admin.fetchTopicOffsets(topic);
      let messages = 0;
      let bytes = 0;
      if (offsets.some((p) => Number(p.high) > Number(p.low)))
        messages = await readToEnd(o.kafka, topic, { groupPrefix: `${o.prefix}-count`, timeoutMs: 600_000 }, (m) => {
          bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
          for (const [k, v] of Object.entries(m.headers ?? {})) bytes += k.length + (Buffer.isBuffer(v) ? v.length : String(v ?? '').length);
        });
      topics.push({ topic: key, messages, bytes, readers: readers.get(topic) ?? 0, partitions: offsets.length });
    }
  } finally {
    await admin.disconnect();
  }
  const existingTables = new Set((await queryRows<{ name: string }>(o.ch, `SELECT name FROM system.tables WHERE database = '${o.db}'`)).map((r) => r.name));
  const tables: TableVolume[] = [];
  for (const table of TABLES) if (existingTables.has(table)) tables.push({ table, rows: await count(o.ch, `SELECT count() AS n FROM ${o.db}.${table}`) });
  return { events: o.events, topics, tables };
}

/** Runs `fn` and returns its cost: the tool's CPU (from `fn`) and the servers' meanwhile. */
async function metered(kind: PeerKind, label: string, opts: { perDay: boolean; startsTool: boolean }, fn: () => Promise<{ cpuS: number }>): Promise<PeerCost> {
  const servers = serverCpuMeter();
  const t0 = performance.now();
  const { cpuS } = await fn();
  const s = servers.read();
  return { kind, label, toolS: cpuS, kafkaS: s.kafkaS, clickhouseS: s.clickhouseS, wallS: (performance.now() - t0) / 1000, ...opts };
}

const START_UP = { perDay: false, startsTool: true };
/** the start-up runs of the Kafka tools: this many records and three times as many, of a report's size */
const START_UP_RECORDS = 100_000;
const START_UP_BYTES = 220;
/**
 * The producer tool configured for throughput, its best case (acks=all and idempotence are
 * javaProduce's own): batches of up to 1 MiB a partition and 10 ms of linger, against the
 * defaults' 16 KiB and 5 ms (with the signals' 3.2 KB messages, five to a batch).
 */
const PRODUCER_PROPS = { 'batch.size': 1_048_576, 'linger.ms': 10 };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Moves `volume` with the best tools (see the file's comment) and returns every step's cost and
 * each kind's start-up (Kafka's tools: from a run of 100,000 records and one of 300,000,
 * startUpFromTwoRuns; clickhouse-client: a one-row insert). Peer
 * topics are `<prefix>.peer-<topic>` (deleted with the run's prefix), the peer database
 * `<db>_peer` (dropped here).
 */
export async function measurePeerFloor(o: {
  kafka: Kafka;
  brokers: string;
  prefix: string;
  ch: ClickHouseClient;
  db: string;
  volume: DayVolume;
  log?: (line: string) => void;
}): Promise<{ steps: PeerCost[]; fixed: Record<PeerKind, PeerCost> }> {
  const log = o.log ?? (() => undefined);
  const steps: PeerCost[] = [];
  const record = (c: PeerCost) => {
    log(`peer ${c.label}: ${c.wallS.toFixed(1)} s, CPU tool ${c.toolS.toFixed(2)} s, broker ${c.kafkaS.toFixed(2)} s, ClickHouse ${c.clickhouseS.toFixed(2)} s`);
    return c;
  };
  const peerTopic = (key: string) => `${o.prefix}.peer-${key}`;
  const written = o.volume.topics.filter((t) => t.messages > 0);

  // Kafka: the tools' start-ups first (two runs each: startUpFromTwoRuns), then each topic's
  // messages, then the reads.
  const [small, large] = [START_UP_RECORDS, 3 * START_UP_RECORDS];
  const startUp = (key: string, records: number) => peerTopic(`start-up-${key}-${records}`);
  for (const records of [small, large]) await createPeerTopic(o.kafka, startUp('produce', records), 6);
  const produced = async (records: number) => record(await metered('produce', `produce start-up run: ${records} x ${START_UP_BYTES} B`, START_UP, () => javaProduce({ brokers: o.brokers, topic: startUp('produce', records), records, recordSize: START_UP_BYTES, props: PRODUCER_PROPS })));
  const fixedProduce = record(startUpFromTwoRuns(await produced(small), small, await produced(large), large));
  // Both reads from the larger start-up topic: the small one reads a third of it.
  const consumed = async (records: number) => record(await metered('consume', `consume start-up run: ${records} records`, START_UP, () => javaConsume({ brokers: o.brokers, topic: startUp('produce', large), records })));
  const fixedConsume = record(startUpFromTwoRuns(await consumed(small), small, await consumed(large), large));
  for (const t of written) {
    await createPeerTopic(o.kafka, peerTopic(t.topic), t.partitions);
    const size = meanRecordBytes(t);
    steps.push(record(await metered('produce', `produce ${t.topic}: ${t.messages} x ${size} B${PER_DAY_TOPICS.has(t.topic) ? ' (per day)' : ''}`, { perDay: PER_DAY_TOPICS.has(t.topic), startsTool: true }, () => javaProduce({ brokers: o.brokers, topic: peerTopic(t.topic), records: t.messages, recordSize: size, props: PRODUCER_PROPS }))));
  }
  for (const pass of consumePasses(written)) {
    const records = pass.topics.reduce((s, t) => s + t.messages, 0);
    const regex = pass.topics.map((t) => escapeRegex(peerTopic(t.topic))).join('|');
    const label = `consume ${pass.topics.map((t) => t.topic).join('+')}: ${records} records${pass.perDay ? ' (per day)' : ''}`;
    steps.push(record(await metered('consume', label, { perDay: pass.perDay, startsTool: true }, () => javaConsume({ brokers: o.brokers, topic: regex, include: true, records }))));
  }

  // ClickHouse: the run's rows, exported as they are, into the real tables of a fresh database.
  const peerDb = `${o.db}_peer`;
  const dir = mkdtempSync(join(tmpdir(), 'downradar-e2e-floor-'));
  try {
    await migrate(o.ch, { dir: `${repoRoot}/schemas/clickhouse`, database: peerDb });
    const filled = o.volume.tables.filter((t) => t.rows > 0);
    for (const t of filled) await clickhouseClientQueryToFile({ database: o.db, query: `SELECT * FROM ${t.table} FORMAT Native`, file: join(dir, `${t.table}.native`) });
    // The start-up: one row of the first table into a copy of it (Memory: no parts, no views).
    const first = filled[0]!.table;
    await clickhouseClientQueryToFile({ database: o.db, query: `SELECT * FROM ${first} LIMIT 1 FORMAT Native`, file: join(dir, 'start-up.native') });
    await o.ch.command({ query: `CREATE TABLE ${peerDb}.floor_start_up AS ${peerDb}.${first} ENGINE = Memory` });
    const fixedInsert = record(
      await metered('insert', `insert start-up (clickhouse-client, 1 row of ${first})`, START_UP, () => clickhouseClientInsert({ database: peerDb, table: 'floor_start_up', file: join(dir, 'start-up.native'), format: 'Native', rows: 1 })),
    );
    for (const t of filled) {
      const perDay = PER_DAY_TABLES.has(t.table);
      steps.push(record(await metered('insert', `insert ${t.table}: ${t.rows} rows${perDay ? ' (per day)' : ''}`, { perDay, startsTool: true }, () => clickhouseClientInsert({ database: peerDb, table: t.table, file: join(dir, `${t.table}.native`), format: 'Native', rows: t.rows }))));
      const stored = await count(o.ch, `SELECT count() AS n FROM ${peerDb}.${t.table}`);
      if (stored !== t.rows) throw new Error(`peer insert: ${peerDb}.${t.table} holds ${stored} rows, not ${t.rows}`);
    }
    // The parts the inserts made (raw tables and the views' tables) are merged in the background:
    // that is part of what an insert costs ClickHouse, so it is waited for (at most 30 s).
    steps.push(
      record(
        await metered('insert', 'insert: ClickHouse merges after the inserts', { perDay: false, startsTool: false }, async () => {
          const until = performance.now() + 30_000;
          let quiet = 0;
          while (quiet < 2 && performance.now() < until) {
            await new Promise((r) => setTimeout(r, 250));
            quiet = (await count(o.ch, `SELECT count() AS n FROM system.merges WHERE database = '${peerDb}'`)) === 0 ? quiet + 1 : 0;
          }
          return { cpuS: 0 };
        }),
      ),
    );
    return { steps, fixed: { produce: fixedProduce, consume: fixedConsume, insert: fixedInsert } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await o.ch.command({ query: `DROP DATABASE IF EXISTS ${peerDb}` }).catch(() => undefined);
  }
}
