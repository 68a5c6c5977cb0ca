/**
 * A hostile SQL user against the real ClickHouse of the stack: everything an analyst could try to
 * lift its limits, reach other accounts or data, or starve the services, each expected to be
 * refused with ClickHouse's own error code. The account is the stack's `analyst` (password from
 * .data, as infra/clickhouse/users.sh generated it), on its own database `downradar`; the hourly
 * quotas are flooded on throwaway accounts with the analyst's profile (a flood of the real
 * account would lock it for the rest of the hour), whose quota is the only thing that differs.
 *
 * Codes: 164 READONLY, 159 TIMEOUT_EXCEEDED, 192 UNKNOWN_USER, 193 WRONG_PASSWORD,
 * 194 REQUIRED_PASSWORD (also: two ways of authenticating at once), 195 IP_ADDRESS_NOT_ALLOWED, 200 QUOTA_DOESNT_ALLOW_KEYS,
 * 201 QUOTA_EXPIRED, 202 TOO_MUCH_SIMULTANEOUS_QUERIES, 291 DATABASE_ACCESS_DENIED, 394 QUERY_WAS_CANCELLED.
 * docs/security.md lists what each test shows.
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, servicesAccountFromEnv, type ClickHouseAccount } from '@downradar/common';
import {
  CLICKHOUSE_URL,
  analystAccount,
  clickhouseAuthHeaders,
  clickhouseClientAs,
  clickhouseDir,
  clickhouseTcpPort,
  createSqlTestUser,
  eventually,
  randomSuffix,
  testClickHouse,
  testDatabase,
  type SqlTestUser,
} from '@downradar/common/testing';

const run = randomSuffix(6);
const analyst = analystAccount();
const services = servicesAccountFromEnv();
const ch = testClickHouse();
const otherDb = testDatabase('hostile');
const LONG_QUERY_ID = `hostile-${run}-long`;
/** Sleeps 3 s per block of system.numbers, forever: low on CPU, and only the time limit ends it. */
const FOREVER = 'SELECT count() FROM (SELECT sleep(3) FROM system.numbers)';

interface Answer {
  status: number;
  text: string;
  /** ClickHouse's error code, when it answered with an error. */
  code: number | undefined;
}

async function sql(account: ClickHouseAccount, query: string, params: Record<string, string> = {}): Promise<Answer> {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${CLICKHOUSE_URL}/${qs ? `?${qs}` : ''}`, { method: 'POST', headers: clickhouseAuthHeaders(account), body: query });
  const text = await res.text();
  const code = /^Code: (\d+)/.exec(text)?.[1];
  return { status: res.status, text, code: code === undefined ? undefined : Number(code) };
}
const asAnalyst = (query: string, params: Record<string, string> = {}) => sql(analyst, query, params);

/** The same HTTP request from another source address (loopback has the whole 127/8). */
function fromAddress(localAddress: string, account: ClickHouseAccount, query: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${CLICKHOUSE_URL}/`, { method: 'POST', localAddress, headers: clickhouseAuthHeaders(account) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, code: Number(/^Code: (\d+)/.exec(text)?.[1]) || undefined }));
    });
    req.on('error', reject);
    req.end(query);
  });
}

async function analystQueriesRunning(ids: string[]): Promise<number> {
  const rows = await queryRows<{ query_id: string }>(ch, `SELECT query_id FROM system.processes WHERE user = 'analyst'`);
  return rows.filter((r) => ids.includes(r.query_id)).length;
}

let longQuery: Promise<{ answer: Answer; elapsedMs: number }>;

beforeAll(async () => {
  // The analyst's own database is there (stack:up migrates it); another one holds a secret.
  await ch.command({ query: `CREATE DATABASE IF NOT EXISTS downradar` });
  await ch.command({ query: `CREATE DATABASE ${otherDb}` });
  await ch.command({ query: `CREATE TABLE ${otherDb}.secret (s String) ENGINE = MergeTree() ORDER BY s` });
  await ch.insert({ table: `${otherDb}.secret`, values: [{ s: 'not for analysts' }], format: 'JSONEachRow' });
  // Started first, so that its 30 s run beside the other tests.
  const started = Date.now();
  longQuery = asAnalyst(FOREVER, { query_id: LONG_QUERY_ID }).then((answer) => ({ answer, elapsedMs: Date.now() - started }));
  await eventually(async () => ((await analystQueriesRunning([LONG_QUERY_ID])) === 1 ? true : undefined), 20_000, 'the long query running');
});

