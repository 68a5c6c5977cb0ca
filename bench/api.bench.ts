/**
 * `npm run bench:api`: the 24-hour volume curve through the API with 100 million reports stored.
 *
 * 1. Data: 100,000,000 reports generated server-side (INSERT ... SELECT FROM numbers()) into
 *    the database downradar_bench, with the project's migrations applied, so the 1-minute rollup
 *    is filled by its materialized view exactly as the sink fills it. Shape: 60 catalog services
 *    with Zipf-like volumes (the largest about 13 % of all reports), 30 days, a diurnal cycle
 *    (peak 17:00 UTC, trough 05:00) with quieter weekends, countries, problems and sources, and
 *    twelve outages (1 % of the reports) with a sharp onset and a decay over six hours. Reports
 *    are inserted hour by hour, in time order, as the sink would write them. Detector scores
 *    (one per service per minute) are generated too, so the curve query reads both tables.
 *    Generation is skipped when the table already holds the reports (bench_meta records it, and
 *    a run that was interrupted resumes at the first missing hour).
 *    Time: the materialized view's uniqExactState aggregation dominates (plain inserts into the
 *    raw table alone run about 2.5x faster). On the 2-CPU development machine it wrote about
 *    120,000 reports/s when the machine was otherwise quiet (about 14 minutes for 100 M), and
 *    took 2,234 s in total for the first 100 M while other suites ran (and restarted ClickHouse
 *    once: the generation resumed). On disk: 3.5 GB of reports, 1.8 GB of rollup.
 * 2. Server: the API (buildApp) in a child process on a loopback port, reading downradar_bench.
 * 3. Load: sequential GETs of /v1/services/<id>/curve for 24 hours (step 15) with random
 *    services and end times -> p50 / p95 per run; then concurrency 8 -> requests per second.
 *    Medians over the runs.
 *
 * Options (environment): BENCH_API_DATABASE (downradar_bench), BENCH_API_REPORTS (100000000),
 * BENCH_API_RUNS (5), BENCH_API_REQUESTS (200 per run), DOWNRADAR_CLICKHOUSE_URL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clickhouseError, createClickHouse, migrate, queryRows, repoRoot, sqlIdent, sqlSlug, type ClickHouseClient } from '@downradar/common';
import { loadCatalog } from '../schemas/catalog/index';
import { median, writeResult } from '@downradar/common/bench-results';

const DATABASE = sqlIdent(process.env.BENCH_API_DATABASE ?? 'downradar_bench');
const TARGET_REPORTS = Number(process.env.BENCH_API_REPORTS ?? 100_000_000);
const RUNS = Number(process.env.BENCH_API_RUNS ?? 5);
const REQUESTS_PER_RUN = Number(process.env.BENCH_API_REQUESTS ?? 200);
const CONCURRENCY = 8;
const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const SERVICE_COUNT = 60;
const DAYS = 30;
const HOUR = 3600;
const DAY = 86_400;
/** Share of the reports that belong to outages. */
const OUTAGE_SHARE = 0.01;
/** How an outage's reports spread over the hours after its onset. */
const OUTAGE_DECAY = [0.35, 0.25, 0.15, 0.12, 0.08, 0.05];
const OUTAGES = 12;
const cumulative = (k: number) => (k >= OUTAGE_DECAY.length ? 1 : OUTAGE_DECAY.slice(0, k).reduce((a, b) => a + b, 0));

// ------------------------------------------------------------------------------------------------
// Data shape

/** Relative report volume of an hour: diurnal sine peaking at 17:00 UTC, weekends at 90 %. */
export function hourWeight(epochS: number): number {
  const hourOfDay = Math.floor(epochS / HOUR) % 24;
  const weekday = new Date(epochS * 1000).getUTCDay();
  return (1 + 0.8 * Math.sin((2 * Math.PI * (hourOfDay - 11)) / 24)) * (weekday === 0 || weekday === 6 ? 0.9 : 1);
}

interface Outage {
  serviceIndex: number;
  onsetS: number;
  reports: number;
}

