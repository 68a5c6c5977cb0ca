/**
 * The same SQL on ClickHouse 18.16 (the stack's server) and on a current ClickHouse (26.9, in
 * process through chDB, PyPI chdb-core pinned in tests/sql/requirements.txt), with the same
 * answers:
 *  - every migration of schemas/clickhouse, statement by statement as the runner sends them;
 *  - the cookbook fixture (tests/sql/cookbook-fixture.ts) inserted through the raw tables, so the
 *    materialized views fill the rollups on both engines;
 *  - every question of docs/sql-cookbook.md (the README carries a verbatim copy of the first 12);
 *  - every statement of the read API's builders (services/api/src/queries/all-queries.ts), with
 *    the settings the API sends;
 *  - the sink's rows: every valid event of schemas/events/fixtures mapped by the sink's own row
 *    functions and inserted as the sink inserts them (JSONEachRow), then read back with FINAL.
 * Answers are compared row for row (in order where the query orders them). JSON output is asked
 * for with the same format settings on both, since current servers no longer quote 64-bit
 * integers by default (25.8); the zero DateTime, printed differently (0000-00-00 00:00:00 on 18.16),
 * counts as the same value. (An open incident's duration runs to the detector's newest window
 * since migration 0050, not to now(), so it too is compared.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationStatements, readMigrations, repoRoot, type ClickHouseClient } from '@downradar/common';
import { testClickHouse, testDatabase } from '@downradar/common/testing';
import { createReader } from '../services/api/src/clickhouse';
import { allApiQueries } from '../services/api/src/queries/all-queries';
import { dlqRow, incidentEventRow, postRow, reportRow, scoreRow, signalRow, trendRow, type Row, type Table } from '../services/sink/src/rows';
import { runOnChdb, type ChdbRun, type ChdbStep } from './sql/chdb';
import { extractRecipes } from './sql/cookbook';
import { fixtureInserts, META } from './sql/cookbook-fixture';

const db = testDatabase('compat');
const sinkDb = testDatabase('compat_sink');
const ch: ClickHouseClient = testClickHouse();
const chInDb: ClickHouseClient = testClickHouse(db);
const migrations = readMigrations(`${repoRoot}/schemas/clickhouse`);

// --- what runs ---------------------------------------------------------------------------------

type Settings = Record<string, 0 | 1>;
interface Query {
  name: string;
  sql: string;
  settings: Settings;
}

/** clickhouse-client's JSON on 18.16 (SQL users): 64-bit integers quoted. */
const SQL_USER: Settings = { output_format_json_quote_64bit_integers: 1 };
/** What services/api/src/clickhouse.ts sends with every query. */
const API: Settings = { output_format_json_quote_64bit_integers: 0 };

const recipes = extractRecipes(readFileSync(`${repoRoot}/docs/sql-cookbook.md`, 'utf8'));
// As SQL users run them: table names without a database, the database chosen by the session.
const cookbookQueries: Query[] = recipes.map((r) => ({ name: `cookbook ${r.number}`, sql: r.sql, settings: SQL_USER }));

const reader = createReader({} as ClickHouseClient, db, 30_000);
const day = { from: Date.UTC(2021, 9, 4), to: Date.UTC(2021, 9, 5) };
const apiArgs = { range: day, serviceId: 'facebook', serviceIds: ['facebook', 'whatsapp', 'instagram'], incidentId: META, at: Date.UTC(2021, 9, 4, 17), stepMinutes: 15, limit: 20 };
const apiQueries: Query[] = [
  ...allApiQueries(reader, apiArgs),
  ...allApiQueries(reader, { ...apiArgs, range: { from: Date.UTC(2021, 9, 4, 15, 30), to: Date.UTC(2021, 9, 4, 16, 30) }, stepMinutes: 1, serviceId: 'whatsapp' }).map((q) => ({
    ...q,
    name: `${q.name} (1-minute step, whatsapp)`,
  })),
].map((q) => ({ name: `api ${q.name}`, sql: q.sql, settings: API }));

// The sink: one row per valid event of the schema fixtures, through the sink's own mapping. The
// sink leaves dlq.inserted_at to its DEFAULT now() (its RowBinary insert names the other columns);
// here it is stated, so that both engines hold the same row to compare.
const valid = JSON.parse(readFileSync(`${repoRoot}/schemas/events/fixtures/valid.json`, 'utf8')) as Record<string, object[]>;
const insertedAt = Date.UTC(2021, 9, 4, 16, 0);
const sinkRows: [table: Table, rows: Row[]][] = (
  [
  ['reports', (valid.ReportEvent ?? []).map((e) => reportRow(e as never))],
  ['posts', (valid.PostEvent ?? []).map((e) => postRow(e as never))],
  ['signals', (valid.SignalEvent ?? []).map((e) => signalRow(e as never))],
  ['scores', (valid.ScoreEvent ?? []).map((e) => scoreRow(e as never))],
  ['incident_events', (valid.IncidentEvent ?? []).map((e) => incidentEventRow(e as never))],
  ['trends', (valid.TrendEvent ?? []).map((e) => trendRow(e as never))],
  ['dlq', (valid.DlqRecord ?? []).map((e) => dlqRow(e as never))],
  ] as [Table, Row[]][]
).map(([table, rows]) => [table, table === 'dlq' ? rows.map((r) => ({ ...r, inserted_at: Math.floor(insertedAt / 1000) })) : rows]);
const sinkQueries: Query[] = sinkRows.map(([table]) => ({ name: `sink ${table}`, sql: `SELECT * FROM ${sinkDb}.${table} FINAL`, settings: SQL_USER }));
// The rollups the materialized views filled from the sink's rows.
for (const rollup of ['report_volume_per_minute', 'outage_signals_per_minute', 'hashtag_volume_per_minute', 'incidents_with_duration', 'incident_detection'])
  sinkQueries.push({ name: `sink view ${rollup}`, sql: `SELECT * FROM ${sinkDb}.${rollup}`, settings: SQL_USER });