afterAll(async () => {
  await ch.command({ query: `KILL QUERY WHERE user = 'analyst' AND query_id LIKE 'hostile-${run}-%' SYNC` }).catch(() => undefined);
  await ch.command({ query: `DROP DATABASE IF EXISTS ${otherDb}` }).catch(() => undefined);
  await ch.close();
});

describe('a hostile SQL user (the analyst account)', () => {
  // First, while the long query started in beforeAll is surely still running: it is one of the four.
  it('runs at most 4 queries at once (Code 202 for the fifth)', async () => {
    const ids = [1, 2, 3].map((i) => `hostile-${run}-c${i}`);
    const extra = ids.map((id) => asAnalyst(FOREVER, { query_id: id }));
    await eventually(async () => ((await analystQueriesRunning([LONG_QUERY_ID, ...ids])) === 4 ? true : undefined), 20_000, 'four analyst queries running');
    const fifth = await asAnalyst('SELECT 1');
    expect(fifth.code, fifth.text).toBe(202);
    expect(fifth.text).toContain('Too many simultaneous queries for user analyst');
    // The services' account is not held up by the analyst's four.
    expect((await sql(services, 'SELECT 1')).text.trim()).toBe('1');
    await ch.command({ query: `KILL QUERY WHERE user = 'analyst' AND query_id IN (${ids.map((i) => `'${i}'`).join(', ')}) SYNC` });
    for (const r of await Promise.all(extra)) expect(r.code, r.text).toBe(394);
  });

  it('reads its own database', async () => {
    const r = await asAnalyst('SELECT count() FROM downradar.schema_migrations');
    expect(r.status, r.text).toBe(200);
    expect(Number(r.text)).toBeGreaterThan(0);
  });

  it('cannot raise its limits through URL parameters (Code 164)', async () => {
    for (const [name, value] of [
      ['max_execution_time', '0'],
      ['max_execution_time', '99999'],
      ['max_memory_usage', '99999999999'],
      ['max_concurrent_queries_for_user', '1000'],
      ['readonly', '0'],
      ['readonly', '2'],
      ['allow_ddl', '1'],
      ['profile', 'default'],
      ['replace_running_query', '1'],
    ] as const) {
      const r = await asAnalyst('SELECT 1', { [name]: value });
      expect(r.code, `${name}=${value}: ${r.text}`).toBe(164);
      expect(r.text).toContain(`Cannot override setting (${name}) in readonly mode`);
    }
  });

  it('cannot raise them with SET or a SETTINGS clause (Code 164), nor through the native protocol', async () => {
    for (const q of ['SET max_execution_time = 0', 'SET readonly = 0', 'SET max_memory_usage = 99999999999', 'SELECT 1 SETTINGS max_execution_time = 0', 'SELECT 1 SETTINGS readonly = 2']) {
      const r = await asAnalyst(q);
      expect(r.code, `${q}: ${r.text}`).toBe(164);
    }
    // A setting equal to the profile's changes nothing and is let through (the cookbook's SETTINGS clause).
    expect((await asAnalyst('SELECT 1 SETTINGS enable_optimize_predicate_expression = 1')).text.trim()).toBe('1');
    // clickhouse-client sends its settings along; the session keeps the profile's values all the same.
    const native = clickhouseClientAs(analyst, [
      '--max_execution_time=0',
      '--max_memory_usage=99999999999',
      '--readonly=0',
      '--max_concurrent_queries_for_user=1000',
      '--format=TSV',
      '--query',
      "SELECT name, value FROM system.settings WHERE name IN ('max_execution_time', 'max_memory_usage', 'readonly', 'max_concurrent_queries_for_user') ORDER BY name",
    ]);
    expect(native.stderr).toBe('');
    expect(native.stdout.trim().split('\n')).toEqual(['max_concurrent_queries_for_user\t4', 'max_execution_time\t30', 'max_memory_usage\t4000000000', 'readonly\t1']);
    const create = clickhouseClientAs(analyst, ['--readonly=0', '--query', 'CREATE TABLE downradar.hostile (a UInt8) ENGINE = Memory']);
    expect(create.stderr).toMatch(/Code: 164/);
  });

  it('cannot use table functions: url(), remote(), file(), numbers(), merge() (Code 164)', async () => {
    const httpPort = new URL(CLICKHOUSE_URL).port;
    const tcpPort = clickhouseTcpPort();
    for (const q of [
      `SELECT * FROM url('http://127.0.0.1:${httpPort}/?query=SELECT%201', TSV, 'x String')`,
      `SELECT * FROM url('http://169.254.169.254/latest/meta-data/', TSV, 'x String')`,
      // Even with the services' password in hand, remote() does not let the analyst connect back as them.
      `SELECT * FROM remote('127.0.0.1:${tcpPort}', system.one, '${services.username}', '${services.password}')`,
      `SELECT * FROM remote('127.0.0.1:${tcpPort}', ${otherDb}.secret)`,
      `SELECT * FROM file('../../clickhouse-password', TSV, 's String')`,
      'SELECT * FROM numbers(10)',
      `SELECT * FROM merge('${otherDb}', '.*')`,
    ]) {
      const r = await asAnalyst(q);
      expect(r.code, `${q}: ${r.text}`).toBe(164);
      expect(r.text).toContain('Table functions are forbidden in readonly mode');
    }
  });

  it('cannot borrow another account: no `default`, the services account needs its password and loopback itself, no mixed credentials, no killing their queries', async () => {
    const anonymous = await fetch(`${CLICKHOUSE_URL}/`, { method: 'POST', body: 'SELECT 1' });
    expect(await anonymous.text()).toMatch(/^Code: 192.*Unknown user default/);
    expect((await sql({ username: 'default', password: '' }, 'SELECT 1')).code).toBe(192);
    expect((await sql({ username: services.username, password: '' }, 'SELECT 1')).text).toMatch(/^Code: 194.*Password required for user/);
    expect((await sql({ username: services.username, password: analyst.password }, 'SELECT 1')).code).toBe(193);
    // The right password from an address other than loopback itself (another host, in effect).
    const elsewhere = await fromAddress('127.0.0.2', services, 'SELECT 1');
    expect(elsewhere.code, elsewhere.text).toBe(195);
    expect(elsewhere.text).toContain(`User ${services.username} is not allowed to connect from address 127.0.0.2`);
    // The analyst's headers with another user in the URL.
    const mixed = await fetch(`${CLICKHOUSE_URL}/?user=${services.username}`, { method: 'POST', headers: clickhouseAuthHeaders(analyst), body: 'SELECT 1' });
    expect(await mixed.text()).toMatch(/^Code: 194/);

    // A query of the services' account cannot be killed by the analyst.
    const svcId = `hostile-${run}-svc`;
    const svc = sql(services, 'SELECT count() FROM (SELECT sleep(1) FROM system.numbers LIMIT 300000)', { query_id: svcId });
    await eventually(async () => ((await queryRows(ch, `SELECT 1 FROM system.processes WHERE query_id = '${svcId}'`)).length ? true : undefined), 10_000, 'the services query running');
    const kill = await asAnalyst(`KILL QUERY WHERE query_id = '${svcId}' SYNC`);
    expect(kill.code, kill.text).toBe(164);
    expect(kill.text).toContain(`Readonly user analyst attempts to kill query created by ${services.username}`);
    expect((await svc).text.trim()).toBe('300000');
  });

  it('cannot read other databases (Code 291), and cannot write, create, drop or alter anything (Code 164)', async () => {
    for (const [q, params] of [
      [`SELECT * FROM ${otherDb}.secret`, {}],
      ['SELECT * FROM secret', { database: otherDb }],
      ['SELECT 1', { database: 'default' }],
    ] as const) {
      const r = await asAnalyst(q, params);
      expect(r.code, `${q} ${JSON.stringify(params)}: ${r.text}`).toBe(291);
      expect(r.text).not.toContain('not for analysts');
    }
    for (const q of [
      `INSERT INTO downradar.schema_migrations (version, name) VALUES (9999, 'hostile')`,
      'CREATE TABLE downradar.hostile (a UInt8) ENGINE = Memory',
      'CREATE TEMPORARY TABLE hostile (a UInt8)',
      'CREATE DATABASE hostile',
      'DROP TABLE downradar.schema_migrations',
      'TRUNCATE TABLE downradar.schema_migrations',
      'DETACH TABLE downradar.schema_migrations',
      'RENAME TABLE downradar.schema_migrations TO downradar.hostile',
      'ALTER TABLE downradar.schema_migrations DELETE WHERE 1',
      'OPTIMIZE TABLE downradar.schema_migrations',
      `DROP TABLE ${otherDb}.secret`,
      'SYSTEM SHUTDOWN',
    ]) {
      const r = await asAnalyst(q);
      expect(r.code, `${q}: ${r.text}`).toBe(164);
    }
    const [still] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${otherDb}.secret`);
    expect(Number(still!.n)).toBe(1);
  });

  it('a query that would run for ever is stopped at 30 s (Code 159)', async () => {
    const { answer, elapsedMs } = await longQuery;
    expect(answer.code, answer.text).toBe(159);
    expect(answer.text).toMatch(/Timeout exceeded: elapsed 3\d\.\d+ seconds, maximum: 30/);
    expect(elapsedMs).toBeGreaterThanOrEqual(29_000);
  }, 90_000);
});

describe('the hourly quota of the analyst profile', () => {
  let flood: SqlTestUser;
  let bystander: SqlTestUser;
  let reader: SqlTestUser;
  let sleeper: SqlTestUser;

  beforeAll(async () => {
    [flood, bystander, reader, sleeper] = await Promise.all([
      createSqlTestUser({ databases: ['downradar'], quota: { queries: 20 } }),
      createSqlTestUser({ databases: ['downradar'], quota: { queries: 20 } }),
      createSqlTestUser({ databases: ['downradar'], quota: { readRows: 1_000_000 } }),
      createSqlTestUser({ databases: ['downradar'], quota: { executionTimeS: 2 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([flood, bystander, reader, sleeper].map((u) => u?.drop()));
  });

  it('the analyst account has a quota on queries, execution time and rows read', () => {
    const xml = readFileSync(`${clickhouseDir()}/users.xml`, 'utf8');
    const user = /<analyst>\s*<password_sha256_hex>[\s\S]*?<\/analyst>/.exec(xml)?.[0] ?? '';
    expect(user).toContain('<quota>analyst</quota>');
    const quota = /<quotas>[\s\S]*<analyst>([\s\S]*?)<\/analyst>/.exec(xml)?.[1] ?? '';
    const limit = (tag: string) => Number(new RegExp(`<${tag}>(\\d+)</${tag}>`).exec(quota)?.[1]);
    expect(limit('duration')).toBe(3600);
    for (const tag of ['queries', 'execution_time', 'read_rows']) expect(limit(tag), tag).toBeGreaterThan(0);
  });

  it('a flood of queries is refused once the hour is used up (Code 201), for that account only', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 30; i++) answers.push(await sql(flood, 'SELECT 1'));
    const firstRefused = answers.findIndex((a) => a.code === 201);
    // The server checks the quota before it counts the query: the 21st of 20 may still pass.
    expect(firstRefused).toBeGreaterThanOrEqual(20);
    expect(firstRefused).toBeLessThanOrEqual(21);
    expect(answers.slice(firstRefused).every((a) => a.code === 201)).toBe(true);
    expect(answers[firstRefused]!.text).toContain(`Quota for user '${flood.username}' for 1 hour has been exceeded`);
    // A client-supplied quota key does not open a new budget (credentials in the URL too: ClickHouse
    // refuses to mix them with its headers).
    const keyed = await fetch(`${CLICKHOUSE_URL}/?${new URLSearchParams({ user: flood.username, password: flood.password, quota_key: `fresh-${run}` })}`, { method: 'POST', body: 'SELECT 1' });
    expect(await keyed.text()).toMatch(/^Code: 200.*doesn't allow client supplied keys/);
    // Another account of the same profile and quota has its own budget.
    expect((await sql(bystander, 'SELECT 1')).text.trim()).toBe('1');
  });

  it('rows read and execution time are limited per hour too (Code 201)', async () => {
    const big = await sql(reader, 'SELECT count() FROM (SELECT number FROM system.numbers LIMIT 5000000)');
    expect(big.code, big.text).toBe(201);
    expect(big.text).toMatch(/Total rows read: \d+, max: 1000000/);
    const after: Answer[] = [];
    for (let i = 0; i < 4; i++) after.push(await sql(sleeper, 'SELECT sleep(1)'));
    expect(after.slice(0, 2).map((a) => a.text.trim())).toEqual(['0', '0']);
    expect(after[3]!.code, after[3]!.text).toBe(201);
    expect(after[3]!.text).toMatch(/Total execution time: \d+, max: 2/);
  });
});
