/**
 * The cluster drills' own cluster: three brokers, ZooKeeper and two ClickHouse replicas, started
 * by infra/cluster.sh exactly as `npm run stack:up -- --cluster` starts the user's, but with its
 * own data directory and ports, since the drills kill its servers.
 *
 * Data: <repo>/.data/drills-cluster (DOWNRADAR_DRILLS_CLUSTER_DATA_DIR). Ports: fixed offsets from
 * DOWNRADAR_DRILLS_CLUSTER_PORT_BASE (19100: brokers 19100/19102/19104, controllers +1, ZooKeeper
 * 19110, ClickHouse HTTP 19120/19121, native 19130/19131, interserver 19140/19141; see
 * infra/cluster.sh). The jars are copied from the shared data dir when it has them.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { repoRoot } from '@downradar/common';
import { clusterEnv } from '../../tools/run/src/cluster-env';
import { runScript } from './private-stack';

export type ClusterServer = 'kafka-1' | 'kafka-2' | 'kafka-3' | 'clickhouse-1' | 'clickhouse-2' | 'zookeeper';

export interface ClusterStack {
  dataDir: string;
  portBase: number;
  /** What services need to run on it (infra/cluster.sh's cluster.env). */
  env: Record<string, string>;
  brokers: string[];
  clickhouseUrls: string[];
}

export function drillsCluster(): Pick<ClusterStack, 'dataDir' | 'portBase'> {
  const dataDir = process.env.DOWNRADAR_DRILLS_CLUSTER_DATA_DIR ?? `${repoRoot}/.data/drills-cluster`;
  if (dataDir.replace(/\/+$/, '') === `${repoRoot}/.data`) throw new Error("DOWNRADAR_DRILLS_CLUSTER_DATA_DIR must not be the shared stack's data directory");
  const portBase = Number(process.env.DOWNRADAR_DRILLS_CLUSTER_PORT_BASE ?? 19100);
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65_000) throw new Error(`DOWNRADAR_DRILLS_CLUSTER_PORT_BASE must be a port number below 65000 (got ${portBase})`);
  return { dataDir, portBase };
}

/** Runs infra/cluster.sh on the drills' cluster; rejects with its output when it fails. */
export async function cluster(c: Pick<ClusterStack, 'dataDir' | 'portBase'>, args: string[], onLine?: (line: string) => void): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOWNRADAR_DATA_DIR: c.dataDir, DOWNRADAR_CLUSTER_PORT_BASE: String(c.portBase) };
  // Lists of the user's own cluster must not move the drills' one.
  for (const k of Object.keys(env)) if (/^DOWNRADAR_CLUSTER_(KAFKA|ZOOKEEPER|CLICKHOUSE)_/.test(k)) delete env[k];
  await runScript('infra/cluster.sh', args, env, onLine);
}

/** Copies jars assembled for the same pom from the shared data dir (no second Maven download). */
function reuseJars(dataDir: string): void {
  for (const [dir, pom] of [
    ['kafka/libs', 'infra/kafka/pom.xml'],
    ['zookeeper-libs', 'infra/zookeeper/pom.xml'],
  ] as const) {
    const shared = `${repoRoot}/.data/${dir}`;
    const own = `${dataDir}/${dir}`;
    if (existsSync(`${own}/.pom.sha256`) || !existsSync(`${shared}/.pom.sha256`)) continue;
    const hash = createHash('sha256').update(readFileSync(`${repoRoot}/${pom}`)).digest('hex');
    if (readFileSync(`${shared}/.pom.sha256`, 'utf8').trim() === hash) cpSync(shared, own, { recursive: true });
  }
}

/** Brings the drills' cluster up (idempotent) and returns where it listens. */
export async function clusterUp(onLine?: (line: string) => void): Promise<ClusterStack> {
  const c = drillsCluster();
  reuseJars(c.dataDir);
  await cluster(c, ['up'], onLine);
  const env = clusterEnv(c.dataDir);
  return { ...c, env, brokers: env.DOWNRADAR_KAFKA_BROKERS!.split(','), clickhouseUrls: env.DOWNRADAR_CLICKHOUSE_URL!.split(',') };
}

export const kill9 = (c: ClusterStack, server: ClusterServer) => cluster(c, ['kill9', server]);
export const stopServer = (c: ClusterStack, server: ClusterServer) => cluster(c, ['stop', server]);
export const startServer = (c: ClusterStack, server: ClusterServer) => cluster(c, ['start', server]);
