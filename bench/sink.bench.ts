/**
 * `npm run bench:sink`: how fast the sink moves reports from Kafka into ClickHouse, against a raw
 * `clickhouse-client` INSERT of the same rows in the same run.
 *
 * Per run (median of DOWNRADAR_BENCH_RUNS, default 3):
 *  1. a fresh topic prefix and two fresh databases, migrated (so both sides pay for the same
 *     materialized view into report_volume_1m);
 *  2. N reports (DOWNRADAR_BENCH_SINK_REPORTS, default 500,000) produced to <prefix>.reports;
 *  3. the sink started on them; the clock runs from start() until uniqExact(id) over the table
 *     equals N  ->  sink_rows_per_s (start-up and consumer-group join included), and from the
 *     first batch the sink received  ->  sink_steady_rows_per_s;
 *  4. `clickhouse-client --query "INSERT INTO reports FORMAT JSONEachRow" < rows.json` of the same
 *     rows into the other database, timed around the spawned process  ->  raw_insert_rows_per_s.
 * sink_to_raw_ratio = sink_rows_per_s / raw_insert_rows_per_s (target >= 0.6, issue 6).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  deleteTopicsWithPrefix,
  ensureTopics,
  loadConfig,
  migrate,
  queryRows,
  repoRoot,
  topicNames,
  type ClickHouseClient,
  type OutMessage,
} from '@downradar/common';
import { buildSink } from '../services/sink/src/app';
import { sinkConfigSpec } from '../services/sink/src/config';
import { reportRow } from '../services/sink/src/rows';
import { PROBLEM_CATEGORIES, type ReportEvent } from '../schemas/events/index';
import { median, writeResult } from '@downradar/common/bench-results';
import { clickhouseDir } from '@downradar/common/testing';

const N = Number(process.env.DOWNRADAR_BENCH_SINK_REPORTS ?? 500_000);
const RUNS = Number(process.env.DOWNRADAR_BENCH_RUNS ?? 3);
const PARTITIONS = Number(process.env.DOWNRADAR_BENCH_PARTITIONS ?? 6);
const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Realistic reports: the 2021-10-04 afternoon, Meta's apps dominating, a long tail of others.

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function weighted<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1]![0];
}
const SERVICES = [
  ['facebook', 30], ['whatsapp', 28], ['instagram', 20], ['messenger', 6], ['twitter', 4], ['telegram', 3], ['signal', 2],
  ['youtube', 1.5], ['gmail', 1], ['netflix', 1], ['tiktok', 1], ['snapchat', 1], ['discord', 0.5], ['verizon', 0.5], ['att', 0.5],
] as const;
const PROBLEMS = [['login', 20], ['app', 30], ['server_connection', 25], ['messaging', 15], ['website', 7], ['other', 3]] as const;
const COUNTRIES = [['US', 30], ['BR', 12], ['IN', 12], ['GB', 8], ['DE', 6], ['MX', 5], ['FR', 5], ['ID', 5], ['', 17]] as const;
const SOURCES = [['web', 80], ['api', 15], ['replay', 5]] as const;
const TEXTS = ['cannot log in', 'app keeps crashing', 'messages not sending', 'feed does not load', 'is it down?', 'server connection error'];

/** A 64-hex-digit "salted hash" from the generator, so every run makes the same rows. */
function hex64(rand: () => number): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += Math.floor(rand() * 4294967296).toString(16).padStart(8, '0');
  return out;
}

export function generateReports(n: number, seed = 20211004): ReportEvent[] {
  const rand = prng(seed);
  const start = Date.UTC(2021, 9, 4, 15, 40);
  const spanMs = 7 * 3600_000;
  const out: ReportEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // Most reports come in the first hour of the outage, then decay.
    const at = start + Math.floor(spanMs * Math.pow(rand(), 2.5));
    const report: ReportEvent = {
      id: `bench-${seed}-${i}`,
      serviceId: weighted(rand, SERVICES),
      problem: weighted(rand, PROBLEMS),
      at,
      receivedAt: at + Math.floor(rand() * 3000),
      reporterHash: hex64(rand),
      source: weighted(rand, SOURCES),
    };
    const country = weighted(rand, COUNTRIES);
    if (country) report.country = country;
    if (rand() < 0.2) report.text = TEXTS[Math.floor(rand() * TEXTS.length)]!;
    out[i] = report;
  }
  void PROBLEM_CATEGORIES;
  return out;
}

// ---------------------------------------------------------------------------------------------

async function countDistinct(ch: ClickHouseClient, db: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(ch, `SELECT uniqExact(id) AS n FROM ${db}.reports`);
  return Number(row?.n ?? 0);
}

