/**
 * `npm run bench:clickhouse`: what an insert of reports costs ClickHouse 18.16 by input format and
 * by rollup design, so that the sink's choices rest on figures of this machine (issue 17).
 *
 * Rows: N realistic reports (DOWNRADAR_BENCH_CH_REPORTS, default 500,000; bench/lib/reports.ts),
 * as the sink makes them (services/sink/src/rows.ts reportRow).
 *
 * 1. Formats, into a reports table without rollups (ReplacingMergeTree, as 0001):
 *    <format>_encode_rows_per_s   Node building the body from row objects (one core)
 *    <format>_client_rows_per_s   clickhouse-client reading that body from a file (native protocol)
 *    <format>_http_rows_per_s     Node encoding + one HTTP insert, as the sink does it
 *    for JSONEachRow (what the sink sent before), TabSeparated and RowBinary (18.16 reads no
 *    JSONCompactEachRow).
 * 2. Rollup designs: the same RowBinary body through clickhouse-client into reports plus one
 *    materialized view each:
 *    rollup_none_rows_per_s               no rollup
 *    rollup_uniq_exact_string_rows_per_s  AggregateFunction(uniqExact, String) of the id (0002's design)
 *    rollup_uniq_exact_hash64_rows_per_s  AggregateFunction(uniqExact, UInt64) of sipHash64(id)
 *    rollup_sum_count_rows_per_s          SummingMergeTree count(), which double counts redeliveries
 *    and for each the count the rollup gives after the first 10 % of the rows were inserted a second
 *    time (a redelivery): rollup_<design>_redelivered_count (exact = N).
 * Medians of DOWNRADAR_BENCH_RUNS runs (default 3), each into fresh tables.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { BinaryWriter, createClickHouse, queryRows, rowBinaryEncoder, rowBinaryInsertQuery, type ClickHouseClient, type RowLayout } from '@downradar/common';
import { median, writeResult } from '@downradar/common/bench-results';
import { reportRow, type ReportRow } from '../services/sink/src/rows';
import { generateReports } from './lib/reports';
import { clickhouseClientInsert, loadAverage } from './lib/peers';

const N = Number(process.env.DOWNRADAR_BENCH_CH_REPORTS ?? 500_000);
const RUNS = Number(process.env.DOWNRADAR_BENCH_RUNS ?? 3);
const URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

const LAYOUT: RowLayout<ReportRow> = [
  ['id', 'String'],
  ['service_id', 'String'],
  ['at', 'DateTime'],
  ['at_ms', 'UInt64'],
  ['received_at', 'DateTime'],
  ['problem', 'String'],
  ['source', 'String'],
  ['country', 'String'],
  ['reporter_hash', 'String'],
  ['text', 'String'],
];
const COLUMNS = LAYOUT.map(([c]) => c);

const REPORTS_DDL = (t: string) => `CREATE TABLE ${t} (id String, service_id String, at DateTime, at_ms UInt64, received_at DateTime, problem String, source String,
  country String, reporter_hash String, text String) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(at) ORDER BY (service_id, at, id)`;

// JSONCompactEachRow would be the natural middle ground, but 18.16 reads only TabSeparated, CSV,
// RowBinary, Native, TSKV, JSONEachRow, Values and CapnProto (SELECT name FROM system.formats).
type Format = 'JSONEachRow' | 'TabSeparated' | 'RowBinary';
const FORMATS: Format[] = ['JSONEachRow', 'TabSeparated', 'RowBinary'];

const tsvEscape = (s: string) => (/[\t\n\\]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s);

function encode(format: Format, rows: ReportRow[]): Buffer {
  switch (format) {
    case 'JSONEachRow': {
      let out = '';
      for (const r of rows) out += JSON.stringify(r) + '\n';
      return Buffer.from(out);
    }
    case 'TabSeparated': {
      let out = '';
      for (const r of rows)
        out += `${tsvEscape(r.id)}\t${r.service_id}\t${r.at}\t${r.at_ms}\t${r.received_at}\t${r.problem}\t${r.source}\t${r.country}\t${tsvEscape(r.reporter_hash)}\t${tsvEscape(r.text)}\n`;
      return Buffer.from(out);
    }
    case 'RowBinary': {
      const w = new BinaryWriter();
      const put = rowBinaryEncoder(LAYOUT);
      for (const r of rows) put(w, r);
      return w.take();
    }
  }
}

async function httpInsert(ch: ClickHouseClient, table: string, format: Format, rows: ReportRow[]): Promise<number> {
  const t0 = performance.now();
  if (format === 'JSONEachRow') {
    // What the sink did before: @clickhouse/client serialising row objects.
    await ch.insert({ table, values: rows, format: 'JSONEachRow' });
  } else {
    const body = encode(format, rows);
    const query = format === 'RowBinary' ? rowBinaryInsertQuery(table, LAYOUT) : `INSERT INTO ${table} (${COLUMNS.join(', ')}) FORMAT ${format}`;
    const r = await ch.exec({ query, values: Readable.from([body]) });
    r.stream.resume();
    await new Promise((resolve) => r.stream.on('end', resolve));
  }
  return performance.now() - t0;
}

const ROLLUPS = {
  none: null,
  uniq_exact_string: { state: 'AggregateFunction(uniqExact, String)', expr: 'uniqExactState(id)', engine: 'AggregatingMergeTree()', read: 'uniqExactMerge(reports)' },
  uniq_exact_hash64: { state: 'AggregateFunction(uniqExact, UInt64)', expr: 'uniqExactState(sipHash64(id))', engine: 'AggregatingMergeTree()', read: 'uniqExactMerge(reports)' },
  sum_count: { state: 'UInt64', expr: 'count()', engine: 'SummingMergeTree()', read: 'sum(reports)' },
} as const;
type Rollup = keyof typeof ROLLUPS;

async function rollupRun(ch: ClickHouseClient, db: string, design: Rollup, file: string, redeliveryFile: string): Promise<{ ms: number; counted: number }> {
  const d = ROLLUPS[design];
  const t = `${db}.r_${design}`;
  await ch.command({ query: REPORTS_DDL(t) });
  if (d) {
    await ch.command({
      query: `CREATE TABLE ${t}_1m (service_id String, minute DateTime, source String, problem String, country String, reports ${d.state})
        ENGINE = ${d.engine} PARTITION BY toYYYYMM(minute) ORDER BY (service_id, minute, source, problem, country)`,
    });
    await ch.command({
      query: `CREATE MATERIALIZED VIEW ${t}_1m_mv TO ${t}_1m AS SELECT service_id, toStartOfMinute(at) AS minute, source, problem, country, ${d.expr} AS reports
        FROM ${t} GROUP BY service_id, minute, source, problem, country`,
    });
  }
  const { ms } = await clickhouseClientInsert({ database: db, table: `r_${design} (${COLUMNS.join(', ')})`, file, format: 'RowBinary', rows: N });
  await clickhouseClientInsert({ database: db, table: `r_${design} (${COLUMNS.join(', ')})`, file: redeliveryFile, format: 'RowBinary', rows: N / 10 });
  const [row] = await queryRows<{ n: string }>(ch, d ? `SELECT ${d.read} AS n FROM ${t}_1m` : `SELECT count() AS n FROM ${t} FINAL`);
  return { ms, counted: Number(row!.n) };
}

async function main(): Promise<void> {
  const ch = createClickHouse({ url: URL, requestTimeoutMs: 600_000 });
  const tmp = mkdtempSync(join(tmpdir(), 'downradar-bench-clickhouse-'));
  const rows = generateReports(N).map(reportRow);
  const results: Record<string, number>[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const db = `bench_ch_${randomBytes(4).toString('hex')}`;
      const r: Record<string, number> = { load: loadAverage() };
      await ch.command({ query: `CREATE DATABASE ${db}` });
      try {
        for (const format of FORMATS) {
          const t0 = performance.now();
          const body = encode(format, rows);
          r[`${format}_encode`] = N / ((performance.now() - t0) / 1000);
          const file = join(tmp, `rows.${format}`);
          writeFileSync(file, body);
          await ch.command({ query: REPORTS_DDL(`${db}.f_${format}`) });
          r[`${format}_client`] = N / ((await clickhouseClientInsert({ database: db, table: `f_${format} (${COLUMNS.join(', ')})`, file, format, rows: N })).ms / 1000);
          await ch.command({ query: REPORTS_DDL(`${db}.h_${format}`) });
          r[`${format}_http`] = N / ((await httpInsert(ch, `${db}.h_${format}`, format, rows)) / 1000);
          r[`${format}_bytes`] = body.length / N;
          console.log(
            `run ${run} ${format.padEnd(18)}: ${Math.round(r[`${format}_bytes`]!)} bytes a row; encode ${Math.round(r[`${format}_encode`]!)} rows/s, ` +
              `clickhouse-client ${Math.round(r[`${format}_client`]!)} rows/s, Node over HTTP ${Math.round(r[`${format}_http`]!)} rows/s`,
          );
        }
        const file = join(tmp, 'rows.RowBinary');
        const redelivery = join(tmp, 'redelivery.RowBinary');
        writeFileSync(redelivery, encode('RowBinary', rows.slice(0, N / 10)));
        for (const design of Object.keys(ROLLUPS) as Rollup[]) {
          const { ms, counted } = await rollupRun(ch, db, design, file, redelivery);
          r[`rollup_${design}`] = N / (ms / 1000);
          r[`rollup_${design}_counted`] = counted;
          console.log(`run ${run} rollup ${design.padEnd(18)}: ${Math.round(N / (ms / 1000))} rows/s; after 10 % redelivered it counts ${counted} of ${N}`);
        }
      } finally {
        await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` });
      }
      results.push(r);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await ch.close();
  }
  const m = (k: string) => median(results.map((r) => r[k]!));
  const metrics: Record<string, number> = {};
  const snake: Record<Format, string> = { JSONEachRow: 'json_each_row', TabSeparated: 'tab_separated', RowBinary: 'row_binary' };
  for (const f of FORMATS) {
    metrics[`${snake[f]}_encode_rows_per_s`] = Math.round(m(`${f}_encode`));
    metrics[`${snake[f]}_client_rows_per_s`] = Math.round(m(`${f}_client`));
    metrics[`${snake[f]}_http_rows_per_s`] = Math.round(m(`${f}_http`));
    metrics[`${snake[f]}_bytes_per_row`] = Math.round(m(`${f}_bytes`));
  }
  for (const d of Object.keys(ROLLUPS) as Rollup[]) {
    metrics[`rollup_${d}_rows_per_s`] = Math.round(m(`rollup_${d}`));
    metrics[`rollup_${d}_redelivered_count`] = m(`rollup_${d}_counted`);
  }
  metrics.reports = N;
  metrics.load_avg_1m = m('load');
  metrics.runs = RUNS;
  writeResult('clickhouse', metrics);
}

await main();
