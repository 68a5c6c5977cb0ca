/**
 * `npm run bench:sink`: how fast the sink moves reports from Kafka into ClickHouse, against a raw
 * `clickhouse-client` INSERT of the same rows in the same run.
 *
 * Per run (median of DOWNRADAR_BENCH_RUNS, default 3):
 *  1. a fresh topic prefix and two fresh databases, migrated (so both sides pay for the same
 *     materialized views into the rollups);
 *  2. N reports (DOWNRADAR_BENCH_SINK_REPORTS, default 500,000) produced to <prefix>.reports;
 *  3. the sink started on them as its own process (services/sink/src/main.ts, as in production,
 *     with DOWNRADAR_SINK_PROCESSES from DOWNRADAR_BENCH_SINK_PROCESSES when set); the clock runs
 *     from the moment its HTTP server answers (/metrics: modules and decoding threads loaded,
 *     before it joins the consumer group; its /healthz answers only once its members have joined,
 *     and the first may be consuming by then) until
 *     uniqExact(id) over the table equals N  ->  sink_rows_per_s (group join included), and from
 *     the first row seen in ClickHouse  ->  sink_steady_rows_per_s. With several processes the
 *     clock (and the CPU meter) run from the spawn instead, start-up included: their /healthz
 *     answers only once every worker is healthy, when the first may already have stored the rows;
 *  4. `clickhouse-client --query "INSERT INTO reports FORMAT JSONEachRow" < rows.json` of the same
 *     rows into the other database, timed around the spawned process  ->  raw_insert_rows_per_s.
 * sink_to_raw_ratio = sink_rows_per_s / raw_insert_rows_per_s (target >= 0.6, issue 17).
 * sink_cpu_us_per_row / raw_cpu_us_per_row: CPU time per row of each side (the sink's processes,
 * the broker and ClickHouse while it ran / clickhouse-client and ClickHouse), and
 * sink_cpu_to_raw_ratio = raw / sink: the same comparison in the currency a shared machine bends
 * least (bench/lib/cpu.ts says why).
 * sink_peak_rss_mb: the largest VmHWM of the sink's processes; load_avg_1m: the machine's load.
 *
 * `npm run bench:sink -- --cluster`: the sink on the single-node stack and on the cluster (npm run
 * stack:up -- --cluster: topics with replication 3, Replicated tables ON CLUSTER, inserts with
 * insert_quorum 2), runs interleaved, same reports, and the ratio cluster / single node
 * -> bench/results/sink-cluster.json (no raw peer and no CPU figures in that mode: the CPU meter
 * reads the single-node servers).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  createClickHouse,
  createKafka,
  createProducer,
  deleteTopicsWithPrefix,
  ensureTopics,
  migrate,
  queryRows,
  repoRoot,
  servicesAccountFromEnv,
  topicNames,
  type ClickHouseClient,
  type OutMessage,
} from '@downradar/common';
import { clusterEnv } from '../tools/run/src/cluster-env';
import { reportRow } from '../services/sink/src/rows';
import { clickhouseClientInsert, loadAverage, ratio } from './lib/peers';
import { processTreeMemory, startServiceProcess, stopProcess } from './lib/processes';
import { processCpuS, serverCpuMeter, treeCpuS } from './lib/cpu';
import { printTimeline, type TimelineSample } from './lib/sink-timeline';
import { parseTrace, summarizeTrace } from './lib/sink-trace';
import { readFileSync } from 'node:fs';
import type { ReportEvent } from '../schemas/events/index';
import { generateReports } from './lib/reports';
import { median, writeResult } from '@downradar/common/bench-results';

const N = Number(process.env.DOWNRADAR_BENCH_SINK_REPORTS ?? 500_000);
const RUNS = Number(process.env.DOWNRADAR_BENCH_RUNS ?? 3);
const PARTITIONS = Number(process.env.DOWNRADAR_BENCH_PARTITIONS ?? 6);
const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PORT = Number(process.env.DOWNRADAR_BENCH_SINK_PORT ?? process.env.DOWNRADAR_SINK_PORT ?? 18_082);
const PROCESSES = process.env.DOWNRADAR_BENCH_SINK_PROCESSES;
/** DOWNRADAR_BENCH_SINK_TIMELINE=1: print where each run's wall time went (rows stored and the cores of the sink, the broker and ClickHouse, a line per interval). */
const TIMELINE = process.env.DOWNRADAR_BENCH_SINK_TIMELINE === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------

