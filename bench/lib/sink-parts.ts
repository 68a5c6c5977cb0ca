/**
 * The sink's per-row parts on the reports topic, in one process, without Kafka or ClickHouse: what
 * a row costs from the fetched bytes to the RowBinary insert body (prints only):
 *
 *   npx tsx bench/lib/sink-parts.ts [rows=100000] [rounds=3]
 *
 *  - kafkajs: a fetch's record batches of report messages decoded (fetch/v4 decodeMessages, as the
 *    fetch response does) and made into its consumer's Batch (offset filter): µs a message
 *  - mapBatch: JSON parse, the schema check, the row (services/sink/src/rows.ts)
 *  - RowBinary: the rows encoded into one insert body (rowBinaryInserter's loop)
 *  - all three in a row, as the sink does them
 * Each as µs of CPU (process.cpuUsage) a row, medians of `rounds`; the rows are bench:sink's
 * (bench/lib/reports.ts), 5,000 to a record batch.
 */
import { createRequire } from 'node:module';
import '../../services/common/src/kafka/kafkajs-speedups';
import { BinaryWriter, rowBinaryEncoder } from '@downradar/common';
import { median } from '@downradar/common/bench-results';
import { LAYOUTS, mapBatch, type Row } from '../../services/sink/src/rows';
import { generateReports } from './reports';
import { loadAverage } from './peers';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const Encoder = require('kafkajs/src/protocol/encoder') as new () => { writeInt32(n: number): unknown; writeBuffer(b: Buffer): unknown; buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(a: Record<string, unknown>): Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (a: Record<string, unknown>) => unknown;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (d: unknown) => Promise<{ offset: string; value: Buffer | null }[]>;
const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, p: Record<string, unknown>) => { messages: { offset: string; value: Buffer | null }[] };
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const PER_BATCH = 5_000;
const TOPIC = 'bench.reports';

/** The bytes of a fetch response's partition records: record batches of PER_BATCH messages, offsets from 1,000,000. */
async function fetchBytes(values: string[], keys: string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const t0 = Date.now();
  for (let i = 0; i < values.length; i += PER_BATCH) {
    const records = [];
    for (let j = i; j < Math.min(values.length, i + PER_BATCH); j++) records.push(Record({ key: keys[j], value: values[j], offsetDelta: j - i, timestampDelta: j - i }));
    const rb = await RecordBatch({ firstOffset: Long.fromValue(1_000_000 + i), firstTimestamp: t0, maxTimestamp: t0 + PER_BATCH, lastOffsetDelta: records.length - 1, records });
    parts.push(rb.buffer);
  }
  const body = Buffer.concat(parts);
  const e = new Encoder();
  e.writeInt32(body.length);
  e.writeBuffer(body);
  return e.buffer;
}

async function decodeFetch(bytes: Buffer): Promise<{ offset: string; value: Buffer | null }[]> {
  const messages = await decodeMessages(new Decoder(bytes));
  return new Batch(TOPIC, '1000000', { partition: 0, highWatermark: String(1_000_000 + N), messages, abortedTransactions: [] }).messages;
}

const encodeReport = rowBinaryEncoder(LAYOUTS.reports as never) as (w: BinaryWriter, r: Row) => void;
function encode(rows: Row[]): number {
  const w = new BinaryWriter(Math.max(4096, rows.length * 160));
  for (const r of rows) encodeReport(w, r);
  return w.length;
}
function map(messages: { offset: string; value: Buffer | null }[]): Row[] {
  const m = mapBatch({ topicKey: 'reports', topic: TOPIC, partition: 0 }, messages, Date.now());
  if (m.deadLetters.length > 0) throw new Error(`dead letters: ${m.deadLetters[0]!.reason}`);
  return m.rows.get('reports')!;
}

/** µs of CPU per row of one call of `f` over the N rows. */
async function cpuUs(f: () => unknown): Promise<number> {
  const t0 = process.cpuUsage();
  await f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / N;
}

async function main(): Promise<void> {
  const reports = generateReports(N);
  const bytes = await fetchBytes(
    reports.map((r) => JSON.stringify(r)),
    reports.map((r) => r.serviceId),
  );
  const messages = await decodeFetch(bytes);
  const rows = map(messages);
  const parts: Record<string, () => unknown> = {
    'kafkajs fetch decode + Batch': () => decodeFetch(bytes),
    'mapBatch (parse, check, row)': () => map(messages),
    'RowBinary encoding': () => encode(rows),
    'all three': async () => encode(map(await decodeFetch(bytes))),
  };
  // Warm up every part (the JIT), then alternate them round by round.
  for (const f of Object.values(parts)) await f();
  const us: Record<string, number[]> = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [k, f] of Object.entries(parts)) us[k]!.push(await cpuUs(f));
  console.log(`sink parts, ${N} report rows, load ${loadAverage()}: µs of CPU a row (median of ${ROUNDS}; the runs)`);
  for (const [k, v] of Object.entries(us)) console.log(`  ${k.padEnd(32)} ${median(v).toFixed(2).padStart(6)}   (${v.map((x) => x.toFixed(2)).join(', ')})`);
}

await main();
