/**
 * One write path of ingest on its own, for a profile or a quick before/after (prints only; the
 * figures of record come from `npm run bench:ingest`):
 *
 *   npx tsx bench/lib/ingest-alone.ts single|batch [runs]
 *
 * Starts ingest (DOWNRADAR_BENCH_INGEST_PROCESSES processes, default 1; under `node --cpu-prof`
 * with DOWNRADAR_BENCH_CPU_PROF=<dir>) on fresh topics, then per run either 20,000 single POSTs on
 * 64 connections (DOWNRADAR_BENCH_SINGLE_N, _CONCURRENCY) or 200,000 reports in NDJSON batches of
 * 5,000, 4 in flight (DOWNRADAR_BENCH_BATCH_N). Prints per run the rate, the latencies, ingest's
 * CPU per report (its processes' user + system time over the run, from /proc) and, at the end,
 * how long requests waited for Kafka's acknowledgement (ingest's own histogram) and how many
 * requests shared one produce request. Single POSTs start after 3,000 unmeasured ones (as the
 * benchmark does); DOWNRADAR_BENCH_LOADER=raw drives them with raw-http-load.ts instead of node's http
 * client (also for the peer); DOWNRADAR_BENCH_HELLO=1 measures the fastify hello-world peer
 * (bench/lib/fastify-hello.ts, warmed the same way) with the same load right after each run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createKafka, deleteTopicsWithPrefix, ensureTopics, hashApiKey } from '@downradar/common';
import { batchLoad, singleLoad as nodeSingleLoad } from './http-load';
import { rawSingleLoad } from './raw-http-load';
import { brokersFromEnv, loadAverage } from './peers';
import { benchIngestEnv, processTreeCpuMs, REPO_ROOT, startServiceProcess, stopProcess } from './processes';

const mode = process.argv[2];
if (mode !== 'single' && mode !== 'batch') {
  console.error('usage: ingest-alone.ts single|batch [runs]');
  process.exit(2);
}
const RUNS = Number(process.argv[3] ?? 3);
const PORT = Number(process.env.DOWNRADAR_BENCH_INGEST_PORT ?? process.env.DOWNRADAR_INGEST_PORT ?? 18081);
const SINGLE_N = Number(process.env.DOWNRADAR_BENCH_SINGLE_N ?? 20_000);
const CONCURRENCY = Number(process.env.DOWNRADAR_BENCH_CONCURRENCY ?? 64);
const BATCH_N = Number(process.env.DOWNRADAR_BENCH_BATCH_N ?? 200_000);
const PER_BATCH = 5000;
/** The load generator of single POSTs: node's http client (http-load.ts, the default) or DOWNRADAR_BENCH_LOADER=raw (raw-http-load.ts, a fraction of its CPU a request). */
const LOADER = process.env.DOWNRADAR_BENCH_LOADER === 'raw' ? 'raw' : 'node';
const singleLoad = LOADER === 'raw' ? rawSingleLoad : nodeSingleLoad;
const KEY = 'bench-key-' + Math.random().toString(36).slice(2);
const prefix = `bench-alone-${Date.now()}`;
const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const PROBLEMS = ['app', 'server_connection', 'other'];
const report = (i: number, run: number) => ({
  id: `a${run}-${i}`,
  serviceId: SERVICES[i % SERVICES.length]!,
  problem: PROBLEMS[i % PROBLEMS.length]!,
  reporterId: `reporter-${i}`,
  country: 'US',
  text: 'app keeps crashing since this afternoon',
});

const kafka = createKafka({ brokers: brokersFromEnv().split(','), clientId: 'bench-admin' });
await ensureTopics(kafka, { prefix, partitions: 6, only: ['reports', 'posts', 'signals', 'dlq'] });
const ingest = await startServiceProcess(
  'ingest',
  {
    ...benchIngestEnv(prefix, hashApiKey(KEY)),
    DOWNRADAR_INGEST_PORT: String(PORT),
    DOWNRADAR_INGEST_PROCESSES: process.env.DOWNRADAR_BENCH_INGEST_PROCESSES ?? '1',
  },
  `http://127.0.0.1:${PORT}/readyz`,
);
const headers = { 'x-api-key': KEY };

/** This process's own CPU (user + system) in ms: the load generator's cost, to see whether it bounds a run. */
function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A process's own user and system CPU in ms (/proc/<pid>/stat): where a request's CPU goes, the process or the kernel. */
function userSystemMs(pid: number): { user: number; system: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const tick = 1000 / 100;
  return { user: Number(f[11]) * tick, system: Number(f[12]) * tick };
}

