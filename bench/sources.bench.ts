/**
 * `npm run bench:sources`: the live sources' costs, against local protocol servers run in child
 * processes (their CPU is not counted), writing to the real Kafka (random topic prefix).
 *
 * Bluesky Jetstream connector, on a recorded stream of every collection (likes, follows, reposts,
 * blocks, profiles, posts, identity and account events; 22 % posts, 5 % of them about a catalog
 * service):
 *  - events per second filtered, wall clock and per CPU second of the process (one core: Node runs
 *    the connector on one thread), over `--seconds` (default 30; `--minutes 10` for the long run);
 *  - memory: heap and RSS sampled every second; the slope of the heap over the second half of the
 *    run (MB per minute) says whether it stays flat;
 *  - its natural peer in the same run: a bare `ws` client that only JSON.parses each frame, over
 *    the same stream; the ratio says what filtering, the text understanding and Kafka cost on top.
 *
 * Probes: 100 services with two domains each, a round every 30 s (jitter 0.2, 8 at a time), DNS
 * and HTTPS against a local DNS server and a local HTTPS endpoint; CPU of the process over
 * `--probe-rounds` rounds (default 2) as a share of one core. Peer: the same 400 probes done with
 * node's dns and https modules and nothing else, per probe.
 *
 * Each figure is the median of `--runs` runs (default 3), every run measuring its peer right
 * before it: Jetstream runs each get fresh topics (a run does not resume from the last one's
 * cursor), probe runs a fresh scheduler. The ratios are the medians of each run's ratio. The 1-minute
 * load average is sampled at the start and end of every run and its median written beside the
 * figures (load_avg_1m_median): the machine is shared and the figures are noisy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import https from 'node:https';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createKafka, createLogger, createMetricsRegistry, deleteTopicsWithPrefix, ensureTopics, loadConfig, repoRoot, topicNames } from '@downradar/common';
import { median, writeResult } from '@downradar/common/bench-results';
import { sourcesConfigSpec } from '../services/sources/src/config';
import { SourceWriter } from '../services/sources/src/kafka/source-writer';
import { createSourceMetrics } from '../services/sources/src/metrics';
import { ProbeScheduler } from '../services/sources/src/probes/probe.scheduler';
import { createSources } from '../services/sources/src/sources';
import type { JetstreamConnector } from '../services/sources/src/bluesky/jetstream.connector';

const { values: args } = parseArgs({ options: { seconds: { type: 'string' }, minutes: { type: 'string' }, 'probe-rounds': { type: 'string' }, 'skip-probes': { type: 'boolean' }, runs: { type: 'string' } } });
const seconds = args.minutes ? Number(args.minutes) * 60 : Number(args.seconds ?? 30);
const probeRounds = Number(args['probe-rounds'] ?? 2);
const runs = Number(args.runs ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a whole number of runs, at least 1 (3 or more for a median)');
const brokers = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = `bench-sources-${Date.now().toString(36)}`;
const kafka = createKafka({ brokers, clientId: 'bench-sources' });
const children: ChildProcess[] = [];
type Figures = Record<string, number>;
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0]!);
const r1 = (x: number) => Math.round(x * 10) / 10;

function child(script: string, argv: string[] = []): Promise<Record<string, unknown>> {
  const c = spawn(process.execPath, ['--import', 'tsx', `${repoRoot}/bench/lib/${script}`, ...argv], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    c.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Peer: a bare ws client that parses every frame, for `forSeconds`. */
async function peer(url: string, forSeconds: number): Promise<{ perSecond: number; perCpuSecond: number }> {
  return new Promise((resolve) => {
    let frames = 0;
    let t0 = 0;
    let c0: NodeJS.CpuUsage;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => {
      t0 = performance.now();
      c0 = process.cpuUsage();
      setTimeout(() => {
        const wall = (performance.now() - t0) / 1000;
        const cpu = cpuSeconds(process.cpuUsage(c0));
        ws.terminate();
        resolve({ perSecond: frames / wall, perCpuSecond: frames / cpu });
      }, forSeconds * 1000);
    });
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as { time_us: number };
      if (f.time_us > 0) frames++;
    });
  });
}

