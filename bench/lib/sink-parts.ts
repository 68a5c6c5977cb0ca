/**
 * The sink's per-row parts on the reports topic, in one process, without Kafka or ClickHouse: what
 * a row costs from the fetched bytes to the RowBinary insert body, each part as it was before
 * session 10 beside what replaced it (prints only):
 *
 *   npx tsx bench/lib/sink-parts.ts [rows=100000] [rounds=3]
 *
 *  - kafkajs: a fetch's record batches of report messages decoded (as fetch/v4 decodeMessages does)
 *    and made into its consumer's Batch (offset filter): kafkajs' own (compiled from its files)
 *    against kafkajs-consumer-speedups.ts
 *  - mapBatch: JSON parse, the schema check, the row: the general path a message at a time
 *    (mapMessage: ajv, Checked, Mapped) against mapBatch's one pass (plainReportRow)
 *  - RowBinary: the rows encoded into one insert body: the column loop and the UTF-8 encoder for
 *    every string against the generated encoder and ASCII byte by byte
 *  - all three in a row, as the sink does them
 *  - map + encode as the sink's handler does it (mapBatchInto, each row encoded as mapped): every
 *    message parsed (JSON.parse, plainReportRow, the row's encoder) against the common shape read
 *    from its bytes (report-bytes.ts, batch-handler.ts mapEncoded)
 * Each as µs of CPU (process.cpuUsage) a row, medians of `rounds`, before and after alternated; the
 * rows are bench:sink's (bench/lib/reports.ts), 5,000 to a record batch.
 */
import { createRequire } from 'node:module';
import { kafkajsOwn } from '../../services/common/src/kafka/kafkajs-modules';
import { Batch as FastBatch, KafkajsBatch, decodeRecordBatch } from '../../services/common/src/kafka/kafkajs-consumer-speedups';
import { BinaryWriter, rowBinaryEncoder, rowBinaryEncoderLoop } from '@downradar/common';
import { median } from '@downradar/common/bench-results';
import { LAYOUTS, mapBatch, mapBatchInto, mapMessage, type Row } from '../../services/sink/src/rows';
import { mapEncoded } from '../../services/sink/src/batch-handler';
import { generateReports } from './reports';
import { loadAverage } from './peers';

const require = createRequire(import.meta.url);

type KafkaDecoder = Parameters<typeof decodeRecordBatch>[0];
type Message = { offset: string; value: Buffer | null };
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => KafkaDecoder & { canReadBytes(n: number): boolean };
const Encoder = require('kafkajs/src/protocol/encoder') as new () => { writeInt32(n: number): unknown; writeBuffer(b: Buffer): unknown; buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(a: Record<string, unknown>): Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (a: Record<string, unknown>) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };
const ownBatchDecoder = kafkajsOwn<typeof decodeRecordBatch>('kafkajs/src/protocol/recordBatch/v0/decoder');
type BatchClass = new (topic: string, fetchedOffset: string, p: Record<string, unknown>) => { messages: Message[] };

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

/** fetch/v4 decodeMessages with a given record batch decoder, then the consumer's Batch. */
async function decodeFetch(bytes: Buffer, decodeBatch: typeof decodeRecordBatch, B: BatchClass): Promise<Message[]> {
  const d = new Decoder(bytes);
  const size = d.readInt32();
  const messages = new Decoder(bytes.subarray(4, 4 + size));
  const records: unknown[] = [];
  while (messages.canReadBytes(49)) records.push(...(await decodeBatch(messages)).records);
  return new B(TOPIC, '1000000', { partition: 0, highWatermark: String(1_000_000 + N), messages: records, abortedTransactions: [] }).messages;
}

/** BinaryWriter.string as it was before session 10: the UTF-8 encoder for every string. */
class Utf8Writer extends BinaryWriter {
  override string(s: string): void {
    const self = this as unknown as { buf: Buffer; pos: number; ensure(n: number): void };
    const max = s.length * 3;
    self.ensure(max + 10);
    if (max < 128) {
      const written = self.buf.write(s, self.pos + 1, 'utf8');
      self.buf[self.pos] = written;
      self.pos += 1 + written;
      return;
    }
    this.varUInt(Buffer.byteLength(s, 'utf8'));
    self.pos += self.buf.write(s, self.pos, 'utf8');
  }
}

