/**
 * kafkajs' Produce request encoding, its own against the one-buffer encoding that ingest's
 * producers run (services/common/src/kafka/kafkajs-produce-request.ts), on requests like ingest's:
 * report JSON of about 300 bytes (bytes, keyed by service) over 6 partitions, 10,000 messages a
 * request. Rounds alternate the two; prints CPU µs a message of each, per round and the medians.
 *
 *   npx tsx bench/lib/ingest-produce-encode.ts [rounds] [requests]
 */
import '../../services/common/src/kafka/kafkajs-speedups';
import { median } from '@downradar/common/bench-results';
import { kafkajsProduceRequest, produceRequestWith } from '../../services/common/src/kafka/kafkajs-produce-request';
import { kafkajsOwn } from '../../services/common/src/kafka/kafkajs-modules';

const rounds = Number(process.argv[2] ?? 7);
const requests = Number(process.argv[3] ?? 20);
const PER_REQUEST = 10_000;
type Req = (args: object) => { encode(): Promise<{ buffer: Buffer }> };
const own = kafkajsProduceRequest() as unknown as Req;
const fast = produceRequestWith(kafkajsProduceRequest()) as unknown as Req;
const Long = kafkajsOwn<{ fromValue(v: unknown): unknown }>('kafkajs/src/utils/long');
const services = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube'];

function args(r: number) {
  const byPartition = new Map<number, { key: string; value: Buffer; partition: number }[]>();
  for (let i = 0; i < PER_REQUEST; i++) {
    const serviceId = services[i % services.length]!;
    const value = Buffer.from(JSON.stringify({ id: `e2e-${r}-${i}`, serviceId, problem: 'app', at: 1633363200000 + i, receivedAt: 1765100000000, reporterHash: 'f'.repeat(32), source: 'replay', text: 'app keeps crashing since this afternoon', country: 'US' }));
    const p = i % 6;
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push({ key: serviceId, value, partition: p });
  }
  return {
    acks: -1,
    timeout: 30000,
    transactionalId: null,
    producerId: Long.fromValue(1234),
    producerEpoch: 0,
    topicData: [{ topic: 'downradar.reports', partitions: [...byPartition].map(([partition, messages]) => ({ partition, firstSequence: 100, messages })) }],
  };
}

const inputs = Array.from({ length: requests }, (_, r) => args(r));
async function pass(req: Req): Promise<number> {
  const c0 = process.cpuUsage();
  let bytes = 0;
  for (const a of inputs) bytes += (await req(a).encode()).buffer.length;
  const c = process.cpuUsage(c0);
  if (bytes === 0) throw new Error('nothing encoded');
  return (c.user + c.system) / (requests * PER_REQUEST);
}

await pass(own);
await pass(fast);
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    a.push(await pass(own));
    b.push(await pass(fast));
  } else {
    b.push(await pass(fast));
    a.push(await pass(own));
  }
  console.log(`round ${i + 1}: kafkajs' own ${a[i]!.toFixed(2)} us a message, one buffer ${b[i]!.toFixed(2)}`);
}
console.log(`median: kafkajs' own ${median(a).toFixed(2)} us a message, one buffer ${median(b).toFixed(2)} (${(median(a) / median(b)).toFixed(2)}x)`);