async function benchJetstream(url: string, run: number): Promise<Figures> {
  sampleLoad();
  const p = await peer(url, Math.min(15, Math.max(5, seconds / 3)));
  const runPrefix = `${prefix}-r${run}`;
  await ensureTopics(kafka, { prefix: runPrefix, partitions: 2 });
  const config = loadConfig(sourcesConfigSpec, {
    DOWNRADAR_KAFKA_BROKERS: brokers.join(','),
    DOWNRADAR_TOPIC_PREFIX: runPrefix,
    DOWNRADAR_KAFKA_PARTITIONS: '2',
    DOWNRADAR_SOURCES: 'bluesky',
    DOWNRADAR_SOURCES_PORT: '0',
    DOWNRADAR_JETSTREAM_ENDPOINTS: url,
    DOWNRADAR_REPORTER_SALT: 'bench',
  });
  const sources = createSources(config, { logger: createLogger('bench', 'warn'), registry: createMetricsRegistry('bench', false) });
  await sources.start();
  const connector = sources.connectors.bluesky as JetstreamConnector;
  const samples: { t: number; heap: number; rss: number; frames: number }[] = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const startFrames = connector.stats.framesRead;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // With --expose-gc (the npm script passes it) each sample follows a full collection: the
      // heap then holds only live data, and growth means a leak, not garbage not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      samples.push({ t: (performance.now() - t0) / 1000, heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20, frames: connector.stats.framesRead });
      if (performance.now() - t0 >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(c0));
  const frames = connector.stats.framesRead - startFrames;
  await sources.stop();
  const posts = connector.stats.postsProduced;
  // The heap saws up and down with every GC; what must stay flat is its floor (the live data after
  // a collection): the smallest heap of each quarter of the run (after a forced GC when exposed).
  const quarter = (k: number) => samples.slice(Math.floor((k * samples.length) / 4), Math.floor(((k + 1) * samples.length) / 4));
  const floor = (xs: typeof samples, f: (s: (typeof samples)[number]) => number) => Math.min(...xs.map(f));
  const q2 = quarter(1);
  const q4 = quarter(3);
  const minutes = Math.max(1e-9, (q4[0]!.t - q2[0]!.t) / 60);
  sampleLoad();
  return {
    jetstream_run_s: r1(wall),
    jetstream_samples_after_full_gc: (globalThis as { gc?: unknown }).gc ? 1 : 0,
    jetstream_events_per_s: Math.round(frames / wall),
    jetstream_events_per_cpu_s: Math.round(frames / cpu),
    jetstream_cpu_share_of_one_core: Math.round((cpu / wall) * 100) / 100,
    jetstream_posts_produced: posts,
    jetstream_peer_parse_only_events_per_s: Math.round(p.perSecond),
    jetstream_peer_parse_only_events_per_cpu_s: Math.round(p.perCpuSecond),
    jetstream_ratio_to_peer_per_cpu_s: Math.round((frames / cpu / p.perCpuSecond) * 100) / 100,
    jetstream_heap_floor_mb_second_quarter: r1(floor(q2, (x) => x.heap)),
    jetstream_heap_floor_mb_last_quarter: r1(floor(q4, (x) => x.heap)),
    jetstream_rss_floor_mb_second_quarter: r1(floor(q2, (x) => x.rss)),
    jetstream_rss_floor_mb_last_quarter: r1(floor(q4, (x) => x.rss)),
    jetstream_heap_floor_growth_mb_per_min: Math.round(((floor(q4, (x) => x.heap) - floor(q2, (x) => x.heap)) / minutes) * 100) / 100,
  };
}

const PROBED_SERVICES = 100;

