/**
 * What a single POST costs on this machine, each side measured from /proc: three servers (node's
 * own http hello-world, the fastify hello-world, ingest's POST /v1/reports) each driven by three
 * load generators (node's http client, http-load.ts; the raw-socket one, raw-http-load.ts; wrk,
 * wrk-load.ts), the same 64 keep-alive connections and bodies. Prints, per run, the rate, p50/p99,
 * the server's CPU a request (user + system of its processes) and the loader's own CPU a request.
 *
 *   npx tsx bench/lib/wrk-matrix.ts [rounds]     (the stack up: ingest needs the broker)
 *
 * DOWNRADAR_BENCH_INGEST_PROCESSES (default 1) processes for ingest and both hello-worlds;
 * DOWNRADAR_BENCH_SINGLE_N requests a node-loader run (default 20,000); DOWNRADAR_BENCH_WRK_S
 * seconds a wrk run (default 6); DOWNRADAR_BENCH_WRK_THREADS (default 1);
 * DOWNRADAR_BENCH_TARGETS (default node,fastify,ingest) and DOWNRADAR_BENCH_LOADERS (default
 * node,raw,wrk) pick the cells. Each cell is warmed by its own loader first (3,000 requests, or
 * 2 s of wrk), and the servers stay up across rounds (round 1 shows a fresh process, later ones
 * a warm one). DOWNRADAR_BENCH_HELLO_PLAIN=1 runs the hello-worlds as plain JavaScript (compiled
 * once by esbuild into .data/) under `node` without `--import tsx`: what tsx adds to a request.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createKafka, deleteTopicsWithPrefix, ensureTopics, hashApiKey } from '@downradar/common';
import { singleLoad as nodeSingleLoad } from './http-load';
import { rawSingleLoad } from './raw-http-load';
import { wrkSingleLoad } from './wrk-load';
import { brokersFromEnv, loadAverage } from './peers';
import { processCpuS, serverPids } from './cpu';
import { benchIngestEnv, processTreeCpuMs, REPO_ROOT, startServiceProcess, stopProcess } from './processes';

const ROUNDS = Number(process.argv[2] ?? 2);
const PROCESSES = process.env.DOWNRADAR_BENCH_INGEST_PROCESSES ?? '1';
const SINGLE_N = Number(process.env.DOWNRADAR_BENCH_SINGLE_N ?? 20_000);
const WRK_S = Number(process.env.DOWNRADAR_BENCH_WRK_S ?? 6);
const WRK_THREADS = Number(process.env.DOWNRADAR_BENCH_WRK_THREADS ?? 1);
const CONCURRENCY = 64;
const PORT = Number(process.env.DOWNRADAR_BENCH_INGEST_PORT ?? process.env.DOWNRADAR_INGEST_PORT ?? 18081);
const TARGETS = (process.env.DOWNRADAR_BENCH_TARGETS ?? 'node,fastify,ingest').split(',');
const LOADERS = (process.env.DOWNRADAR_BENCH_LOADERS ?? 'node,raw,wrk').split(',');
const KEY = 'bench-key-' + Math.random().toString(36).slice(2);
const prefix = `bench-matrix-${Date.now()}`;
const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const PROBLEMS = ['app', 'server_connection', 'other'];
/** A report as bench:ingest sends it; `idText` replaces the number in its id and reporter (wrk's "{i}"). */
const body = (tag: string, i: number, idText = String(i)) =>
  JSON.stringify({ id: `${tag}-${idText}`, serviceId: SERVICES[i % SERVICES.length], problem: PROBLEMS[i % PROBLEMS.length], reporterId: `reporter-${idText}`, country: 'US', text: 'app keeps crashing since this afternoon' });

function userSystemMs(rootPid: number): { user: number; system: number } {
  // the root and its direct children (a primary and its workers)
  let user = 0;
  let system = 0;
  const pids = [rootPid];
  try {
    const children = readFileSync(`/proc/${rootPid}/task/${rootPid}/children`, 'utf8').trim();
    if (children) pids.push(...children.split(/\s+/).map(Number));
  } catch {
    // no children file
  }
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
      user += Number(x[11]) * 10;
      system += Number(x[12]) * 10;
    } catch {
      // gone
    }
  }
  return { user, system };
}

const PLAIN = process.env.DOWNRADAR_BENCH_HELLO_PLAIN === '1';
function helloArgs(): string[] {
  if (!PLAIN) return ['--import', 'tsx', `${REPO_ROOT}/bench/lib/fastify-hello.ts`];
  const out = `${REPO_ROOT}/.data/fastify-hello.mjs`;
  execFileSync(`${REPO_ROOT}/node_modules/.bin/esbuild`, [`${REPO_ROOT}/bench/lib/fastify-hello.ts`, '--format=esm', '--platform=node', `--outfile=${out}`, '--log-level=warning']);
  return [out];
}

async function startHello(kind: 'node' | 'fastify', port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...helloArgs(), String(port), PROCESSES, kind], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`hello ${kind} exited ${code}`)));
  });
  return child;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Cell {
  perS: number;
  p50: number;
  p99: number;
  requests: number;
  notAccepted: number;
  loaderUs: number;
}