function outages(startS: number, total: number): Outage[] {
  // Shares 1/(k+1), normalised: the first (service 0, the largest) is the 2021-like one.
  const weights = Array.from({ length: OUTAGES }, (_, k) => 1 / (k + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, k) => ({
    serviceIndex: (k * 5) % SERVICE_COUNT,
    onsetS: startS + Math.round(k * 2.5 * DAY) + 15 * HOUR + 40 * 60,
    reports: Math.round((total * OUTAGE_SHARE * w) / sum),
  }));
}

interface HourChunk {
  hour: number;
  startS: number;
  offset: number;
  base: number;
  outageService: number;
  outageReports: number;
  outageFromS: number;
}

/** The plan: for each of the 720 hours, how many ordinary and outage reports, and their number range. */
export function planChunks(startS: number, total: number): HourChunk[] {
  const hours = DAYS * 24;
  const weights = Array.from({ length: hours }, (_, h) => hourWeight(startS + h * HOUR));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const outs = outages(startS, total);
  const baseTotal = total - outs.reduce((a, o) => a + o.reports, 0);
  const chunks: HourChunk[] = [];
  let offset = 0;
  let assigned = 0;
  for (let h = 0; h < hours; h++) {
    const hourStart = startS + h * HOUR;
    const base = h === hours - 1 ? baseTotal - assigned : Math.round((baseTotal * weights[h]!) / weightSum);
    assigned += base;
    let outageService = 0;
    let outageReports = 0;
    let outageFromS = hourStart;
    for (const o of outs) {
      const k = Math.floor((hourStart - Math.floor(o.onsetS / HOUR) * HOUR) / HOUR);
      if (k >= 0 && k < OUTAGE_DECAY.length) {
        outageService = o.serviceIndex;
        // Cumulative rounding: the hours of an outage add up to its reports exactly.
        outageReports = Math.round(o.reports * cumulative(k + 1)) - Math.round(o.reports * cumulative(k));
        outageFromS = k === 0 ? o.onsetS : hourStart;
      }
    }
    chunks.push({ hour: h, startS: hourStart, offset, base, outageService, outageReports, outageFromS });
    offset += base + outageReports;
  }
  return chunks;
}

/**
 * One hour of reports. Ordinary reports pick service s with probability sqrt((s+1)/60) - sqrt(s/60)
 * (s = floor(60 u^2)); outage reports go to the outage's service from its onset on.
 */
function hourInsertSql(services: readonly string[], c: HourChunk): string {
  const svc = `[${services.map(sqlSlug).join(', ')}]`;
  const n = services.length;
  const outageSpan = c.startS + HOUR - c.outageFromS;
  return `INSERT INTO ${DATABASE}.reports (id, service_id, at, at_ms, received_at, problem, source, country, reporter_hash, text)
SELECT id, service_id, toDateTime(t) AS at, toUInt64(t) * 1000 + (n % 1000) AS at_ms, toDateTime(t + 1) AS received_at,
  problem, source, country, reporter_hash, ''
FROM (
  SELECT number AS n,
    concat('b', toString(n)) AS id,
    (n - ${c.offset}) >= ${c.base} AS outage,
    (cityHash64(n, 1) % 1000000) / 1000000 AS u1,
    (cityHash64(n, 2) % 1000000) / 1000000 AS u2,
    if(outage, ${c.outageService}, toUInt32(floor(${n} * u1 * u1))) AS s,
    arrayElement(${svc}, s + 1) AS service_id,
    if(outage, ${c.outageFromS} + toUInt32(u2 * ${outageSpan}), ${c.startS} + toUInt32(u2 * ${HOUR})) AS t,
    arrayElement(['login', 'app', 'app', 'server_connection', 'server_connection', 'messaging', 'website', 'other'],
      1 + cityHash64(n, 3) % 8) AS problem,
    if(cityHash64(n, 4) % 10 < 8, 'web', 'api') AS source,
    arrayElement(['US', 'US', 'US', 'US', 'GB', 'GB', 'DE', 'FR', 'IN', 'IN', 'BR', 'ES', 'IT', 'CA', 'AU', 'MX', 'JP', 'NL', 'PL', ''],
      1 + cityHash64(n, 5) % 20) AS country,
    hex(intHash64(cityHash64(n, 6) % 20000000)) AS reporter_hash
  FROM numbers(${c.offset}, ${c.base + c.outageReports})
)`;
}