const encodeLoop = rowBinaryEncoderLoop(LAYOUTS.reports as never) as (w: BinaryWriter, r: Row) => void;
const encodeGenerated = rowBinaryEncoder(LAYOUTS.reports as never) as (w: BinaryWriter, r: Row) => void;
function encode(rows: Row[], before: boolean): number {
  const w = before ? new Utf8Writer(Math.max(4096, rows.length * 160)) : new BinaryWriter(Math.max(4096, rows.length * 160));
  const put = before ? encodeLoop : encodeGenerated;
  for (const r of rows) put(w, r);
  return w.length;
}
/** The general path a message at a time, as mapBatch did before session 10. */
function mapGeneral(messages: Message[]): Row[] {
  const rows: Row[] = [];
  for (const m of messages) {
    const r = mapMessage({ topicKey: 'reports', topic: TOPIC, partition: 0, offset: m.offset }, m.value, Date.now());
    if (r.kind !== 'row') throw new Error(`dead letter: ${r.record.reason}`);
    rows.push(r.row);
  }
  return rows;
}
function map(messages: Message[]): Row[] {
  const m = mapBatch({ topicKey: 'reports', topic: TOPIC, partition: 0 }, messages, Date.now());
  if (m.deadLetters.length > 0) throw new Error(`dead letters: ${m.deadLetters[0]!.reason}`);
  return m.rows.get('reports')!;
}

/** mapEncoded as it was before session 16: every reports message parsed, each row encoded as mapped. */
function mapEncodedParsed(messages: Message[]): Buffer {
  const w = new BinaryWriter(Math.max(4096, messages.length * 160));
  const dead = mapBatchInto({ topicKey: 'reports', topic: TOPIC, partition: 0 }, messages, Date.now(), () => ({ push: (r: Row) => encodeGenerated(w, r) }));
  if (dead.deadLetters.length > 0) throw new Error(`dead letters: ${dead.deadLetters[0]!.reason}`);
  return w.view();
}
function mapEncodedBytes(messages: Message[]): Buffer {
  const m = mapEncoded({ topicKey: 'reports', topic: TOPIC, partition: 0 }, messages as never, Date.now());
  if (m.deadLetters.length > 0) throw new Error(`dead letters: ${m.deadLetters[0]!.reason}`);
  return m.rows.get('reports')![0]!.body!;
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
  const own = KafkajsBatch as unknown as BatchClass;
  const fast = FastBatch as unknown as BatchClass;
  const messages = await decodeFetch(bytes, decodeRecordBatch, fast);
  const rows = map(messages);
  // The same messages and rows both ways.
  if (JSON.stringify(await decodeFetch(bytes, ownBatchDecoder, own)) !== JSON.stringify(messages)) throw new Error('decoders differ');
  if (JSON.stringify(mapGeneral(messages)) !== JSON.stringify(rows)) throw new Error('rows differ');
  if (encode(rows, true) !== encode(rows, false)) throw new Error('encodings differ');
  if (!mapEncodedParsed(messages).equals(mapEncodedBytes(messages))) throw new Error('bodies differ');
  const parts: Record<string, [() => unknown, () => unknown]> = {
    'kafkajs fetch decode + Batch': [() => decodeFetch(bytes, ownBatchDecoder, own), () => decodeFetch(bytes, decodeRecordBatch, fast)],
    'mapBatch (parse, check, row)': [() => mapGeneral(messages), () => map(messages)],
    'RowBinary encoding': [() => encode(rows, true), () => encode(rows, false)],
    'all three': [
      async () => encode(mapGeneral(await decodeFetch(bytes, ownBatchDecoder, own)), true),
      async () => encode(map(await decodeFetch(bytes, decodeRecordBatch, fast)), false),
    ],
    'map + encode (handler)': [() => mapEncodedParsed(messages), () => mapEncodedBytes(messages)],
  };
  // Warm up every part (the JIT), then alternate before and after, round by round.
  for (const [a, b] of Object.values(parts)) {
    await a();
    await b();
  }
  const us: Record<string, [number[], number[]]> = Object.fromEntries(Object.keys(parts).map((k) => [k, [[], []]]));
  for (let r = 0; r < ROUNDS; r++)
    for (const [k, [a, b]] of Object.entries(parts)) {
      us[k]![0].push(await cpuUs(a));
      us[k]![1].push(await cpuUs(b));
    }
  console.log(`sink parts, ${N} report rows, load ${loadAverage()}: µs of CPU a row, before -> after (medians of ${ROUNDS}, alternated; the runs)`);
  for (const [k, [a, b]] of Object.entries(us))
    console.log(`  ${k.padEnd(30)} ${median(a).toFixed(2).padStart(6)} -> ${median(b).toFixed(2).padStart(6)}   (${a.map((x) => x.toFixed(2)).join(', ')} -> ${b.map((x) => x.toFixed(2)).join(', ')})`);
}

await main();
