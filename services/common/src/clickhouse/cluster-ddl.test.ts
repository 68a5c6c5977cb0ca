import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lifecycle';
import { translateForCluster } from './cluster-ddl';
import { migrationStatements, readMigrations } from './migrations';

const t = { cluster: 'downradar', database: 'dr' };

describe('translateForCluster', () => {
  it('makes a MergeTree table Replicated at its ZooKeeper path, ON CLUSTER', () => {
    const table = translateForCluster(
      `CREATE TABLE IF NOT EXISTS dr.scores
(
    service_id String,
    window_start DateTime,
    computed_at_ms UInt64
)
ENGINE = ReplacingMergeTree(computed_at_ms)
PARTITION BY toYYYYMM(window_start)
ORDER BY (service_id, window_start)`,
      t,
    );
    expect(table).toMatch(/^CREATE TABLE IF NOT EXISTS dr\.scores ON CLUSTER downradar\n\(/);
    expect(table).toContain(`ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/dr/scores', '{replica}', computed_at_ms)`);
    expect(table).toContain('ORDER BY (service_id, window_start)');
  });

  it('keeps engine arguments out when there are none', () => {
    const table = translateForCluster('CREATE TABLE dr.posts (id String, at DateTime) ENGINE = ReplacingMergeTree() ORDER BY (at, id)', t);
    expect(table).toContain(`ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/dr/posts', '{replica}')`);
    expect(table).toMatch(/^CREATE TABLE dr\.posts ON CLUSTER downradar \(/);
  });

  it('puts views, databases, drops, alters and renames ON CLUSTER; leaves other statements alone', () => {
    expect(translateForCluster('CREATE DATABASE IF NOT EXISTS dr', t)).toBe('CREATE DATABASE IF NOT EXISTS dr ON CLUSTER downradar');
    expect(translateForCluster('CREATE MATERIALIZED VIEW IF NOT EXISTS dr.a_mv TO dr.a\nAS SELECT 1', t)).toBe(
      'CREATE MATERIALIZED VIEW IF NOT EXISTS dr.a_mv ON CLUSTER downradar TO dr.a\nAS SELECT 1',
    );
    expect(translateForCluster('CREATE VIEW IF NOT EXISTS dr.v\nAS SELECT 1', t)).toBe('CREATE VIEW IF NOT EXISTS dr.v ON CLUSTER downradar\nAS SELECT 1');
    expect(translateForCluster('DROP TABLE IF EXISTS dr.v', t)).toBe('DROP TABLE IF EXISTS dr.v ON CLUSTER downradar');
    // One statement: no Distributed twin to alter (on 18.16 an ALTER ON CLUSTER of one fails with Code 371).
    expect(translateForCluster('ALTER TABLE dr.a ADD COLUMN x UInt8', t)).toBe('ALTER TABLE dr.a ON CLUSTER downradar ADD COLUMN x UInt8');
    expect(translateForCluster('ALTER TABLE dr.a DROP PARTITION 202110', t)).toBe('ALTER TABLE dr.a ON CLUSTER downradar DROP PARTITION 202110');
    expect(translateForCluster('INSERT INTO dr.a SELECT 1', t)).toBe('INSERT INTO dr.a SELECT 1');
    expect(translateForCluster('CREATE TABLE dr.x ON CLUSTER other (a UInt8) ENGINE = Memory', t)).toBe('CREATE TABLE dr.x ON CLUSTER other (a UInt8) ENGINE = Memory');
    expect(() => translateForCluster('SELECT 1', { cluster: 'bad name', database: 'dr' })).toThrow(/cluster name/);
  });

  it('translates every landed migration: every table replicated, every DDL on the cluster, no Distributed table', () => {
    const statements = readMigrations(`${repoRoot}/schemas/clickhouse`).flatMap((m) => migrationStatements(m, 'dr'));
    const out = statements.map((s) => translateForCluster(s, t));
    const tables = statements.filter((s) => /^CREATE TABLE/i.test(s));
    expect(tables.length).toBeGreaterThanOrEqual(11);
    for (const s of out) expect(s, s.slice(0, 80)).toMatch(/ON CLUSTER downradar/);
    const created = out.filter((x) => /^CREATE TABLE/i.test(x));
    expect(created).toHaveLength(tables.length);
    for (const s of created) expect(s).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/dr\/\w+', '\{replica\}'/);
    for (const s of out) expect(s).not.toMatch(/_dist\b|Distributed\(/);
  });
});