async function benchProbes(srv: { dns: string; httpsPort: number; ca: string }): Promise<Figures> {
  sampleLoad();
  const count = PROBED_SERVICES;
  const targets = Array.from({ length: count }, (_, i) => ({ serviceId: `svc${i}`, domains: [`svc${i}-a.test`, `svc${i}-b.test`] }));
  // Peer: the same probes with node's dns and https and nothing else.
  const resolver = new Resolver({ timeout: 5000, tries: 1 });
  resolver.setServers([srv.dns]);
  const agent = new https.Agent({ keepAlive: false, ca: srv.ca });
  const c0 = process.cpuUsage();
  const domains = targets.flatMap((t) => t.domains);
  for (let i = 0; i < domains.length; i += 8) {
    await Promise.all(
      domains.slice(i, i + 8).map(async (d) => {
        const [address] = await resolver.resolve4(d);
        await new Promise<void>((resolve) => {
          const req = https.get({ host: address, port: srv.httpsPort, servername: d, path: '/', headers: { host: d }, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', () => resolve());
        });
      }),
    );
  }
  const peerCpuMsPerDomain = (cpuSeconds(process.cpuUsage(c0)) * 1000) / domains.length;
  const intervalMs = 30_000;
  const scheduler = new ProbeScheduler(
    { targets, intervalMs, jitter: 0.2, concurrency: 8, timeoutMs: 5000, resolvers: [srv.dns], httpsPort: srv.httpsPort, vantage: 'bench', vantageFailShare: 0.5, ca: srv.ca },
    { writer: new SourceWriter(kafka, topicNames(prefix), 'probes', createLogger('bench', 'warn')), logger: createLogger('bench', 'warn'), metrics: createSourceMetrics(createMetricsRegistry('bench-p', false)) },
  );
  await scheduler.start();
  // The first round warms up (connections to Kafka, the transactional producer, JIT); the steady
  // state is measured over the next `probeRounds` whole intervals.
  while (scheduler.stats.rounds < 1) await new Promise((r) => setTimeout(r, 100));
  const warm = { ...scheduler.stats };
  const t0 = performance.now();
  const c1 = process.cpuUsage();
  while (scheduler.stats.rounds < 1 + probeRounds) await new Promise((r) => setTimeout(r, 200));
  const elapsed = performance.now() - t0;
  await new Promise((r) => setTimeout(r, Math.max(0, probeRounds * intervalMs - elapsed)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(c1));
  await scheduler.stop();
  const probesRun = scheduler.stats.probes - warm.probes;
  sampleLoad();
  return {
    probes_services: count,
    probes_interval_s: intervalMs / 1000,
    probes_rounds_measured: scheduler.stats.rounds - warm.rounds,
    probes_run: probesRun,
    probes_failed: scheduler.stats.failed - warm.failed,
    probes_round_duration_ms: Math.round(scheduler.stats.lastRoundMs),
    probes_cpu_share_of_one_core_pct: Math.round((cpu / wall) * 1000) / 10,
    probes_cpu_ms_per_domain: Math.round(((cpu * 1000) / (probesRun / 2)) * 100) / 100,
    probes_peer_bare_cpu_ms_per_domain: Math.round(peerCpuMsPerDomain * 100) / 100,
    probes_ratio_to_peer: Math.round(((cpu * 1000) / (probesRun / 2) / peerCpuMsPerDomain) * 100) / 100,
  };
}

/** The median of each figure over the runs (every run has the same figures). */
function medians(all: Figures[]): Figures {
  const out: Figures = {};
  for (const k of Object.keys(all[0] ?? {})) out[k] = Math.round(median(all.map((f) => f[k]!)) * 100) / 100;
  return out;
}

try {
  console.log(
    `sources bench: ${runs} runs of Jetstream for ${seconds} s${args['skip-probes'] ? '' : ` and of probes for ${probeRounds} rounds of 30 s`}, medians (shared machine: figures are noisy; load average ${loadavg()[0]!.toFixed(1)})`,
  );
  const { port } = (await child('jetstream-feed-server.ts')) as { port: number };
  const jet: Figures[] = [];
  for (let r = 0; r < runs; r++) {
    jet.push(await benchJetstream(`ws://127.0.0.1:${port}/subscribe`, r));
    console.log(`  jetstream run ${r + 1}/${runs}: ${jet[r]!.jetstream_events_per_s} events/s, ${jet[r]!.jetstream_events_per_cpu_s} per CPU s, ratio to peer ${jet[r]!.jetstream_ratio_to_peer_per_cpu_s} (load ${loadavg()[0]!.toFixed(1)})`);
  }
  const probe: Figures[] = [];
  if (!args['skip-probes']) {
    const srv = (await child('probe-servers-child.ts', [String(PROBED_SERVICES)])) as { dns: string; httpsPort: number; ca: string };
    await ensureTopics(kafka, { prefix, partitions: 2 });
    for (let r = 0; r < runs; r++) {
      probe.push(await benchProbes(srv));
      console.log(`  probes run ${r + 1}/${runs}: ${probe[r]!.probes_cpu_share_of_one_core_pct} % of one core, ratio to peer ${probe[r]!.probes_ratio_to_peer} (load ${loadavg()[0]!.toFixed(1)})`);
    }
  }
  writeResult(args.minutes ? 'sources-10min' : 'sources', { runs, load_avg_1m_median: Math.round(median(loads) * 10) / 10, load_avg_1m_max: Math.round(Math.max(...loads) * 10) / 10, ...medians(jet), ...medians(probe) });
} finally {
  for (const c of children) c.kill('SIGTERM');
  for (const p of [prefix, ...Array.from({ length: runs }, (_, r) => `${prefix}-r${r}`)]) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
}
process.exit(0);