/** One detector window per service and minute: the diurnal baseline, and danger during the outages. */
function scoresInsertSql(services: readonly string[], startS: number, total: number, chunks: readonly HourChunk[]): string {
  const svc = `[${services.map(sqlSlug).join(', ')}]`;
  const n = services.length;
  const weightSum = chunks.reduce((a, c) => a + hourWeight(c.startS), 0);
  const perMinute = (total * (1 - OUTAGE_SHARE)) / weightSum / 60;
  const outageCond = outages(startS, total)
    .map((o) => `(s = ${o.serviceIndex} AND ws >= ${o.onsetS} AND ws < ${o.onsetS + 4 * HOUR})`)
    .join(' OR ');
  return `INSERT INTO ${DATABASE}.scores (service_id, window_start, window_end, window_start_ms, count, raw_count, expected, upper, score, level,
  evidence_problems, evidence_problem_counts, evidence_countries, evidence_country_counts, evidence_hashtags, evidence_hashtag_counts,
  sample_post_ids, computed_at, computed_at_ms)
SELECT service_id, toDateTime(ws), toDateTime(ws + 60), toUInt64(ws) * 1000, toUInt32(round(expected)), toUInt32(round(expected * 1.1)),
  expected, expected + 3 * sqrt(expected) + 2 AS upper, score, level,
  [], [], [], [], [], [], [], toDateTime(ws + 65), toUInt64(ws + 65) * 1000
FROM (
  SELECT number AS n, n % ${n} AS s, arrayElement(${svc}, s + 1) AS service_id,
    ${startS} + intDiv(n, ${n}) * 60 AS ws,
    toDayOfWeek(toDateTime(ws)) >= 6 AS weekend,
    ${perMinute} * (sqrt((s + 1) / ${n}) - sqrt(s / ${n})) * (1 + 0.8 * sin(2 * pi() * (toHour(toDateTime(ws)) - 11) / 24)) * if(weekend, 0.9, 1) AS expected,
    ${outageCond} AS outage,
    if(outage, 0.999, (cityHash64(n, 7) % 300) / 1000) AS score,
    if(outage, 'danger', 'ok') AS level
  FROM numbers(${n * DAYS * 24 * 60})
)`;
}

// ------------------------------------------------------------------------------------------------
// Generation (skipped when done)

interface Meta {
  start_s: number;
  reports: number;
  generate_s: number;
}

/**
 * Other test suites restart ClickHouse on this machine (the sink's outage test): wait for it
 * instead of losing a long generation. A retried hour may be inserted twice; the raw table and
 * the uniqExact rollup both collapse the duplicate ids.
 */