async function waitForRows(ch: ClickHouseClient, db: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.reports`);
    if (Number(row?.n ?? 0) >= n && (await countDistinct(ch, db)) >= n) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} rows in ${db}.reports`);
    await sleep(50);
  }
}

function rawInsert(db: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // As the services' account, through the client config the stack writes (port and password in it).
    const child = spawn('clickhouse-client', ['--config-file', `${clickhouseDir()}/services-client.xml`, '--database', db, '--query', 'INSERT INTO reports FORMAT JSONEachRow'], {
      stdio: ['pipe', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createReadStream(file).pipe(child.stdin);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`clickhouse-client exited ${code}: ${stderr}`));
    });
  });
}

interface RunResult {
  sinkMs: number;
  steadyMs: number;
  rawMs: number;
}

async function runOnce(run: number, rowsFile: string, ch: ClickHouseClient): Promise<RunResult> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `bench-sink-${suffix}`;
  const sinkDb = `bench_sink_${suffix}`;
  const rawDb = `bench_raw_${suffix}`;
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-sink' });
  const dir = `${repoRoot}/schemas/clickhouse`;
  try {
    await migrate(ch, { dir, database: sinkDb });
    await migrate(ch, { dir, database: rawDb });
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS });

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
    console.log(`run ${run}: produced ${reports.length} reports in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    reports = null;
    sends.length = 0;

    const config = loadConfig(sinkConfigSpec, {
      ...process.env,
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_CLICKHOUSE_DATABASE: sinkDb,
      DOWNRADAR_SINK_PORT: '0',
      DOWNRADAR_SINK_GROUP_ID: `bench-sink-${suffix}`,
      DOWNRADAR_SINK_MIGRATE: 'false',
      DOWNRADAR_LOG_LEVEL: process.env.DOWNRADAR_LOG_LEVEL ?? 'warn',
    });
    const sink = buildSink(config, { logger: createLogger('sink-bench', config.logLevel) });
    let firstBatchAt = 0;
    const started = performance.now();
    await sink.start();
    const watchFirst = setInterval(() => {
      if (!firstBatchAt && sink.stats.batches > 0) firstBatchAt = performance.now();
    }, 5);
    try {
      await waitForRows(ch, sinkDb, N, 600_000);
    } finally {
      clearInterval(watchFirst);
      await sink.stop();
    }
    const done = performance.now();
    // The first batch is noticed once acknowledged: count its own duration from start() at worst.
    const sinkMs = done - started;
    const steadyMs = done - (firstBatchAt || started);

    const rawMs = await rawInsert(rawDb, rowsFile);
    const rawCount = await countDistinct(ch, rawDb);
    if (rawCount !== N) throw new Error(`raw insert stored ${rawCount} of ${N}`);
    console.log(
      `run ${run}: sink ${(sinkMs / 1000).toFixed(2)} s (${Math.round(N / (sinkMs / 1000))} rows/s, ` +
        `${Math.round(N / (steadyMs / 1000))} rows/s after the first batch), ` +
        `raw clickhouse-client ${(rawMs / 1000).toFixed(2)} s (${Math.round(N / (rawMs / 1000))} rows/s)`,
    );
    return { sinkMs, steadyMs, rawMs };
  } finally {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${sinkDb}` }).catch(() => undefined);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${rawDb}` }).catch(() => undefined);
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const ch = createClickHouse({ url: CLICKHOUSE_URL, requestTimeoutMs: 300_000 });
  const tmp = mkdtempSync(join(tmpdir(), 'downradar-bench-sink-'));
  try {
    const rowsFile = join(tmp, 'reports.json');
    writeFileSync(rowsFile, generateReports(N).map((r) => JSON.stringify(reportRow(r))).join('\n') + '\n');
    console.log(`bench sink: ${N} reports, ${RUNS} runs, ${PARTITIONS} partitions`);
    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) results.push(await runOnce(run, rowsFile, ch));
    const perS = (ms: number) => Math.round(N / (ms / 1000));
    const sink = median(results.map((r) => perS(r.sinkMs)));
    const steady = median(results.map((r) => perS(r.steadyMs)));
    const raw = median(results.map((r) => perS(r.rawMs)));
    writeResult('sink', {
      sink_rows_per_s: sink,
      sink_steady_rows_per_s: steady,
      raw_insert_rows_per_s: raw,
      sink_to_raw_ratio: Math.round((sink / raw) * 1000) / 1000,
      sink_steady_to_raw_ratio: Math.round((steady / raw) * 1000) / 1000,
      reports: N,
      runs: RUNS,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await ch.close();
  }
}

await main();
