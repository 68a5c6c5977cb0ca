import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, servicesAccountFromEnv } from './client';
import { migrate, MigrationError } from './migrations';
import { clickhouseError } from './errors';
import { clickhouseClientAs, createSqlTestUser, testClickHouse, testDatabase } from '../testing/index';

const ch = testClickHouse();
const db = testDatabase('common_ch');

beforeAll(async () => {
  await ch.command({ query: `CREATE DATABASE ${db}` });
});
afterAll(async () => {
  await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await ch.close();
});

describe('ClickHouse errors', () => {
  it('an insert into an unknown table is a non-retriable typed error', async () => {
    const err = await ch.insert({ table: `${db}.missing`, values: [{ id: 1 }], format: 'JSONEachRow' }).then(
      () => undefined,
      (e: unknown) => clickhouseError(e, 'insert'),
    );
    expect(err?.name).toBe('ClickHouseError');
    expect(err?.retriable).toBe(false);
    expect(err?.code).toBe('60');
  });

  it('classifies a refused connection as retriable', async () => {
    const e = clickhouseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'insert');
    expect(e.retriable).toBe(true);
  });
});

describe('analyst profile', () => {
  it('can SELECT but cannot INSERT or DROP (read-only profile)', async () => {
    await ch.command({ query: `CREATE TABLE ${db}.ro (a UInt8) ENGINE = MergeTree() ORDER BY a` });
    // The analyst's own database is downradar; an account with the analyst's profile reads this one.
    const user = await createSqlTestUser({ databases: [db] });
    try {
      const select = clickhouseClientAs(user, ['--query', `SELECT count() FROM ${db}.ro`]);
      expect(select.status, select.stderr).toBe(0);
      expect(select.stdout.trim()).toBe('0');
      const insert = clickhouseClientAs(user, ['--query', `INSERT INTO ${db}.ro VALUES (1)`]);
      expect(insert.status).not.toBe(0);
      expect(insert.stderr).toMatch(/Code: 164/);
      const drop = clickhouseClientAs(user, ['--query', `DROP TABLE ${db}.ro`]);
      expect(drop.status).not.toBe(0);
      expect(drop.stderr).toMatch(/Code: 164/);
    } finally {
      await user.drop();
    }
  });
});

describe('migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  writeFileSync(join(dir, '0001_first.sql'), `-- a table\nCREATE TABLE \${DB}.a (x UInt8) ENGINE = MergeTree() ORDER BY x;\nCREATE TABLE \${DB}.b (y UInt8) ENGINE = MergeTree() ORDER BY y;\n`);
  writeFileSync(join(dir, '0002_second.sql'), `INSERT INTO \${DB}.a VALUES (7)\n`);

  it('applies in order, and applying twice changes nothing', async () => {
    const mdb = `${db}_m`;
    const first = await migrate(ch, { dir, database: mdb });
    expect(first.applied).toEqual(['0001_first.sql', '0002_second.sql']);
    const second = await migrate(ch, { dir, database: mdb });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(['0001_first.sql', '0002_second.sql']);
    const rows = await queryRows<{ x: number }>(ch, `SELECT x FROM ${mdb}.a`);
    expect(rows).toEqual([{ x: 7 }]);
    await ch.command({ query: `DROP DATABASE ${mdb}` });
  });

  it('refuses to run when an applied file has changed', async () => {
    const mdb = `${db}_c`;
    const cdir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(cdir, '0001_first.sql'), `CREATE TABLE \${DB}.a (x UInt8) ENGINE = MergeTree() ORDER BY x\n`);
    await migrate(ch, { dir: cdir, database: mdb });
    appendFileSync(join(cdir, '0001_first.sql'), `-- edited\n`);
    writeFileSync(join(cdir, '0002_more.sql'), `CREATE TABLE \${DB}.z (x UInt8) ENGINE = MergeTree() ORDER BY x\n`);
    const err = await migrate(ch, { dir: cdir, database: mdb }).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.message).toMatch(/0001_first\.sql was changed after it was applied/);
    // Nothing after the refusal ran.
    const tables = await queryRows<{ name: string }>(ch, `SELECT name FROM system.tables WHERE database = '${mdb}' ORDER BY name`);
    expect(tables.map((t) => t.name)).toEqual(['a', 'schema_migrations']);
    await ch.command({ query: `DROP DATABASE ${mdb}` });
  });

  it('applies the shipped schemas/clickhouse migrations to an empty database', async () => {
    const mdb = `${db}_shipped`;
    const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
    const r = await migrate(ch, { dir: `${root}/schemas/clickhouse`, database: mdb });
    expect(r.serverVersion).toMatch(/^\d+\.\d+/);
    const again = await migrate(ch, { dir: `${root}/schemas/clickhouse`, database: mdb });
    expect(again.applied).toEqual([]);
    await ch.command({ query: `DROP DATABASE ${mdb}` });
  });
});

describe('several endpoints (DOWNRADAR_CLICKHOUSE_URL with commas)', () => {
  it('goes on to the next endpoint when one cannot be reached, for queries, commands and inserts', async () => {
    const { createClickHouse } = await import('./client');
    const { CLICKHOUSE_URL } = await import('../testing/index');
    const { createServer } = await import('node:net');
    // A port nothing listens on: take a free one and close it again.
    const dead = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const client = createClickHouse({ url: `http://127.0.0.1:${dead},${CLICKHOUSE_URL}`, requestTimeoutMs: 5000 });
    try {
      await client.command({ query: `CREATE TABLE ${db}.failover (id UInt32) ENGINE = MergeTree() ORDER BY id` });
      await client.insert({ table: `${db}.failover`, values: [{ id: 1 }, { id: 2 }], format: 'JSONEachRow' });
      const [row] = await queryRows<{ n: string }>(client, `SELECT count() AS n FROM ${db}.failover`);
      expect(Number(row!.n)).toBe(2);
      // Every endpoint logs in as the services' account (there is no `default` user to fall back on).
      // (18.16 has no currentUser(): the query finds itself among the running ones, with its account.)
      const marker = `whoami_${Date.now()}`;
      const who = await queryRows<{ u: string }>(client, `SELECT user AS u FROM system.processes WHERE query LIKE '%${marker}%'`);
      expect(who).toEqual([{ u: servicesAccountFromEnv().username }]);
      expect((await client.ping()).success).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('does not hide an error the next endpoint would repeat (a bad query fails at once)', async () => {
    const { createClickHouse } = await import('./client');
    const { CLICKHOUSE_URL } = await import('../testing/index');
    const client = createClickHouse({ url: `${CLICKHOUSE_URL},${CLICKHOUSE_URL}` });
    try {
      const err = await queryRows(client, `SELECT * FROM ${db}.no_such_table`).catch((e) => e);
      expect(String(err.message)).toMatch(/Code: 60/);
    } finally {
      await client.close();
    }
  });
});