async function retrying<T>(what: string, fn: () => Promise<T>, attempts = 30): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = clickhouseError(err, what);
      if (!e.retriable || attempt >= attempts) throw e;
      console.log(`  ${what}: ${e.message.slice(0, 120)}; retry ${attempt} in 5 s`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

async function ensureData(ch: ClickHouseClient, services: readonly string[]): Promise<Meta> {
  await migrate(ch, { dir: `${repoRoot}/schemas/clickhouse`, database: DATABASE });
  await ch.command({
    query: `CREATE TABLE IF NOT EXISTS ${DATABASE}.bench_meta (start_s UInt32, reports UInt64, generate_s Float64, done_at DateTime)
      ENGINE = MergeTree() ORDER BY start_s`,
  });
  await ch.command({ query: `CREATE TABLE IF NOT EXISTS ${DATABASE}.bench_progress (start_s UInt32, hour UInt32) ENGINE = MergeTree() ORDER BY hour` });
  // One row per generation run: an interrupted generation's time adds up over its runs.
  await ch.command({
    query: `CREATE TABLE IF NOT EXISTS ${DATABASE}.bench_runs (start_s UInt32, hours UInt32, seconds Float64, at DateTime) ENGINE = MergeTree() ORDER BY at`,
  });
  const [done] = await queryRows<Meta>(ch, `SELECT start_s, reports, generate_s FROM ${DATABASE}.bench_meta WHERE reports = ${TARGET_REPORTS} LIMIT 1`);
  if (done) {
    console.log(`api bench: ${DATABASE} already holds ${done.reports} reports (generated in ${done.generate_s.toFixed(0)} s): skipping generation`);
    return done;
  }
  // Resume an interrupted generation with the same time axis; else start one: the 30 days before today.
  const [progress] = await queryRows<{ start_s: number; hours: number }>(
    ch,
    `SELECT any(start_s) AS start_s, count() AS hours FROM ${DATABASE}.bench_progress`,
  );
  const startS = progress && progress.hours > 0 ? progress.start_s : Math.floor(Date.now() / 1000 / DAY) * DAY - DAYS * DAY;
  const doneHours = new Set(
    (await queryRows<{ hour: number }>(ch, `SELECT hour FROM ${DATABASE}.bench_progress`)).map((r) => r.hour),
  );
  if (doneHours.size === 0) {
    for (const table of ['reports', 'report_volume_1m', 'scores']) await ch.command({ query: `TRUNCATE TABLE ${DATABASE}.${table}` });
  }
  const chunks = planChunks(startS, TARGET_REPORTS);
  const todo = chunks.filter((c) => !doneHours.has(c.hour));
  console.log(
    `api bench: generating ${TARGET_REPORTS.toLocaleString('en')} reports into ${DATABASE} ` +
      `(${new Date(startS * 1000).toISOString().slice(0, 10)} + ${DAYS} days, ${todo.length} of ${chunks.length} hours to go)`,
  );
  const started = Date.now();
  // Two inserts in flight: one sorts and writes while the other generates.
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < todo.length) {
      const c = todo[next++]!;
      await retrying(`hour ${c.hour}`, () => ch.command({ query: hourInsertSql(services, c) }));
      await retrying(`progress ${c.hour}`, () =>
        ch.insert({ table: `${DATABASE}.bench_progress`, values: [{ start_s: startS, hour: c.hour }], format: 'JSONEachRow' }),
      );
      finished++;
      if (finished % 24 === 0 || finished === todo.length) {
        const s = (Date.now() - started) / 1000;
        console.log(`  ${finished}/${todo.length} hours, ${s.toFixed(0)} s (${Math.round(((c.offset + c.base) / 1e6) * 10) / 10} M numbered)`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  await retrying('scores', async () => {
    await ch.command({ query: `TRUNCATE TABLE ${DATABASE}.scores` });
    await ch.command({ query: scoresInsertSql(services, startS, TARGET_REPORTS, chunks) });
  });
  const runS = (Date.now() - started) / 1000;
  await ch.insert({
    table: `${DATABASE}.bench_runs`,
    values: [{ start_s: startS, hours: todo.length, seconds: runS, at: Math.floor(Date.now() / 1000) }],
    format: 'JSONEachRow',
  });
  const [runs] = await queryRows<{ seconds: number; runs: number }>(
    ch,
    `SELECT sum(seconds) AS seconds, count() AS runs FROM ${DATABASE}.bench_runs WHERE start_s = ${startS}`,
  );
  const generateS = Number(runs?.seconds ?? runS);
  const meta = { start_s: startS, reports: TARGET_REPORTS, generate_s: generateS };
  await ch.insert({ table: `${DATABASE}.bench_meta`, values: [{ ...meta, done_at: Math.floor(Date.now() / 1000) }], format: 'JSONEachRow' });
  console.log(
    `api bench: generated ${TARGET_REPORTS.toLocaleString('en')} reports in ${generateS.toFixed(0)} s` +
      (Number(runs?.runs ?? 1) > 1 ? ` over ${runs?.runs} runs (this one: ${todo.length} hours in ${runS.toFixed(0)} s)` : ''),
  );
  return meta;
}

/** Background merges decide how many rollup rows a query reads: measure once they have settled. */
async function waitForMerges(ch: ClickHouseClient, timeoutMs = 15 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stable = 0;
  for (;;) {
    const [r] = await queryRows<{ parts: number; merges: number }>(
      ch,
      `SELECT (SELECT count() FROM system.parts WHERE database = '${DATABASE}' AND active) AS parts,
              (SELECT count() FROM system.merges WHERE database = '${DATABASE}') AS merges`,
    );
    const parts = Number(r?.parts ?? 0);
    const merges = Number(r?.merges ?? 0);
    stable = merges === 0 && parts === last ? stable + 1 : 0;
    if (stable >= 3) return;
    if (Date.now() > deadline) {
      console.log(`api bench: merges still running after ${timeoutMs / 1000} s (${parts} parts); measuring anyway`);
      return;
    }
    last = parts;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

// ------------------------------------------------------------------------------------------------
// The API under test, in its own process

async function serve(): Promise<void> {
  const { buildApp } = await import('../services/api/src/app');
  const { apiCatalog } = await import('../services/api/src/catalog');
  const { apiConfigSpec } = await import('../services/api/src/config');
  const { loadConfig } = await import('@downradar/common');
  const config = loadConfig(apiConfigSpec, { ...process.env, DOWNRADAR_CLICKHOUSE_DATABASE: DATABASE, DOWNRADAR_LOG_LEVEL: 'warn' });
  const clickhouse = createClickHouse({ url: config.clickhouseUrl, database: DATABASE });
  const app = await buildApp({ config, clickhouse, catalog: apiCatalog(loadCatalog().services.slice(0, SERVICE_COUNT)) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await app.close();
      await clickhouse.close();
      process.exit(0);
    }
  });
}

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, base: `http://127.0.0.1:${(m as { port: number }).port}` }));
    child.once('exit', (code) => reject(new Error(`api server exited with ${code}`)));
  });
}