function steadyText(steadyMs: number): string {
  return Number.isFinite(steadyMs) ? `${Math.round(N / (steadyMs / 1000))} rows/s after the first batch` : 'no steady figure with several processes';
}

async function countDistinct(ch: ClickHouseClient, db: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(ch, `SELECT uniqExact(id) AS n FROM ${db}.reports`);
  return Number(row?.n ?? 0);
}

async function waitForRows(ch: ClickHouseClient, db: string, n: number, timeoutMs: number, onPoll: (count: number) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.reports`);
    onPoll(Number(row?.n ?? 0));
    if (Number(row?.n ?? 0) >= n && (await countDistinct(ch, db)) >= n) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} rows in ${db}.reports`);
    await sleep(50);
  }
}

interface RunResult {
  sinkMs: number;
  steadyMs: number;
  rawMs: number;
  sinkCpuS: number;
  /** The sink's processes alone (sinkCpuS without the broker and ClickHouse). */
  sinkOwnCpuS: number;
  rawCpuS: number;
  peakRssMb: number;
  load: number;
}

/** Where a run goes: the single-node stack (the environment) or the cluster (its env file). */
interface Target {
  name: string;
  ch: ClickHouseClient;
  brokers: string[];
  /** Given to the sink process over the environment's (the cluster's brokers, replicas, quorum). */
  env: Record<string, string>;
  cluster?: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  raw: boolean;
}

