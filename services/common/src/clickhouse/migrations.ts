import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './client';
import { translateForCluster } from './cluster-ddl';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  serverVersion: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads schemas/clickhouse/NNNN_name.sql in order. `${DB}` in a file stands for the target
 * database, so tests can apply the same migrations to a throwaway database.
 * Lines `-- requires: >=20.1` mark a file that only runs on newer servers (TTL, LowCardinality);
 * on 18.16 such a file is recorded as skipped so the history stays in order.
 */
export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const m = FILE_PATTERN.exec(file);
    if (!m) throw new MigrationError(`${file}: migration files are named NNNN_snake_case.sql`);
    const version = Number(m[1]);
    if (seen.has(version)) throw new MigrationError(`${file}: version ${version} is used twice`);
    seen.add(version);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: m[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** Split a file into statements on `;` at the end of a line (18.16 takes one statement per request). */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The statements of one migration for database `db`, in the order migrate() sends them; on a
 * cluster (`cluster` = its name) translated to Replicated tables, ON CLUSTER DDL and Distributed
 * twins (cluster-ddl.ts), so the same numbered files serve one server and a cluster.
 */
export function migrationStatements(m: Pick<Migration, 'sql'>, db: string, cluster?: string): string[] {
  const statements = splitStatements(m.sql.replaceAll('${DB}', db));
  return cluster ? statements.map((s) => translateForCluster(s, { cluster, database: db })) : statements;
}

/** The server version a migration needs (`-- requires: >=X.Y`), if any. */
export function migrationRequires(m: Pick<Migration, 'sql'>): string | undefined {
  return /^--\s*requires:\s*>=\s*([\d.]+)/m.exec(m.sql)?.[1];
}

export function versionAtLeast(server: string, wanted: string): boolean {
  const a = server.split('.').map(Number);
  const b = wanted.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/**
 * Apply every migration not yet applied, in order, recording each in `<db>.schema_migrations`.
 * Refuses to run when an applied file has changed since (migrations are never edited once landed).
 */
export async function migrate(
  client: ClickHouseClient,
  opts: {
    dir: string;
    database: string;
    log?: (line: string) => void;
    /** The ClickHouse cluster (DOWNRADAR_CLICKHOUSE_CLUSTER) in cluster mode; absent or '' = one server. */
    cluster?: string;
  },
): Promise<MigrationResult> {
  const log = opts.log ?? (() => undefined);
  const db = opts.database;
  const cluster = opts.cluster || undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db)) throw new MigrationError(`bad database name ${db}`);
  if (cluster && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new MigrationError(`bad cluster name ${cluster}`);
  const [{ version: serverVersion } = { version: '0' }] = await queryRows<{ version: string }>(client, 'SELECT version() AS version');
  if (cluster) {
    // ON CLUSTER DDL waits for every replica: sent only when the history table is not there yet,
    // so a service that migrates at start does not wait on a replica that is down.
    const [{ n } = { n: 0 }] = await queryRows<{ n: number | string }>(
      client,
      `SELECT count() AS n FROM system.tables WHERE database = '${db}' AND name = 'schema_migrations'`,
    );
    if (Number(n) === 0) {
      await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db} ON CLUSTER ${cluster}` });
      // One history for every replica of every shard: its path has no {shard}.
      await client.command({
        query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations ON CLUSTER ${cluster} (
          version UInt32, name String, checksum String, status String, applied_at DateTime
        ) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/${db}/schema_migrations', '{replica}') ORDER BY version`,
      });
    }
  } else {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
        version UInt32, name String, checksum String, status String, applied_at DateTime
      ) ENGINE = MergeTree() ORDER BY version`,
    });
  }
  const done = await queryRows<{ version: number; name: string; checksum: string }>(
    client,
    `SELECT version, name, checksum FROM ${db}.schema_migrations ORDER BY version`,
  );
  const doneByVersion = new Map(done.map((d) => [Number(d.version), d]));
  const migrations = readMigrations(opts.dir);
  for (const m of migrations) {
    const prior = doneByVersion.get(m.version);
    if (prior && prior.checksum !== m.checksum)
      throw new MigrationError(
        `${m.file} was changed after it was applied (checksum ${prior.checksum.slice(0, 12)} in ${db}.schema_migrations, ` +
          `${m.checksum.slice(0, 12)} on disk). Applied migrations are never edited: add a new numbered file instead.`,
      );
  }
  const result: MigrationResult = { applied: [], alreadyApplied: [], serverVersion };
  for (const m of migrations) {
    if (doneByVersion.has(m.version)) {
      result.alreadyApplied.push(m.file);
      continue;
    }
    const requires = migrationRequires(m);
    let status = 'applied';
    if (requires && !versionAtLeast(serverVersion, requires)) {
      status = `skipped (needs ClickHouse >= ${requires}, server is ${serverVersion})`;
    } else {
      for (const statement of migrationStatements(m, db, cluster)) {
        try {
          await client.command({ query: statement });
        } catch (err) {
          throw new MigrationError(`${m.file}: ${(err as Error).message}\n--- statement ---\n${statement}`);
        }
      }
    }
    await client.insert({
      table: `${db}.schema_migrations`,
      format: 'JSONEachRow',
      values: [
        {
          version: m.version,
          name: m.name,
          checksum: m.checksum,
          status,
          applied_at: Math.floor(Date.now() / 1000),
        },
      ],
    });
    log(`${m.file}: ${status}`);
    result.applied.push(m.file);
  }
  return result;
}
