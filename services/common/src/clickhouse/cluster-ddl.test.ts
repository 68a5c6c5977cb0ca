import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lifecycle';
import { shardingKey, translateForCluster } from './cluster-ddl';
import { migrationStatements, readMigrations } from './migrations';

const t = { cluster: 'downradar', database: 'dr' };

describe('translateForCluster', () => {
  it('makes a MergeTree table Replicated at its ZooKeeper path, ON CLUSTER, with a Distributed twin', () => {
    const [table, dist] = translateForCluster(
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
    expect(dist).toBe(`CREATE TABLE IF NOT EXISTS dr.scores_dist ON CLUSTER downradar AS dr.scores
ENGINE = Distributed(downradar, dr, scores, sipHash64(service_id))`);
  });

  it('keeps engine arguments out when there are none, and shards tables without a service id by their first key column', () => {
    const [table, dist] = translateForCluster('CREATE TABLE dr.posts (id String, at DateTime) ENGINE = ReplacingMergeTree() ORDER BY (at, id)', t);
    expect(table).toContain(`ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/dr/posts', '{replica}')`);
    expect(table).toMatch(/^CREATE TABLE dr\.posts ON CLUSTER downradar \(/);
    expect(dist).toContain('Distributed(downradar, dr, posts, sipHash64(at))');
    expect(shardingKey('CREATE TABLE x (incident_id String) ENGINE = MergeTree() ORDER BY incident_id')).toBe('sipHash64(incident_id)');
  });

  it('puts views, databases, drops, alters and renames ON CLUSTER; leaves other statements alone', () => {
    expect(translateForCluster('CREATE DATABASE IF NOT EXISTS dr', t)).toEqual(['CREATE DATABASE IF NOT EXISTS dr ON CLUSTER downradar']);
    expect(translateForCluster('CREATE MATERIALIZED VIEW IF NOT EXISTS dr.a_mv TO dr.a\nAS SELECT 1', t)).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS dr.a_mv ON CLUSTER downradar TO dr.a\nAS SELECT 1',
    ]);
    expect(translateForCluster('CREATE VIEW IF NOT EXISTS dr.v\nAS SELECT 1', t)).toEqual(['CREATE VIEW IF NOT EXISTS dr.v ON CLUSTER downradar\nAS SELECT 1']);
    expect(translateForCluster('DROP TABLE IF EXISTS dr.v', t)).toEqual(['DROP TABLE IF EXISTS dr.v ON CLUSTER downradar', 'DROP TABLE IF EXISTS dr.v_dist ON CLUSTER downradar']);
    expect(translateForCluster('ALTER TABLE dr.a ADD COLUMN x UInt8', t)).toEqual(['ALTER TABLE dr.a ON CLUSTER downradar ADD COLUMN x UInt8', 'ALTER TABLE dr.a_dist ON CLUSTER downradar ADD COLUMN x UInt8']);
    expect(translateForCluster('ALTER TABLE dr.a DROP PARTITION 202110', t)).toEqual(['ALTER TABLE dr.a ON CLUSTER downradar DROP PARTITION 202110']);
    expect(translateForCluster('INSERT INTO dr.a SELECT 1', t)).toEqual(['INSERT INTO dr.a SELECT 1']);
    expect(translateForCluster('CREATE TABLE dr.x ON CLUSTER other (a UInt8) ENGINE = Memory', t)).toEqual(['CREATE TABLE dr.x ON CLUSTER other (a UInt8) ENGINE = Memory']);
    expect(() => translateForCluster('SELECT 1', { cluster: 'bad name', database: 'dr' })).toThrow(/cluster name/);
  });

  it('translates every landed migration: every table replicated with a twin, every DDL on the cluster', () => {
    const statements = readMigrations(`${repoRoot}/schemas/clickhouse`).flatMap((m) => migrationStatements(m, 'dr'));
    const out = statements.flatMap((s) => translateForCluster(s, t));
    const tables = statements.filter((s) => /^CREATE TABLE/i.test(s));
    expect(tables.length).toBeGreaterThanOrEqual(11);
    for (const s of out) expect(s, s.slice(0, 80)).toMatch(/ON CLUSTER downradar/);
    for (const s of out.filter((x) => /^CREATE TABLE/i.test(x) && !/_dist ON CLUSTER/.test(x))) expect(s).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/dr\/\w+', '\{replica\}'/);
    expect(out.filter((x) => /^CREATE TABLE IF NOT EXISTS dr\.\w+_dist ON CLUSTER/.test(x))).toHaveLength(tables.length);
    expect(out.find((x) => x.startsWith('CREATE TABLE IF NOT EXISTS dr.reports_dist'))).toContain('sipHash64(service_id)');
  });
});
