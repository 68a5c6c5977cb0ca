/**
 * Every query of docs/sql-cookbook.md, run with clickhouse-client against the real server under
 * the `analyst` profile (readonly=1, its settings, its limits and quota), on a throwaway database
 * migrated with schemas/clickhouse and filled with a small fixture of 2021-10-04 (facebook,
 * whatsapp, instagram; an incident; trends; dlq: tests/sql/cookbook-fixture.ts).
 *
 * The `analyst` account itself may read only the downradar database, so the queries run as a
 * throwaway account with the analyst's profile and quota that may read only the throwaway
 * database (testing/sql-users.ts). The cookbook names tables without a database and relies on
 * `--database`, so the test runs the very same text with `--database <throwaway>`. Rows go in
 * through the raw tables (services' account), so the materialized views build the rollups
 * exactly as they do behind the sink.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, repoRoot, type ClickHouseClient } from '@downradar/common';
import { clickhouseClientAs, createSqlTestUser, testClickHouse, testDatabase, type SqlTestUser } from '@downradar/common/testing';
import { extractRecipes } from './sql/cookbook';
import { fbBuckets, fixtureInserts, fmt, META, reports, ts, waProblems } from './sql/cookbook-fixture';

const db = testDatabase('cookbook');
const ch: ClickHouseClient = testClickHouse();
let analyst: SqlTestUser;

// ---------------------------------------------------------------------------------------------
// The cookbook

const recipes = extractRecipes(readFileSync(`${repoRoot}/docs/sql-cookbook.md`, 'utf8'));

function asAnalyst(sql: string): { status: number | null; stdout: string; stderr: string } {
  // clickhouse-client reaches this stack's native port through the config file it is given.
  const r = clickhouseClientAs(analyst, ['--database', db, '--format', 'JSONEachRow', '--query', sql]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rowsOf(n: number): Record<string, unknown>[] {
  const recipe = recipes.find((r) => r.number === n);
  if (!recipe) throw new Error(`no question ${n} in the cookbook`);
  const r = asAnalyst(recipe.sql);
  if (r.status !== 0) throw new Error(`question ${n} failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function insert(table: string, values: object[]): Promise<void> {
  await ch.insert({ table: `${db}.${table}`, values, format: 'JSONEachRow' });
}

beforeAll(async () => {
  await migrate(ch, { dir: `${repoRoot}/schemas/clickhouse`, database: db });
  // Reports go in twice (a redelivery): every answer must still count each once.
  for (const [table, rows] of fixtureInserts) await insert(table, rows);
  analyst = await createSqlTestUser({ databases: [db] });
});

afterAll(async () => {
  await analyst?.drop();
  await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
  await ch.close();
});

// ---------------------------------------------------------------------------------------------

describe('docs/sql-cookbook.md', () => {
  it('has at least ten numbered questions, each with one query, none naming a database', () => {
    expect(recipes.length).toBeGreaterThanOrEqual(10);
    expect(recipes.map((r) => r.number)).toEqual(recipes.map((_, i) => i + 1));
    for (const r of recipes) expect(r.sql, `question ${r.number}`).not.toMatch(/\bdownradar\./);
  });

  it.each(recipes.map((r) => [r.number, r.title, r] as const))('question %i runs as analyst: %s', (_n, _t, recipe) => {
    const r = asAnalyst(recipe.sql);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('1: facebook per 15 minutes returns exactly the fixture buckets', () => {
    const rows = rowsOf(1);
    const expected = [...fbBuckets].sort((a, b) => a[0] - b[0]).map(([b, n]) => ({ bucket: fmt(b), reports: String(n) }));
    expect(rows.map((r) => ({ bucket: r.bucket, reports: String(r.reports) }))).toEqual(expected);
    expect(rows.find((r) => r.bucket === '2021-10-04 15:45:00')?.reports).toBe('150');
    expect(rows.find((r) => r.bucket === '2021-10-04 15:30:00')?.reports).toBe('83');
  });

  it('2: the dense series has 96 buckets with zeros where nothing was reported', () => {
    const rows = rowsOf(2);
    expect(rows).toHaveLength(96);
    expect(rows[0]).toEqual({ bucket: '2021-10-04 00:00:00', reports: '0' });
    expect(rows.find((r) => r.bucket === '2021-10-04 15:30:00')?.reports).toBe(String(fbBuckets.get(ts('15:30'))));
    const total = rows.reduce((s, r) => s + Number(r.reports), 0);
    expect(total).toBe(reports.filter((r) => r.service_id === 'facebook').length);
  });

  it('3: whatsapp problems during its incident, without the reports from before it', () => {
    const rows = rowsOf(3);
    const total = [...waProblems.values()].reduce((a, b) => a + b, 0);
    expect(rows.map((r) => [r.problem, Number(r.reports)])).toEqual([...waProblems].sort((a, b) => b[1] - a[1]));
    expect(rows[0]).toMatchObject({ problem: 'messaging', pct: Math.round((1000 * waProblems.get('messaging')!) / total) / 10 });
  });

  it('4: services spiking in the same minute', () => {
    const rows = rowsOf(4);
    expect(rows[0]).toEqual({ minute: '2021-10-04 15:41:00', services: ['facebook', 'whatsapp'], spiking: '2' });
    expect(rows[1]).toEqual({ minute: '2021-10-04 15:42:00', services: ['facebook', 'instagram', 'whatsapp'], spiking: '3' });
    expect(rows).toHaveLength(19);
  });

  it('5: hashtags trending in the first 10 minutes of the incident', () => {
    const rows = rowsOf(5);
    expect(rows.map((r) => [r.hashtag, r.first_trending, Number(r.uses)])).toEqual([
      ['facebookdown', '2021-10-04 15:42:00', 27],
      ['whatsappdown', '2021-10-04 15:43:00', 6],
      ['instagramdown', '2021-10-04 15:44:00', 4],
    ]);
  });

  it('6: instagram countries in %', () => {
    expect(rowsOf(6).map((r) => [r.country, Number(r.reports), r.pct])).toEqual([
      ['US', 20, 40],
      ['BR', 10, 20],
      ['GB', 10, 20],
      ['IN', 10, 20],
    ]);
  });

  it('7: incidents with duration, one row each', () => {
    const rows = rowsOf(7);
    expect(rows.map((r) => r.incident_id)).toEqual(['fx-inc-signal-1', META]);
    expect(rows[1]).toMatchObject({
      status: 'resolved',
      started_at: '2021-10-04 15:41:00',
      resolved_at: '2021-10-04 22:30:00',
      duration_min: 409,
      family: 'meta',
      provider: 'meta',
      primary_services: ['facebook', 'whatsapp', 'instagram'],
      collateral_services: ['telegram'],
    });
    // Still open: it runs to the detector's newest window (18:30-18:31), not to today.
    expect(rows[0]).toMatchObject({ status: 'open', resolved_at: null, duration_min: 33, family: '', provider: '' });
  });

  it('8: detection delay per incident, in event time (a replay gives the live figures)', () => {
    const rows = rowsOf(8);
    expect(rows.map((r) => [r.incident_id, Number(r.detection_delay_s)])).toEqual([
      [META, 120],
      ['fx-inc-signal-1', 120],
    ]);
    expect(rows[0]).toMatchObject({ started_at: '2021-10-04 15:41:00', opened_at: '2021-10-04 15:43:00' });
  });

  it('9: collateral services of the facebook incident', () => {
    expect(rowsOf(9)).toEqual([{ incident_id: META, service: 'telegram', peak_count: 9 }]);
  });

  it('10: dlq reasons', () => {
    const rows = rowsOf(10);
    expect(rows.map((r) => [r.code, r.origin, Number(r.messages)])).toEqual([
      ['NOT_JSON', 'downradar.reports (sink)', 2],
      ['LATE_EVENT', 'POST /v1/reports (ingest)', 1],
    ]);
    expect(rows[0]!.latest_reason).toBe('reports: not JSON: Unexpected token');
  });

  it('11: facebook per minute with the baseline joined', () => {
    const rows = rowsOf(11);
    expect(rows.find((r) => r.minute === '2021-10-04 15:41:00')).toMatchObject({ reports: '20', level: 'danger', expected: 1.2 });
  });

  it('12: peak minute per service', () => {
    const rows = rowsOf(12);
    expect(rows[0]).toMatchObject({ service_id: 'facebook', peak_minute: '2021-10-04 15:42:00', peak_reports: '21' });
  });

  it('13: hashtags of the day count each post once, even when it names two services', () => {
    const rows = rowsOf(13);
    expect(rows[0]).toEqual({ hashtag: 'facebookdown', posts: '40', outage_posts: '40' });
  });

  it('14: first posts saying facebook is down', () => {
    const rows = rowsOf(14);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ at: '2021-10-04 15:41:00', text: 'is facebook down?? #facebookdown (0)' });
  });

  it('18: distinct reporters and reports for whatsapp', () => {
    const wa = reports.filter((r) => r.service_id === 'whatsapp');
    expect(rowsOf(18)).toEqual([{ reporters: String(new Set(wa.map((r) => r.reporter_hash)).size), reports: String(wa.length) }]);
  });

  it('19: the provider acknowledged 15 minutes after our detection', () => {
    expect(rowsOf(19)).toEqual([
      { incident_id: META, service_id: 'whatsapp', detected_at: fmt(ts('15:43')), acknowledged_at: fmt(ts('15:58')), ack_after_detection_s: '900', first_official_title: 'Some users cannot send messages' },
    ]);
  });

  it('20: github was reported down for three minutes while its page said operational', () => {
    expect(rowsOf(20)).toEqual([{ service_id: 'github', first_minute: fmt(ts('15:50')), last_minute: fmt(ts('15:53')), danger_minutes: '3' }]);
  });

  it('21: failed probes by service and outcome', () => {
    expect(rowsOf(21)).toEqual([{ service_id: 'facebook', kind: 'dns', outcome: 'servfail', probes: '3', first_seen: fmt(ts('15:40')), last_seen: fmt(ts('15:42')) }]);
  });

  it('the analyst profile cannot INSERT or DROP (Code 164)', () => {
    const r = asAnalyst(`INSERT INTO reports (id, service_id) VALUES ('x', 'facebook')`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Code: 164/);
    const drop = asAnalyst('DROP TABLE dlq');
    expect(drop.stderr).toMatch(/Code: 164/);
  });
});