async function runOnce(run: number, rowsFile: string, t: Target): Promise<RunResult> {
  const { ch } = t;
  const suffix = randomBytes(4).toString('hex');
  const prefix = `bench-sink-${suffix}`;
  const sinkDb = `bench_sink_${suffix}`;
  const rawDb = `bench_raw_${suffix}`;
  const kafka = createKafka({ brokers: t.brokers, clientId: 'bench-sink' });
  const dir = `${repoRoot}/schemas/clickhouse`;
  const onCluster = t.cluster ? ` ON CLUSTER ${t.cluster}` : '';
  try {
    await migrate(ch, { dir, database: sinkDb, ...(t.cluster ? { cluster: t.cluster } : {}) });
    if (t.raw) await migrate(ch, { dir, database: rawDb });
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: t.replicationFactor, minInsyncReplicas: t.minInsyncReplicas });

    // Produce everything first: the figure is about the sink, not about the producer. The
    // reports are made again for every run (same seed, same rows) and dropped before the sink
    // starts, so the sink does not run in a heap holding half a million bench objects.
    let reports: ReportEvent[] | null = generateReports(N);
    const topic = topicNames(prefix).reports;
    const producer = createProducer({ kafka, maxBatchMessages: 5_000 });
    await producer.connect();
    const t0 = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < reports.length; i += 5_000)
      sends.push(producer.send(reports.slice(i, i + 5_000).map((r): OutMessage => ({ topic, key: r.serviceId, value: JSON.stringify(r) }))));
    await Promise.all(sends);
    await producer.close();
    console.log(`run ${run} ${t.name}: produced ${reports.length} reports in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    reports = null;
    sends.length = 0;

    const load = loadAverage();
    let sink: ChildProcess | undefined;
    let firstRowAt = 0;
    let peakRssMb = 0;
    let inserts = NaN;
    let rowsPerInsert = NaN;
    let started = performance.now();
    let done = NaN;
    let sinkCpuS = NaN;
    /** sinkCpuS in its three parts: the sink's processes, the broker, ClickHouse. */
    let parts = { sink: NaN, kafka: NaN, clickhouse: NaN };
    // With several processes /healthz answers only once every worker is healthy, and the first
    // worker may have stored every row by then (a clock from /healthz read 0.05 s for 200,000
    // rows): the clock and the CPU meter then run from the spawn, start-up included.
    // DOWNRADAR_BENCH_SINK_CLOCK=spawn: the same with one process, to compare one and two
    // processes on one clock (and a sink so quick that it stores rows before its /healthz answers:
    // its first group member consumes while the second joins).
    const fromSpawn = Number(PROCESSES ?? 1) > 1 || process.env.DOWNRADAR_BENCH_SINK_CLOCK === 'spawn';
    const spawnedAt = performance.now();
    const serversFromSpawn = fromSpawn ? serverCpuMeter() : null;
    try {
      sink = await startServiceProcess(
        'sink',
        {
          ...t.env,
          DOWNRADAR_TOPIC_PREFIX: prefix,
          DOWNRADAR_CLICKHOUSE_DATABASE: sinkDb,
          DOWNRADAR_SINK_PORT: String(PORT),
          DOWNRADAR_SINK_GROUP_ID: `bench-sink-${suffix}`,
          DOWNRADAR_SINK_MIGRATE: 'false',
          DOWNRADAR_LOG_LEVEL: process.env.DOWNRADAR_LOG_LEVEL ?? (TIMELINE ? 'info' : 'warn'),
          ...(TIMELINE ? { DOWNRADAR_SINK_TRACE: 'true' } : {}),
          ...(PROCESSES ? { DOWNRADAR_SINK_PROCESSES: PROCESSES } : {}),
        },
        // One process: /metrics answers once start() serves HTTP, before it joins the group and
        // fetches (up to session 11 the clock started at /healthz, which answers once both group
        // members have joined: the first could have fetched, mapped and begun an insert by then).
        `http://127.0.0.1:${PORT}/${fromSpawn ? 'healthz' : 'metrics'}`,
      );
      // So no row can be stored yet; the check keeps that premise honest.
      started = fromSpawn ? spawnedAt : performance.now();
      const pid = sink.pid!;
      const sinkCpu0 = fromSpawn ? 0 : treeCpuS(pid);
      const servers = serversFromSpawn ?? serverCpuMeter();
      if (!fromSpawn) {
        const early = await countDistinct(ch, sinkDb);
        if (early > 0) throw new Error(`the sink stored ${early} rows before its HTTP server answered: the clock would start late; run again`);
      }
      const timeline: TimelineSample[] = [];
      const ownCpu0 = processCpuS(pid);
      await waitForRows(ch, sinkDb, N, 600_000, (n) => {
        if (!firstRowAt && n > 0) firstRowAt = performance.now();
        if (TIMELINE) {
          const s = servers.read();
          timeline.push({ ms: performance.now() - started, rows: n, sinkS: processCpuS(pid) - ownCpu0, kafkaS: s.kafkaS, clickhouseS: s.clickhouseS });
        }
        peakRssMb = Math.max(peakRssMb, ...processTreeMemory(pid).map((m) => m.peakRssMb));
      });
      done = performance.now();
      if (TIMELINE) printTimeline(`run ${run} ${t.name}`, timeline);
      const s = servers.read();
      parts = { sink: treeCpuS(pid) - sinkCpu0, kafka: s.kafkaS, clickhouse: s.clickhouseS };
      sinkCpuS = parts.sink + parts.kafka + parts.clickhouse;
      const metrics = await fetch(`http://127.0.0.1:${PORT}/metrics`).then((r) => r.text());
      const value = (name: string) => Number(metrics.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
      inserts = value('sink_insert_rows_count');
      rowsPerInsert = value('sink_insert_rows_sum') / inserts;
    } finally {
      if (sink) await stopProcess(sink);
    }
    if (TIMELINE) {
      const epoch = (t: number) => performance.timeOrigin + t;
      await sleep(200); // the log's write stream
      console.log(`run ${run} ${t.name}: the sink's trace\n  ${summarizeTrace(parseTrace(readFileSync(`${repoRoot}/.data/logs/bench-sink.log`, 'utf8')), epoch(started), epoch(done))}`);
    }
    // The first rows are noticed once acknowledged: count their own insert from the spawn at worst.
    const sinkMs = done - started;
    // Several processes: the first rows may be in before the first look, so no steady figure.
    const steadyMs = fromSpawn ? NaN : done - (firstRowAt || started);

    if (!t.raw) {
      console.log(
        `run ${run} ${t.name}: sink ${(sinkMs / 1000).toFixed(2)} s (${Math.round(N / (sinkMs / 1000))} rows/s, ` +
          `${steadyText(steadyMs)}); ${inserts} inserts of ${Math.round(rowsPerInsert)} rows on average; load ${load}`,
      );
      return { sinkMs, steadyMs, rawMs: NaN, sinkCpuS, sinkOwnCpuS: parts.sink, rawCpuS: NaN, peakRssMb, load };
    }
    const rawServers = serverCpuMeter();
    const raw = await clickhouseClientInsert({ database: rawDb, table: 'reports', file: rowsFile, format: 'JSONEachRow', rows: N });
    const rawMs = raw.ms;
    const rawCpuS = raw.cpuS + rawServers.read().clickhouseS;
    const rawCount = await countDistinct(ch, rawDb);
    if (rawCount !== N) throw new Error(`raw insert stored ${rawCount} of ${N}`);
    console.log(
      `run ${run} ${t.name}: sink ${(sinkMs / 1000).toFixed(2)} s${fromSpawn ? ' from the spawn' : ''} (${Math.round(N / (sinkMs / 1000))} rows/s, ` +
        `${steadyText(steadyMs)}), ` +
        `raw clickhouse-client ${(rawMs / 1000).toFixed(2)} s (${Math.round(N / (rawMs / 1000))} rows/s); ratio ${ratio(rawMs, sinkMs)}; ` +
        `${inserts} inserts of ${Math.round(rowsPerInsert)} rows on average; CPU per row: sink ${((sinkCpuS * 1e6) / N).toFixed(1)} us ` +
        `(its processes ${((parts.sink * 1e6) / N).toFixed(1)}, the broker ${((parts.kafka * 1e6) / N).toFixed(1)}, ClickHouse ${((parts.clickhouse * 1e6) / N).toFixed(1)}), raw ${((rawCpuS * 1e6) / N).toFixed(1)} us (clickhouse-client and ClickHouse); sink peak RSS ${peakRssMb} MB; load ${load}`,
    );
    return { sinkMs, steadyMs, rawMs, sinkCpuS, sinkOwnCpuS: parts.sink, rawCpuS, peakRssMb, load };
  } finally {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${sinkDb}${onCluster}` }).catch(() => undefined);
    if (t.raw) await ch.command({ query: `DROP DATABASE IF EXISTS ${rawDb}` }).catch(() => undefined);
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const ch = createClickHouse({ url: CLICKHOUSE_URL, requestTimeoutMs: 300_000 });
  const single: Target = { name: 'single node', ch, brokers: BROKERS, env: {}, replicationFactor: 1, minInsyncReplicas: 1, raw: true };
  const tmp = mkdtempSync(join(tmpdir(), 'downradar-bench-sink-'));
  const perS = (ms: number) => Math.round(N / (ms / 1000));
  try {
    const rowsFile = join(tmp, 'reports.json');
    writeFileSync(rowsFile, generateReports(N).map((r) => JSON.stringify(reportRow(r))).join('\n') + '\n');
    console.log(`bench sink: ${N} reports, ${RUNS} runs, ${PARTITIONS} partitions`);
    if (process.argv.includes('--cluster')) {
      const cenv = clusterEnv();
      // As the services' account of the cluster (cluster.env names its password file).
      const cch = createClickHouse({ url: cenv.DOWNRADAR_CLICKHOUSE_URL!, ...servicesAccountFromEnv({ ...process.env, ...cenv }), requestTimeoutMs: 300_000 });
      const cluster: Target = {
        name: 'cluster',
        ch: cch,
        brokers: cenv.DOWNRADAR_KAFKA_BROKERS!.split(','),
        env: cenv,
        cluster: cenv.DOWNRADAR_CLICKHOUSE_CLUSTER!,
        replicationFactor: Number(cenv.DOWNRADAR_KAFKA_REPLICATION_FACTOR ?? 3),
        minInsyncReplicas: Number(cenv.DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS ?? 2),
        raw: false,
      };
      const one: RunResult[] = [];
      const many: RunResult[] = [];
      try {
        for (let run = 1; run <= RUNS; run++) {
          one.push(await runOnce(run, rowsFile, { ...single, raw: false }));
          many.push(await runOnce(run, rowsFile, cluster));
        }
      } finally {
        await cch.close();
      }
      const [s1, s2] = [median(one.map((r) => perS(r.sinkMs))), median(many.map((r) => perS(r.sinkMs)))];
      const [t1, t2] = [median(one.map((r) => perS(r.steadyMs))), median(many.map((r) => perS(r.steadyMs)))];
      writeResult('sink-cluster', {
        single_node_sink_rows_per_s: s1,
        cluster_sink_rows_per_s: s2,
        cluster_to_single_node_ratio: Math.round((s2 / s1) * 1000) / 1000,
        // Left out with several processes (no steady figure, see runOnce).
        ...(Number.isFinite(t1) && Number.isFinite(t2)
          ? { single_node_sink_steady_rows_per_s: t1, cluster_sink_steady_rows_per_s: t2, cluster_to_single_node_steady_ratio: Math.round((t2 / t1) * 1000) / 1000 }
          : {}),
        load_avg_1m: median([...one, ...many].map((r) => r.load)),
        reports: N,
        runs: RUNS,
      });
      return;
    }
    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) results.push(await runOnce(run, rowsFile, single));
    const sink = median(results.map((r) => perS(r.sinkMs)));
    const steady = median(results.map((r) => perS(r.steadyMs)));
    const raw = median(results.map((r) => perS(r.rawMs)));
    writeResult('sink', {
      sink_rows_per_s: sink,
      // Left out with several processes (no steady figure, see runOnce).
      ...(Number.isFinite(steady) ? { sink_steady_rows_per_s: steady, sink_steady_to_raw_ratio: Math.round((steady / raw) * 1000) / 1000 } : {}),
      raw_insert_rows_per_s: raw,
      sink_to_raw_ratio: Math.round((sink / raw) * 1000) / 1000,
      sink_cpu_us_per_row: Number(median(results.map((r) => (r.sinkCpuS * 1e6) / N)).toFixed(2)),
      sink_process_cpu_us_per_row: Number(median(results.map((r) => (r.sinkOwnCpuS * 1e6) / N)).toFixed(2)),
      raw_cpu_us_per_row: Number(median(results.map((r) => (r.rawCpuS * 1e6) / N)).toFixed(2)),
      sink_cpu_to_raw_ratio: Number(median(results.map((r) => r.rawCpuS / r.sinkCpuS)).toFixed(3)),
      sink_peak_rss_mb: Math.max(...results.map((r) => r.peakRssMb)),
      load_avg_1m: median(results.map((r) => r.load)),
      reports: N,
      runs: RUNS,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await ch.close();
  }
}

await main();
