/**
 * CPU of ingest's own NDJSON batch path a report, without sockets and without Kafka (prints only):
 *
 *   npx tsx bench/lib/ingest-batch-cpu.ts [runs] [reports]
 *
 * The real app (app.ts with the catalog, nlp's understanding as wiring.ts builds it, the reporter
 * HMAC, the dedupe set, produce.ts's grouping and signal batches) gets batches of 5,000 reports
 * (the lines `bench/lib/ingest-alone.ts batch` sends) through fastify's `inject`, 4 in flight,
 * with a producer that acknowledges every send on the next turn of the event loop instead of
 * Kafka. What is left is the per-report work ingest's code decides: kafkajs, node's HTTP parsing
 * and the socket writes are what ingest-alone adds. Per run: µs of this process's CPU (user +
 * system) a report; the median at the end. Run it from two checkouts, alternated, for a
 * before/after of a change to that code.
 */
import { Registry } from 'prom-client';
import { createLogger, hashApiKey, loadApiKeys, reporterHasher, topicNames, type Producer } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog } from '../../schemas/catalog/index';
import { buildApp } from '../../services/ingest/src/app';
import { median } from '@downradar/common/bench-results';
import { loadAverage } from './peers';

const RUNS = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 100_000);
const PER_BATCH = 5000;
const IN_FLIGHT = 4;
const KEY = 'bench-batch-cpu-key';
const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const PROBLEMS = ['app', 'server_connection', 'other'];
const line = (i: number, run: number) =>
  JSON.stringify({ id: `a${run}-${i}`, serviceId: SERVICES[i % SERVICES.length], problem: PROBLEMS[i % PROBLEMS.length], reporterId: `reporter-${i}`, country: 'US', text: 'app keeps crashing since this afternoon' });

let sentMessages = 0;
const producer: Producer = {
  send: (messages) => {
    sentMessages += messages.length;
    return new Promise((resolve) => setImmediate(resolve));
  },
  connect: async () => undefined,
  close: async () => undefined,
  stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
};
const catalog = loadCatalog();
const nlp = createUnderstanding({ catalog });
const ingest = await buildApp({
  options: { reportsPerIpPerMinute: 1e9, reportsPerReporterPer15Min: 1e6, batchMaxLines: 10_000, batchMaxBytes: 5 << 20, produceTimeoutMs: 5000, maxEventLoopDelayMs: 60_000, trustProxy: false },
  producer,
  topics: topicNames('bench'),
  // as wiring.ts builds it
  understanding: { signalForReport: (r) => nlp.signalForReport(r), readPost: (p) => nlp.readPost(p, p.receivedAt) },
  services: { problemsOf: (id) => catalog.get(id)?.problems },
  hashReporter: reporterHasher('bench-salt'),
  apiKeys: loadApiKeys({ hashes: [`${hashApiKey(KEY)}:feed`] }),
  logger: createLogger('bench', 'warn'),
  registry: new Registry(),
  kafkaReady: async () => true,
});
await ingest.ready();

async function cpuUsPerReport(run: number, n: number): Promise<number> {
  const bodies: string[] = [];
  for (let b = 0; b < n / PER_BATCH; b++) bodies.push(Array.from({ length: PER_BATCH }, (_, i) => line(b * PER_BATCH + i, run)).join('\n'));
  let next = 0;
  let bad = '';
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const r = await ingest.inject({ method: 'POST', url: '/v1/reports/batch', payload: bodies[next++]!, headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY } });
        if (r.statusCode !== 202 || r.json<{ accepted: number }>().accepted !== PER_BATCH) bad ||= `${r.statusCode} ${r.body.slice(0, 300)}`;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  if (bad) throw new Error(`not accepted: ${bad}`);
  return (c.user + c.system) / n;
}

await cpuUsPerReport(1000, 20_000); // warm (JIT)
const runs: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const load = loadAverage();
  const us = await cpuUsPerReport(run, N);
  runs.push(us);
  console.log(`run ${run + 1}/${RUNS} (load ${load}): ${us.toFixed(2)} us CPU a report (${sentMessages} messages handed to the producer so far)`);
}
console.log(`median: ${median(runs).toFixed(2)} us CPU a report`);
process.exit(0);
