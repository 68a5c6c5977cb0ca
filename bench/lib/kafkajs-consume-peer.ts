/**
 * The best case for kafkajs reading a topic on this broker, as a process of its own (a benchmark
 * peer of the detector's scoring stage, which reads downradar.signals with kafkajs):
 *
 *   node --import tsx bench/lib/kafkajs-consume-peer.ts <brokers> <topic> <records>
 *
 * Reads <records> records of <topic> from the beginning in a consumer group of its own, with
 * eachBatch and nothing done per record beyond counting it and, for a binary signals message
 * (0x00 0x01, then an Avro array: services/common/src/kafka/signal-codec.ts), reading the array's
 * first block count, i.e. its number of signals (no decoding, no schema check, no commit).
 *
 * Configured for throughput, not latency: large fetches (maxBytesPerPartition 16 MiB, maxBytes
 * 64 MiB: several partitions' backlog in one response), minBytes 1 and maxWaitTimeInMs 100 (with a
 * backlog the broker answers at once; they only matter at the end), every partition's batch
 * handed to eachBatch concurrently (partitionsConsumedConcurrently = the partition count), no
 * auto-commit. The detector's own consumer (services/detector/src/stages/signals.consumer.ts)
 * fetches up to 8 MiB a partition, one partition at a time, and commits in a transaction.
 *
 * Prints one line {"records", "signals" (binary messages' signals; 0 for JSON ones),
 * "jsonRecords", "startedAt" (before connect), "fetchAt" (the first fetch request, after the
 * group join: the first batch in hand would be too late, one response can hold the whole
 * backlog), "endedAt" (last record counted), epoch ms, "cpuUs" (this process's CPU from the
 * start)} and exits 0; exits 1 if the records do not all come within 10 minutes.
 */
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic, recordsArg] = process.argv.slice(2);
if (!brokers || !topic || !recordsArg) {
  console.error('usage: kafkajs-consume-peer.ts <brokers> <topic> <records>');
  process.exit(2);
}
const wanted = Number(recordsArg);

/** The Avro array's first block count at offset 2 (zig-zag varint; negative: a block size follows). */
function binarySignals(value: Buffer): number {
  let shift = 1;
  let z = 0;
  for (let pos = 2; pos < value.length; pos++) {
    const b = value[pos]!;
    z += (b & 0x7f) * shift;
    if (b < 0x80) break;
    shift *= 0x80;
  }
  const n = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  return Math.abs(n);
}

const startedAt = Date.now();
const cpu0 = process.cpuUsage();
const kafka = new Kafka({ clientId: 'bench-kafkajs-consume-peer', brokers: brokers.split(','), logLevel: logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
await admin.disconnect();

const consumer = kafka.consumer({
  groupId: `bench-kafkajs-consumer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  maxBytesPerPartition: 16 * 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
  minBytes: 1,
  maxWaitTimeInMs: 100,
  allowAutoTopicCreation: false,
});
let fetchAt = 0;
consumer.on(consumer.events.FETCH_START, () => {
  if (fetchAt === 0) fetchAt = Date.now();
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });

let records = 0;
let signals = 0;
let jsonRecords = 0;
let endedAt = 0;
const done = new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`kafkajs consume peer: ${records} of ${wanted} records after 10 min`)), 600_000);
  void consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        records++;
        const v = m.value;
        if (v !== null && v.length > 2 && v[0] === 0x00 && v[1] === 0x01) signals += binarySignals(v);
        else jsonRecords++;
      }
      if (records >= wanted && endedAt === 0) {
        endedAt = Date.now();
        clearTimeout(timer);
        resolve();
      }
    },
  });
});

try {
  await done;
} catch (err) {
  console.error(String(err));
  process.exit(1);
}
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ records, signals, jsonRecords, startedAt, fetchAt, endedAt, cpuUs: cpu.user + cpu.system }));
await consumer.disconnect().catch(() => undefined);
process.exit(0);
