/**
 * npm run bench:ingest: the write path against the real broker.
 *  - single POST /v1/reports with 64 concurrent keep-alive connections, each counted when ingest
 *    answered 202 (i.e. after Kafka acknowledged): single_reports_per_s, single_p99_ms
 *  - NDJSON batches of 5,000 reports, 4 in flight: batch_reports_per_s
 *  - the peer: a bare kafkajs producer sending the same messages (report + signal per report,
 *    acks=all) in the same run: raw_produce_per_s, and batch_to_raw_ratio
 *  - text understanding on one core: nlp_posts_per_s
 * Medians of 3 runs. Ingest runs as its own process, as in production.
 */
import http from 'node:http';
import { createKafka, deleteTopicsWithPrefix, ensureTopics, hashApiKey, topicNames } from '@downradar/common';
import { median, writeResult } from '@downradar/common/bench-results';
import { startServiceProcess, stopProcess } from './lib/processes';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SINGLE_N = Number(process.env.BENCH_SINGLE_N ?? 20_000);
const BATCH_N = Number(process.env.BENCH_BATCH_N ?? 200_000);
const CONCURRENCY = 64;
const KEY = 'bench-key-' + Math.random().toString(36).slice(2);
const prefix = `bench-ingest-${Date.now()}`;
const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const PROBLEMS = ['app', 'server_connection', 'other'];

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(path: string, body: string, contentType: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: 18081, path, method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-api-key': KEY } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function report(i: number, run: number) {
  return {
    id: `b${run}-${i}`,
    serviceId: SERVICES[i % SERVICES.length]!,
    problem: PROBLEMS[i % PROBLEMS.length]!,
    reporterId: `reporter-${i}`,
    country: 'US',
    text: 'app keeps crashing since this afternoon',
  };
}

async function singleRun(run: number): Promise<{ rate: number; p99: number }> {
  let next = 0;
  const latencies: number[] = [];
  let bad = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SINGLE_N) {
        const i = next++;
        const r = await post('/v1/reports', JSON.stringify(report(i, run)), 'application/json');
        if (r.status !== 202) bad++;
        latencies.push(r.ms);
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  if (bad) throw new Error(`${bad} single reports were not accepted`);
  latencies.sort((a, b) => a - b);
  return { rate: SINGLE_N / secs, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

async function batchRun(run: number): Promise<number> {
  const per = 5000;
  const bodies: string[] = [];
  for (let b = 0; b < BATCH_N / per; b++) {
    const lines: string[] = [];
    for (let i = 0; i < per; i++) lines.push(JSON.stringify(report(1_000_000 + b * per + i, run)));
    bodies.push(lines.join('\n'));
  }
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const r = await post('/v1/reports/batch', bodies[next++]!, 'application/x-ndjson');
        if (r.status !== 202) throw new Error(`batch answered ${r.status}: ${r.body.slice(0, 300)}`);
      }
    }),
  );
  return BATCH_N / ((performance.now() - started) / 1000);
}

/** The same messages ingest writes (a report and its signal), straight from a bare kafkajs producer. */
async function rawRun(run: number): Promise<number> {
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'bench-raw' });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const topics = topicNames(prefix);
  const now = Date.now();
  const per = 5000;
  const started = performance.now();
  for (let b = 0; b < BATCH_N / per; b++) {
    const reports = [];
    const signals = [];
    for (let i = 0; i < per; i++) {
      const r = report(2_000_000 + b * per + i, run);
      const ev = { id: r.id, serviceId: r.serviceId, problem: r.problem, at: now, receivedAt: now, reporterHash: 'f'.repeat(32), source: 'api', country: 'US', text: r.text };
      reports.push({ key: r.serviceId, value: JSON.stringify(ev) });
      signals.push({ key: r.serviceId, value: JSON.stringify({ id: r.id, sourceId: r.id, serviceId: r.serviceId, kind: 'report', at: now, receivedAt: now, outage: true, problem: r.problem, confidence: 1, country: 'US', reporterHash: 'f'.repeat(32), hashtags: [] }) });
    }
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: topics.reports, messages: reports }, { topic: topics.signals, messages: signals }] });
  }
  const rate = BATCH_N / ((performance.now() - started) / 1000);
  await producer.disconnect();
  return rate;
}

const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'bench-admin' });
await ensureTopics(kafka, { prefix, partitions: 6, only: ['reports', 'posts', 'signals', 'dlq'] });
const ingest = await startServiceProcess(
  'ingest',
  {
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_INGEST_PORT: '18081',
    DOWNRADAR_API_KEY_HASHES: `${hashApiKey(KEY)}:feed`,
    DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: '10000000',
    DOWNRADAR_REPORTS_PER_REPORTER_PER15_MIN: '1000000',
    DOWNRADAR_LOG_LEVEL: 'warn',
  },
  'http://127.0.0.1:18081/readyz',
);
const single: { rate: number; p99: number }[] = [];
const batch: number[] = [];
const raw: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    single.push(await singleRun(run));
    batch.push(await batchRun(run));
    raw.push(await rawRun(run));
    console.log(`run ${run + 1}/${RUNS}: single ${single[run]!.rate.toFixed(0)}/s p99 ${single[run]!.p99.toFixed(1)} ms, batch ${batch[run]!.toFixed(0)}/s, raw ${raw[run]!.toFixed(0)}/s`);
  }
} finally {
  await stopProcess(ingest);
  agent.destroy();
}
const { measureNlpThroughput } = await import('../services/nlp/src/throughput');
const nlp = [0, 1, 2].map(() => measureNlpThroughput().postsPerSecond);
await deleteTopicsWithPrefix(kafka, prefix);
const batchRate = median(batch);
const rawRate = median(raw);
writeResult('ingest', {
  single_reports_per_s: Math.round(median(single.map((s) => s.rate))),
  single_p99_ms: Number(median(single.map((s) => s.p99)).toFixed(2)),
  batch_reports_per_s: Math.round(batchRate),
  raw_produce_per_s: Math.round(rawRate),
  batch_to_raw_ratio: Number((batchRate / rawRate).toFixed(3)),
  nlp_posts_per_s: Math.round(median(nlp)),
});