async function drive(loader: string, port: number, tag: string, headers: Record<string, string>, warm: boolean): Promise<Cell> {
  if (loader === 'wrk') {
    const r = await wrkSingleLoad({ port, path: '/v1/reports', seconds: warm ? 2 : WRK_S, concurrency: CONCURRENCY, template: (k) => body(tag, k, '{i}'), period: 24, headers, threads: WRK_THREADS });
    return { perS: r.perS, p50: r.p50, p99: r.p99, requests: r.requests, notAccepted: r.notAccepted, loaderUs: r.loaderCpuUs };
  }
  const n = warm ? 3000 : SINGLE_N;
  const load = loader === 'raw' ? rawSingleLoad : nodeSingleLoad;
  const own0 = ownCpuMs();
  const r = await load({ port, path: '/v1/reports', n, concurrency: CONCURRENCY, body: (i) => body(tag, i), headers });
  return { perS: r.perS, p50: r.p50, p99: r.p99, requests: n, notAccepted: r.notAccepted, loaderUs: ((ownCpuMs() - own0) * 1000) / n };
}

const brokerPid = serverPids().kafka;
/** Produce requests Kafka acknowledged so far (ingest's /metrics, summed over its processes). */
async function produceRequests(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(text.match(/^ingest_kafka_produce_requests\{count="requests"[^}]*\} (\S+)/m)?.[1] ?? NaN);
}

const kafka = TARGETS.includes('ingest') ? createKafka({ brokers: brokersFromEnv().split(','), clientId: 'bench-admin' }) : null;
const servers = new Map<string, { child: ChildProcess; port: number; headers: Record<string, string> }>();
try {
  if (kafka) {
    await ensureTopics(kafka, { prefix, partitions: 6, only: ['reports', 'posts', 'signals', 'dlq'] });
    const child = await startServiceProcess('ingest', { ...benchIngestEnv(prefix, hashApiKey(KEY)), DOWNRADAR_INGEST_PORT: String(PORT), DOWNRADAR_INGEST_PROCESSES: PROCESSES }, `http://127.0.0.1:${PORT}/readyz`);
    servers.set('ingest', { child, port: PORT, headers: { 'x-api-key': KEY } });
  }
  if (TARGETS.includes('fastify')) servers.set('fastify', { child: await startHello('fastify', PORT + 1), port: PORT + 1, headers: {} });
  if (TARGETS.includes('node')) servers.set('node', { child: await startHello('node', PORT + 2), port: PORT + 2, headers: {} });
  console.log(`matrix: ${ROUNDS} rounds, servers ${[...servers.keys()].join(', ')} in ${PROCESSES} process(es), loaders ${LOADERS.join(', ')}, node loaders ${SINGLE_N} requests, wrk ${WRK_S} s with ${WRK_THREADS} thread(s), ${CONCURRENCY} connections, hello-worlds ${PLAIN ? 'plain node' : 'under tsx'}; load ${loadAverage()}`);
  let seq = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // alternate the loaders' order each round
    const loaders = round % 2 === 0 ? LOADERS : [...LOADERS].reverse();
    for (const [name, s] of servers) {
      for (const loader of loaders) {
        await drive(loader, s.port, `w${round}-${seq++}`, s.headers, true);
        const load = loadAverage();
        const cpu0 = processTreeCpuMs(s.child.pid!);
        const us0 = userSystemMs(s.child.pid!);
        const broker0 = brokerPid ? processCpuS(brokerPid) : 0;
        const produced0 = name === 'ingest' ? await produceRequests(s.port) : 0;
        const r = await drive(loader, s.port, `m${round}-${seq++}`, s.headers, false);
        const cpuUs = ((processTreeCpuMs(s.child.pid!) - cpu0) * 1000) / r.requests;
        const us1 = userSystemMs(s.child.pid!);
        const brokerUs = brokerPid ? ((processCpuS(brokerPid) - broker0) * 1e6) / r.requests : 0;
        const kafkaText = name === 'ingest' ? ` | broker ${brokerUs.toFixed(0)} us a request, ${(r.requests / ((await produceRequests(s.port)) - produced0)).toFixed(1)} requests a produce request` : '';
        const split = `user ${(((us1.user - us0.user) * 1000) / r.requests).toFixed(0)} + sys ${(((us1.system - us0.system) * 1000) / r.requests).toFixed(0)}`;
        console.log(
          `round ${round + 1} ${name.padEnd(7)} ${loader.padEnd(4)} (load ${load}): ${String(Math.round(r.perS)).padStart(6)}/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms | server ${cpuUs.toFixed(0)} us a request (${split}) | loader ${r.loaderUs.toFixed(0)} us a request ${kafkaText} | ${r.requests} requests${r.notAccepted ? `, ${r.notAccepted} NOT ACCEPTED` : ''}`,
        );
      }
    }
  }
} finally {
  for (const s of servers.values()) await stopProcess(s.child);
  if (kafka) await deleteTopicsWithPrefix(kafka, prefix);
}
process.exit(0);