const allQueries = [...cookbookQueries, ...apiQueries, ...sinkQueries];

// --- both engines ------------------------------------------------------------------------------

type Answer = { rows: Record<string, unknown>[] } | { error: string };
const on1816 = new Map<string, Answer>();
let current: ChdbRun;
let version1816 = '';

async function rows1816(q: Query): Promise<Answer> {
  try {
    const rs = await (q.name.startsWith('cookbook') ? chInDb : ch).query({ query: q.sql, format: 'JSONEachRow', clickhouse_settings: q.settings });
    return { rows: (await rs.json()) as Record<string, unknown>[] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

beforeAll(async () => {
  // 18.16: the real migration runner, then the fixture as the sink would insert it.
  for (const database of [db, sinkDb]) await migrate(ch, { dir: `${repoRoot}/schemas/clickhouse`, database });
  for (const [table, rows] of fixtureInserts) await ch.insert({ table: `${db}.${table}`, values: rows, format: 'JSONEachRow' });
  for (const [table, rows] of sinkRows) if (rows.length > 0) await ch.insert({ table: `${sinkDb}.${table}`, values: rows, format: 'JSONEachRow' });
  const rs = await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  version1816 = ((await rs.json()) as { v: string }[])[0]!.v;
  for (const q of allQueries) on1816.set(q.name, await rows1816(q));

  // Current ClickHouse: the same statements, in the same order.
  const steps: ChdbStep[] = [];
  for (const database of [db, sinkDb]) {
    steps.push({ kind: 'command', sql: `CREATE DATABASE IF NOT EXISTS ${database}` });
    for (const m of migrations) for (const sql of migrationStatements(m, database)) steps.push({ kind: 'command', sql });
  }
  for (const [table, rows] of fixtureInserts) steps.push({ kind: 'insert', table: `${db}.${table}`, rows });
  for (const [table, rows] of sinkRows) if (rows.length > 0) steps.push({ kind: 'insert', table: `${sinkDb}.${table}`, rows });
  steps.push({ kind: 'command', sql: `USE ${db}` });
  for (const q of allQueries) {
    for (const [k, v] of Object.entries(q.settings)) steps.push({ kind: 'command', sql: `SET ${k} = ${v}` });
    steps.push({ kind: 'query', name: q.name, sql: q.sql });
  }
  current = await runOnChdb(steps);
}, 600_000);

afterAll(async () => {
  for (const database of [db, sinkDb]) await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await Promise.all([ch.close(), chInDb.close()]);
});

/**
 * The zero DateTime (a level never reached in service_first_*_at) is the same value on both
 * engines but printed 0000-00-00 00:00:00 by 18.16 and 1970-01-01 00:00:00 by current servers.
 */
const ZERO_1816 = '0000-00-00 00:00:00';
function sameZeroTime(v: unknown): unknown {
  if (v === ZERO_1816) return '1970-01-01 00:00:00';
  if (Array.isArray(v)) return v.map(sameZeroTime);
  return v;
}

/** The SQL without anything in parentheses: what the outermost SELECT says itself. */
function outerLevel(sql: string): string {
  let out = sql;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(/\([^()]*\)/g, ' ');
  }
  return out;
}

/** The rows as compared: zero times printed alike, unordered results sorted. */
function comparable(q: Query, a: Answer): Answer {
  if (!('rows' in a)) return a;
  let rows = a.rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, sameZeroTime(v)])));
  // Without an ORDER BY of its own (one inside a subquery does not count) neither engine promises
  // an order: compare as sets of rows.
  if (!/\bORDER BY\b/i.test(outerLevel(q.sql))) rows = [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  return { rows };
}

describe('SQL on ClickHouse 18.16 and on current ClickHouse (chDB)', () => {
  it('runs on the engines it is meant for', () => {
    expect(version1816).toMatch(/^18\.16\./);
    expect(current.version).toMatch(/^2[5-9]\.|^[3-9]\d\./);
  });

  it('has what it claims to compare: every cookbook question, every API builder, every sink table', () => {
    expect(cookbookQueries.length).toBe(recipes.length);
    expect(cookbookQueries.length).toBeGreaterThanOrEqual(18);
    expect(apiQueries.map((q) => q.name)).toContain('api postsSql');
    expect(sinkRows.every(([, rows]) => rows.length > 0)).toBe(true);
  });

  it.each(allQueries.map((q) => [q.name, q] as const))('%s: same answer on both', (_name, q) => {
    const old = comparable(q, on1816.get(q.name)!);
    const now = comparable(q, current.results[q.name] ?? { error: 'not run' });
    expect('error' in old ? old.error : '', `18.16 refused ${q.name}`).toBe('');
    expect('error' in now ? now.error : '', `ClickHouse ${current.version} refused ${q.name}`).toBe('');
    expect(now).toEqual(old);
  });

  it('the comparison has answers to compare (the fixture reached the tables on both engines)', () => {
    const n = (a: Answer | undefined) => (a && 'rows' in a ? a.rows.length : 0);
    expect(n(on1816.get('cookbook 1'))).toBeGreaterThan(10);
    expect(n(current.results['cookbook 1'])).toBe(n(on1816.get('cookbook 1')));
    expect(n(current.results['api postsSql'])).toBeGreaterThan(5);
    expect(n(current.results['sink reports'])).toBeGreaterThan(0);
  });
});
