/**
 * The best case for kafkajs on this broker, as a process of its own (a benchmark peer):
 *
 *   node --import tsx bench/lib/kafkajs-peer.ts <brokers> <file> <batch> <in-flight> [<slice> <slices>]
 *
 * With DOWNRADAR_BENCH_KAFKAJS_SPEEDUPS=1 it first installs the three faster kafkajs producer
 * functions that downradar's services run (services/common/src/kafka/kafkajs-speedups.ts: the same
 * bytes for less CPU), so the peer is as cheap a kafkajs as the services' own.
 *
 * <file> holds one message per line, "topic<TAB>key<TAB>value". The messages are built once before
 * the clock starts (no serialisation is timed, only kafkajs and the broker). Producer: acks=all and
 * idempotent, as downradar's (a retry never writes twice); <batch> messages (at most 900 KB) per sendBatch, spread
 * over their topics and partitions by key; <in-flight> such producers, each with its own
 * connection, sending at once (an idempotent kafkajs producer allows one request in flight per
 * connection, so more in flight means more producers). <slice>/<slices> takes every slices-th block
 * of 1,000 lines starting at block <slice>, for several processes splitting one file (blocks keep
 * the mix of topics of the file).
 *
 * Prints "ready" once connected, waits for a line on stdin (so that several processes start
 * together), sends everything, then prints {"messages", "startedAt", "endedAt" (epoch ms), "cpuUs"
 * (this process's CPU while sending)} and exits.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Message } from 'kafkajs';

// Before kafkajs loads: the speedups take kafkajs' modules' place in the module cache.
if (process.env.DOWNRADAR_BENCH_KAFKAJS_SPEEDUPS === '1') {
  const { kafkajsSpeedupsInstalled } = await import('../../services/common/src/kafka/kafkajs-speedups');
  if (!kafkajsSpeedupsInstalled) throw new Error('kafkajs peer: the speedups were not installed (kafkajs loaded first)');
}
const { Kafka, logLevel, Partitioners } = await import('kafkajs');

const [brokers, file, batchArg, inFlightArg, sliceArg, slicesArg] = process.argv.slice(2);
if (!brokers || !file) {
  console.error('usage: kafkajs-peer.ts <brokers> <file> <batch> <in-flight> [<slice> <slices>]');
  process.exit(2);
}
const batch = Number(batchArg ?? 5000);
const inFlight = Number(inFlightArg ?? 1);
const slice = Number(sliceArg ?? 0);
const slices = Number(slicesArg ?? 1);

const lines0: { topic: string; message: Message }[] = [];
let total = 0;
readFileSync(file, 'utf8')
  .split('\n')
  .forEach((line, i) => {
    if (line === '' || Math.floor(i / 1000) % slices !== slice) return;
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    lines0.push({ topic: line.slice(0, a), message: { key: line.slice(a + 1, b), value: line.slice(b + 1) } });
    total++;
  });

/**
 * Requests of at most <batch> messages and MAX_REQUEST_BYTES, in the file's order (the order
 * ingest sends them), grouped by topic inside a request. The byte bound is downradar's producer's
 * (maxBatchBytes 900 KB): the broker refuses a partition's record batch over 1 MiB, and signal
 * batches are up to 128 KB each.
 */
const MAX_REQUEST_BYTES = 900_000;
const requests: { topic: string; messages: Message[] }[][] = [];
let current = new Map<string, Message[]>();
let count = 0;
let bytes = 0;
const endRequest = () => {
  if (count > 0) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
  current = new Map();
  count = 0;
  bytes = 0;
};
for (const { topic, message } of lines0) {
  const size = String(message.value).length + String(message.key).length + 70;
  if (count > 0 && (count >= batch || bytes + size > MAX_REQUEST_BYTES)) endRequest();
  let list = current.get(topic);
  if (!list) current.set(topic, (list = []));
  list.push(message);
  count++;
  bytes += size;
}
endRequest();

const kafka = new Kafka({ clientId: 'bench-kafkajs-peer', brokers: brokers.split(','), logLevel: logLevel.ERROR });
const producers = Array.from({ length: inFlight }, () =>
  kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
);
await Promise.all(producers.map((p) => p.connect()));
console.log('ready');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));

const startedAt = Date.now();
const cpu0 = process.cpuUsage();
let next = 0;
await Promise.all(
  producers.map(async (p) => {
    while (next < requests.length) {
      const topicMessages = requests[next++]!;
      await p.sendBatch({ acks: -1, topicMessages });
    }
  }),
);
const endedAt = Date.now();
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ messages: total, startedAt, endedAt, cpuUs: cpu.user + cpu.system }));
await Promise.all(producers.map((p) => p.disconnect()));
lines.close();
process.exit(0);