// ------------------------------------------------------------------------------------------------
// Load

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function randomCurveUrl(base: string, services: readonly string[], meta: Meta): string {
  const service = services[Math.floor(Math.random() * services.length)]!;
  // End times anywhere from the second day to the last, on whole minutes (as a dashboard sends them).
  const minutes = (DAYS - 1) * 24 * 60;
  const toMs = (meta.start_s + DAY) * 1000 + Math.floor(Math.random() * minutes) * 60_000;
  return `${base}/v1/services/${service}/curve?from=${toMs - DAY * 1000}&to=${toMs}&step=15`;
}

async function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { points?: unknown[] };
  const ms = performance.now() - t0;
  if (res.status !== 200 || !Array.isArray(body.points) || body.points.length < 96)
    throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return ms;
}

async function sequentialRun(base: string, services: readonly string[], meta: Meta, n: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await timedGet(randomCurveUrl(base, services, meta)));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function concurrentRun(base: string, services: readonly string[], meta: Meta, n: number): Promise<number> {
  let issued = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < n) {
        issued++;
        await timedGet(randomCurveUrl(base, services, meta));
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const ch = createClickHouse({ url: CLICKHOUSE_URL, requestTimeoutMs: 3_600_000 });
  const services = loadCatalog()
    .services.slice(0, SERVICE_COUNT)
    .map((s) => s.id);
  const meta = await ensureData(ch, services);
  await waitForMerges(ch);
  const [stored] = await queryRows<{ n: number }>(ch, `SELECT count() AS n FROM ${DATABASE}.reports`);
  const [rollup] = await queryRows<{ n: number }>(ch, `SELECT count() AS n FROM ${DATABASE}.report_volume_1m`);
  console.log(`api bench: ${Number(stored?.n)} reports stored, ${Number(rollup?.n)} rows in report_volume_1m`);

  const load = loadavg()[0]!;
  console.log(`api bench: host load average ${load.toFixed(1)} on ${cpus().length} CPUs (other work on the machine shows in the figures)`);
  const { child, base } = await startServer();
  try {
    for (let i = 0; i < 50; i++) await timedGet(randomCurveUrl(base, services, meta)); // warm-up
    const p50s: number[] = [];
    const p95s: number[] = [];
    const rpss: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const { p50, p95 } = await sequentialRun(base, services, meta, REQUESTS_PER_RUN);
      const rps = await concurrentRun(base, services, meta, REQUESTS_PER_RUN * 2);
      console.log(`  run ${run}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${rps.toFixed(0)} req/s at concurrency ${CONCURRENCY}`);
      p50s.push(p50);
      p95s.push(p95);
      rpss.push(rps);
    }
    const round1 = (x: number) => Math.round(x * 10) / 10;
    writeResult('api', {
      curve_24h_p50_ms: round1(median(p50s)),
      curve_24h_p95_ms: round1(median(p95s)),
      curve_rps: round1(median(rpss)),
      stored_reports: Number(stored?.n ?? 0),
      rollup_rows: Number(rollup?.n ?? 0),
      generate_reports_s: Math.round(meta.generate_s),
      host_load_avg_1m: Math.round(load * 10) / 10,
    });
  } finally {
    child.send('stop');
    await ch.close();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
