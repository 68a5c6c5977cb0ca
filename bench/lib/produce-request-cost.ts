/**
 * What a produce request costs in CPU, split into a part per request and a part per message,
 * under load as ingest sees it (prints only):
 *
 *   npx tsx bench/lib/produce-request-cost.ts [rounds]
 *
 * downradar's producer (services/common/src/kafka/producer.ts, with the kafkajs speedups ingest
 * runs; one lane, ingest's 1 ms linger) takes single-message sends from C callers at once, each
 * sending its next message as soon as Kafka acknowledged its last (a closed loop, as ingest's
 * single POSTs are), on a fresh 6-partition topic pair on the real broker. The producer coalesces
 * what arrives while a request is on the wire, so C sets how many messages share a request. For
 * C = 4, 8, 16, 32, 64, 128, each in turn for `rounds` rounds (interleaved): this process's CPU
 * (user + system, and system alone) a message and the messages a request (the producer's own count), the median per
 * C, then the least-squares line CPU a message = perMessage + perRequest / (messages a request).
 * Messages are a single POST's: a report's JSON (keyed by service) and signals', 5 to 2.
 * Against ingest's single POSTs (15-18 reports, 20-24 messages a request,
 * bench/lib/ingest-alone.ts single), perRequest / (reports a request) is what longer linger or
 * fewer lanes could still save a report.
 */
import { createKafka, createProducer, deleteTopicsWithPrefix, ensureTopics, topicNames, type OutMessage } from '@downradar/common';
import { median } from '@downradar/common/bench-results';
import { brokersFromEnv, loadAverage } from './peers';

const ROUNDS = Number(process.argv[2] ?? 3);
const CALLERS = [4, 8, 16, 32, 64, 128];
const MESSAGES_PER_RUN = 12_000;
const prefix = `bench-reqcost-${Date.now()}`;
const topics = topicNames(prefix);
const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];

const message = (i: number): OutMessage => {
  const serviceId = SERVICES[i % SERVICES.length]!;
  const at = Date.now();
  return i % 7 < 5
    ? {
        topic: topics.reports,
        key: serviceId,
        value: JSON.stringify({ id: `q-${i}`, serviceId, problem: 'app', reporterHash: 'x'.repeat(43), country: 'US', text: 'app keeps crashing since this afternoon', at, receivedAt: at, source: 'web' }),
      }
    : { topic: topics.signals, key: serviceId, value: JSON.stringify({ kind: 'report', serviceId, at, weight: 1, polarity: 1, id: `q-${i}`, reporterHash: 'x'.repeat(43) }) };
};

const kafka = createKafka({ brokers: brokersFromEnv().split(','), clientId: 'bench-reqcost' });
await ensureTopics(kafka, { prefix, partitions: 6, only: ['reports', 'signals'] });
const producer = createProducer({ kafka, producers: 1, lingerMs: 1 });
await producer.connect();

/** CPU a message and messages a request with `callers` callers in a closed loop. */
async function run(callers: number, round: number): Promise<{ us: number; sysUs: number; perRequest: number }> {
  const messages = Array.from({ length: MESSAGES_PER_RUN }, (_, i) => message(round * 1_000_000 + i));
  let next = 0;
  const b0 = producer.stats.sentBatches;
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < messages.length) await producer.send([messages[next++]!]);
    }),
  );
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / MESSAGES_PER_RUN, sysUs: c.system / MESSAGES_PER_RUN, perRequest: MESSAGES_PER_RUN / (producer.stats.sentBatches - b0) };
}

try {
  for (const k of CALLERS) await run(k, 99); // warm (JIT, connections, partition counts)
  const byCallers = new Map<number, { us: number; sysUs: number; perRequest: number }[]>(CALLERS.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const load = loadAverage();
    const line: string[] = [];
    for (const k of CALLERS) {
      const r = await run(k, round);
      byCallers.get(k)!.push(r);
      line.push(`C=${k} ${r.us.toFixed(1)} us (system ${r.sysUs.toFixed(1)}; ${r.perRequest.toFixed(1)} a request)`);
    }
    console.log(`round ${round + 1}/${ROUNDS} (load ${load}): ${line.join(', ')}`);
  }
  // x = requests a message, y = CPU a message: y = perMessage + perRequest x.
  const points = CALLERS.map((k) => ({ k, x: 1 / median(byCallers.get(k)!.map((r) => r.perRequest)), y: median(byCallers.get(k)!.map((r) => r.us)) }));
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const perRequest = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const perMessage = my - perRequest * mx;
  console.log(`medians: ${points.map((p) => `C=${p.k} ${p.y.toFixed(1)} us a message, ${(1 / p.x).toFixed(1)} a request`).join('; ')}`);
  console.log(`fit: ${perRequest.toFixed(0)} us a request + ${perMessage.toFixed(1)} us a message`);
} finally {
  await producer.close();
  await deleteTopicsWithPrefix(kafka, prefix);
}
process.exit(0);