/** The fastify hello-world (bench/lib/fastify-hello.ts) under the same load right after ingest's run: the peer of the same minutes. */
async function helloRun(run: number): Promise<{ perS: number; p99: number; cpuUs: number; loaderUs: number }> {
  const port = PORT + 1;
  const child = spawn(process.execPath, ['--import', 'tsx', `${REPO_ROOT}/bench/lib/fastify-hello.ts`, String(port), process.env.DOWNRADAR_BENCH_INGEST_PROCESSES ?? '1'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      child.on('exit', (code) => reject(new Error(`fastify hello exited ${code}`)));
    });
    const load = () => singleLoad({ port, path: '/v1/reports', n: SINGLE_N, concurrency: CONCURRENCY, body: (i) => JSON.stringify(report(i, run)) });
    await load(); // warm, as ingest is after its first run
    const cpu0 = processTreeCpuMs(child.pid!);
    const own0 = ownCpuMs();
    const r = await load();
    return { perS: r.perS, p99: r.p99, cpuUs: ((processTreeCpuMs(child.pid!) - cpu0) * 1000) / SINGLE_N, loaderUs: ((ownCpuMs() - own0) * 1000) / SINGLE_N };
  } finally {
    await stopProcess(child);
  }
}

try {
  if (mode === 'single') console.log(`load generator: ${LOADER === 'raw' ? 'raw sockets (raw-http-load.ts)' : "node's http client (http-load.ts)"}, ${CONCURRENCY} keep-alive connections`);
  if (mode === 'single') await singleLoad({ port: PORT, path: '/v1/reports', n: 3000, concurrency: CONCURRENCY, body: (i) => JSON.stringify(report(i, 100)), headers });
  for (let run = 0; run < RUNS; run++) {
    const load = loadAverage();
    const cpu0 = processTreeCpuMs(ingest.pid!);
    const own0 = ownCpuMs();
    const us0 = userSystemMs(ingest.pid!);
    if (mode === 'single') {
      const r = await singleLoad({ port: PORT, path: '/v1/reports', n: SINGLE_N, concurrency: CONCURRENCY, body: (i) => JSON.stringify(report(i, run)), headers });
      const cpuUs = ((processTreeCpuMs(ingest.pid!) - cpu0) * 1000) / SINGLE_N;
      const loaderUs = ((ownCpuMs() - own0) * 1000) / SINGLE_N;
      const us1 = userSystemMs(ingest.pid!);
      const split = `user ${(((us1.user - us0.user) * 1000) / SINGLE_N).toFixed(0)} + system ${(((us1.system - us0.system) * 1000) / SINGLE_N).toFixed(0)}`;
      console.log(`run ${run + 1}/${RUNS} (load ${load}): ${Math.round(r.perS)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${cpuUs.toFixed(0)} us CPU a report (${split}), ${r.notAccepted} not accepted; load generator ${loaderUs.toFixed(0)} us CPU a request`);
      if (process.env.DOWNRADAR_BENCH_HELLO) {
        const h = await helloRun(run);
        console.log(`  fastify hello-world: ${Math.round(h.perS)}/s, p99 ${h.p99.toFixed(1)} ms, ${h.cpuUs.toFixed(0)} us CPU a request (ratio ${(r.perS / h.perS).toFixed(2)}); load generator ${h.loaderUs.toFixed(0)} us CPU a request`);
      }
    } else {
      const bodies: string[] = [];
      for (let b = 0; b < BATCH_N / PER_BATCH; b++) bodies.push(Array.from({ length: PER_BATCH }, (_, i) => JSON.stringify(report(1_000_000 + b * PER_BATCH + i, run))).join('\n'));
      const r = await batchLoad({ port: PORT, path: '/v1/reports/batch', bodies, inFlight: 4, headers });
      const cpuUs = ((processTreeCpuMs(ingest.pid!) - cpu0) * 1000) / BATCH_N;
      console.log(`run ${run + 1}/${RUNS} (load ${load}): ${Math.round(BATCH_N / r.seconds)} reports/s, ${cpuUs.toFixed(1)} us CPU a report, ${r.retries} batches sent again after a 503`);
    }
  }
  const metrics = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const value = (name: string) => Number(metrics.match(new RegExp(`^ingest_produce_duration_ms_${name}\\{[^}]*\\} (\\S+)`, 'm'))?.[1] ?? NaN);
  console.log(`requests waited for Kafka's acknowledgement ${(value('sum') / value('count')).toFixed(1)} ms on average (${value('count')} requests)`);
  const produced = (count: string) => Number(metrics.match(new RegExp(`^ingest_kafka_produce_requests\\{count="${count}"[^}]*\\} (\\S+)`, 'm'))?.[1] ?? NaN);
  console.log(`${produced('requests')} produce requests to Kafka, ${(value('count') / produced('requests')).toFixed(1)} HTTP requests and ${(produced('messages') / produced('requests')).toFixed(1)} messages each`);
} finally {
  await stopProcess(ingest);
  await deleteTopicsWithPrefix(kafka, prefix);
}
process.exit(0);
