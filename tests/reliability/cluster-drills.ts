/**
 * The cluster drills (issue 14): faults a single node cannot survive, on the cluster of
 * infra/cluster.sh, under the same steady report load as the single-node drills (drills.ts):
 *
 *   1. broker-kill       kill -9 one of the three brokers, start it again
 *   2. replica-kill      kill -9 one of the two ClickHouse replicas, start it again
 *   3. zookeeper-down    kill -9 ZooKeeper for 30 s (short: 10 s), start it again
 *   4. rolling-restart   stop and start each broker in turn, the next one only once every
 *                        partition is fully replicated again
 *
 * After each: every report that got a 202 is in the reports topic exactly once (read_committed),
 * in ClickHouse exactly once (FINAL), and each replica on its own holds exactly the accepted
 * reports (by id, FINAL, and in the rollup): nothing only on one replica, nothing twice. Recovery
 * is timed as in drills.ts: from the end of the fault until every client waiting then had its
 * 202 and ClickHouse held all of those reports.
 *
 * The system under test is ingest and sink (tests/harness/system.ts) started with the cluster's
 * environment: topics with replication 3 and min.insync.replicas 2, migrations ON CLUSTER,
 * both replicas as ClickHouse endpoints, inserts with insert_quorum 2.
 */
import { createClickHouse, createKafka, queryRows, servicesAccountFromEnv, topicNames, type ClickHouseClient, type Kafka } from '@downradar/common';
import { randomSuffix } from '@downradar/common/testing';
import { startSystem, type TestSystem } from '../harness/system';
import { clusterUp, kill9, startServer, stopServer, type ClusterServer, type ClusterStack } from './cluster-stack';
import { NO_RECOVERY, recovered, reportRow, steadyReportLoad, type DrillRow, type DrillScale } from './drills';
import { checkReports } from './verify';

export interface ClusterDrillEnv {
  cluster: ClusterStack;
  reports: TestSystem;
  kafka: Kafka;
  /** Both replicas, failing over (what the services use). */
  ch: ClickHouseClient;
  /** One client per replica, for the per-replica counts. */
  replicas: ClickHouseClient[];
  scale: DrillScale;
  zookeeperDownMs: number;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

export function zookeeperDownMs(kind: 'full' | 'short'): number {
  const raw = process.env.DOWNRADAR_DRILLS_ZOOKEEPER_DOWN_S;
  return raw === undefined ? (kind === 'full' ? 30_000 : 10_000) : Number(raw) * 1000;
}

export async function startClusterDrills(scale: DrillScale, log: (line: string) => void): Promise<ClusterDrillEnv> {
  const started = Date.now();
  const cluster = await clusterUp((l) => log(`  ${l}`));
  log(`drills' cluster up in ${round1((Date.now() - started) / 1000)} s: Kafka ${cluster.brokers.join(',')}, ClickHouse ${cluster.clickhouseUrls.join(',')}, data ${cluster.dataDir}`);
  const reports = await startSystem('cdrill-reports', {
    services: ['ingest', 'sink'],
    env: { ...cluster.env, DOWNRADAR_TRUST_PROXY: 'true' },
  });
  const kafka = createKafka({ brokers: cluster.brokers, clientId: 'downradar-cluster-drills' });
  // The services' account of the drills' cluster: its own password, in its own data dir (cluster.env names the file).
  const account = servicesAccountFromEnv({ ...process.env, ...cluster.env });
  const ch = createClickHouse({ url: cluster.env.DOWNRADAR_CLICKHOUSE_URL!, ...account });
  const replicas = cluster.clickhouseUrls.map((url) => createClickHouse({ url, ...account }));
  // A query over the whole cluster (the cluster() table function, as a read across shards would be
  // made) reaches the replicas as remote_servers' account (the services', with this cluster's
  // password). With prefer_localhost_replica = 0 even the local replica is reached over the network
  // that way, so a remote_servers login the replicas refuse fails here, not in the first such read.
  const clusterName = cluster.env.DOWNRADAR_CLICKHOUSE_CLUSTER!;
  for (const [i, replica] of replicas.entries()) {
    const rows = await queryRows<{ n: string }>(replica, `SELECT count() AS n FROM cluster('${clusterName}', ${reports.database}, reports) SETTINGS prefer_localhost_replica = 0`).catch((err: Error) => {
      throw new Error(`clickhouse-${i + 1}: reading reports through remote_servers failed: ${err.message}`);
    });
    if (rows.length !== 1) throw new Error(`clickhouse-${i + 1}: cluster('${clusterName}', ..., reports) answered ${JSON.stringify(rows)}`);
  }
  log(`both replicas read reports through remote_servers as ${account.username}`);
  return { cluster, reports, kafka, ch, replicas, scale, zookeeperDownMs: zookeeperDownMs(scale.name === 'full' ? 'full' : 'short'), log };
}

export async function stopClusterDrills(env: ClusterDrillEnv | undefined): Promise<void> {
  if (!env) return;
  await env.reports.stop();
  await Promise.all([env.ch, ...env.replicas].map((c) => c.close().catch(() => undefined)));
}

/** Resolves once every partition of the system's topics has all its replicas in sync; returns when. */
async function fullyReplicated(env: ClusterDrillEnv, timeoutMs: number): Promise<number> {
  const topics = Object.values(topicNames(env.reports.prefix));
  const admin = env.kafka.admin();
  const deadline = Date.now() + timeoutMs;
  try {
    await admin.connect();
    for (;;) {
      const lagging = await admin
        .fetchTopicMetadata({ topics })
        .then((md) => md.topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`)))
        .catch((err: Error) => [`metadata: ${err.message}`]);
      if (lagging.length === 0) return Date.now();
      if (Date.now() > deadline) throw new Error(`partitions still under-replicated after ${timeoutMs} ms: ${lagging.slice(0, 5).join(', ')}`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ReplicaCount {
  replica: string;
  /** Accepted reports this replica does not hold / holds twice (FINAL) / its rollup disagrees by. */
  missing: number;
  duplicated: number;
  rollupOff: number;
  distinct: number;
}

/** Each replica on its own: exactly the accepted reports, once each, and a rollup that agrees. */
async function perReplica(env: ClusterDrillEnv, prefix: string, services: string[], accepted: Set<string>): Promise<ReplicaCount[]> {
  const like = `id LIKE '${prefix}-%'`;
  const inServices = services.map((s) => `'${s}'`).join(', ');
  return Promise.all(
    env.replicas.map(async (replica, i) => {
      const name = `clickhouse-${i + 1}`;
      const db = env.reports.database;
      // A replica that was down fetches the parts it missed: wait for it (bounded), then count.
      const deadline = Date.now() + env.scale.settleMs;
      let ids = new Map<string, number>();
      for (;;) {
        const rows = await queryRows<{ id: string; n: string }>(replica, `SELECT id, count() AS n FROM ${db}.reports FINAL WHERE ${like} GROUP BY id`).catch(() => null);
        if (rows) ids = new Map(rows.map((r) => [r.id, Number(r.n)]));
        if ((rows && [...accepted].every((id) => ids.has(id))) || Date.now() > deadline) break;
        await sleep(500);
      }
      const [rollup] = await queryRows<{ n: string }>(
        replica,
        `SELECT sum(n) AS n FROM (SELECT service_id, minute, uniqExactMerge(reports) AS n FROM ${db}.report_volume_1m WHERE service_id IN (${inServices}) GROUP BY service_id, minute)`,
      ).catch(() => [{ n: 'NaN' }]);
      let duplicated = 0;
      for (const n of ids.values()) duplicated += n - 1;
      return {
        replica: name,
        missing: [...accepted].filter((id) => !ids.has(id)).length,
        duplicated,
        rollupOff: Math.abs(Number(rollup?.n) - ids.size),
        distinct: ids.size,
      };
    }),
  );
}

interface Fault {
  /** Describes the fault for the table. */
  fault: string;
  metrics: Record<string, number>;
  notes: string[];
}

/**
 * One drill: the steady load, `lead` of it, the fault (which returns when the faulty part is back),
 * `tail` more load, then every check. Each drill reports on services of its own.
 */
async function underLoad(env: ClusterDrillEnv, drill: string, services: string[], inject: () => Promise<Fault>): Promise<DrillRow> {
  const { scale } = env;
  const prefix = `c${drill.slice(0, 2)}${randomSuffix(6)}`;
  const load = steadyReportLoad(env, prefix, services);
  // Where the load stands every 10 s: a drill that hangs shows where.
  const ticker = setInterval(() => env.log(`${drill}: ${load.started} started, ${load.acceptedCount} accepted, ${load.pending} waiting`), 10_000);
  let result: Awaited<typeof load.done>;
  let faultEnd: number;
  let f: Fault;
  let recoveryS: number;
  try {
    await sleep(scale.leadMs);
    env.log(`${drill}: fault (${load.acceptedCount} accepted so far)`);
    f = await inject();
    faultEnd = Date.now();
    env.log(`${drill}: fault over (${f.fault})`);
    const seqAtEnd = load.started;
    const recovery = recovered(env, load, prefix, seqAtEnd);
    await sleep(scale.tailMs);
    load.stop();
    result = await load.done;
    const { storedAt } = await recovery.catch((err: Error) => {
      env.log(`${drill}: not recovered: ${err.message}`);
      return NO_RECOVERY;
    });
    recoveryS = round1((storedAt - faultEnd) / 1000);
  } finally {
    clearInterval(ticker);
  }
  env.log(`${drill}: load done (${result.accepted.size} accepted of ${result.records.length}), recovery ${recoveryS} s; checking Kafka and both replicas`);
  const check = await checkReports({ kafka: env.kafka, reportsTopic: topicNames(env.reports.prefix).reports, ch: env.ch, database: env.reports.database, prefix, services, accepted: result.accepted, settleMs: scale.settleMs });
  const replicas = await perReplica(env, prefix, services, result.accepted);
  const replicaDup = replicas.reduce((a, r) => a + r.duplicated, 0);
  const row = reportRow(drill, f.fault, result, check, recoveryS, {
    load: `${scale.normalRatePerS}/s single reports for ${round1((result.endedAt - result.startedAt) / 1000)} s: ${result.records.length} sent, ${check.accepted} accepted`,
    metrics: {
      ...f.metrics,
      [`${drill.replaceAll('-', '_')}_recovery_s`]: recoveryS,
      replica_missing_reports: replicas.reduce((a, r) => a + r.missing, 0),
      replica_duplicated_reports: replicaDup,
      replica_rollup_mismatch: replicas.reduce((a, r) => a + r.rollupOff, 0),
    },
    notes: [...f.notes, `per replica (FINAL): ${replicas.map((r) => `${r.replica} ${r.distinct} of ${check.accepted} (missing ${r.missing}, twice ${r.duplicated}, rollup off by ${r.rollupOff})`).join('; ')}`],
  });
  // A report missing on one replica (or from its rollup) is lost to anyone reading that replica:
  // the worst of the views, as in verify.ts (not their sum, which counts one report several times).
  const lost = Math.max(row.lost, ...replicas.map((r) => Math.max(r.missing, r.rollupOff)));
  const duplicated = row.duplicated + replicaDup;
  return { ...row, lost, duplicated, metrics: { ...row.metrics, lost_reports: lost, duplicated_reports: duplicated } };
}

async function downFor(env: ClusterDrillEnv, server: ClusterServer, downMs: number): Promise<{ downS: number; startS: number }> {
  const killedAt = Date.now();
  await kill9(env.cluster, server);
  await sleep(downMs);
  const restartAt = Date.now();
  await startServer(env.cluster, server);
  return { downS: round1((Date.now() - killedAt) / 1000), startS: round1((Date.now() - restartAt) / 1000) };
}

export async function brokerKillDrill(env: ClusterDrillEnv): Promise<DrillRow> {
  return underLoad(env, 'broker-kill', ['facebook', 'whatsapp'], async () => {
    // kafka-1 is the first bootstrap server of every client and leads a third of the partitions.
    const { downS, startS } = await downFor(env, 'kafka-1', env.scale.brokerDownMs);
    const back = Date.now();
    const isrAt = await fullyReplicated(env, env.scale.settleMs);
    const isrS = round1((isrAt - back) / 1000);
    return {
      fault: `kill -9 broker 1 of 3, down ${downS} s`,
      metrics: { broker_down_s: downS, broker_start_s: startS, broker_isr_full_s: isrS },
      notes: [`broker 1 started in ${startS} s; every partition had 3 in-sync replicas again ${isrS} s after that`],
    };
  });
}

export async function replicaKillDrill(env: ClusterDrillEnv): Promise<DrillRow> {
  return underLoad(env, 'replica-kill', ['netflix', 'spotify'], async () => {
    // clickhouse-1 is the endpoint the services use first: they fail over to clickhouse-2, whose
    // inserts cannot reach their quorum of 2 until clickhouse-1 is back.
    const { downS, startS } = await downFor(env, 'clickhouse-1', env.scale.clickhouseDownMs);
    return {
      fault: `kill -9 ClickHouse replica 1 of 2, down ${downS} s`,
      metrics: { replica_down_s: downS, replica_start_s: startS },
      notes: [`replica 1 started in ${startS} s; inserts wait for their quorum of 2 while it is down`],
    };
  });
}

export async function zookeeperDownDrill(env: ClusterDrillEnv): Promise<DrillRow> {
  return underLoad(env, 'zookeeper-down', ['reddit', 'twitter'], async () => {
    const { downS, startS } = await downFor(env, 'zookeeper', env.zookeeperDownMs);
    return {
      fault: `kill -9 ZooKeeper, down ${downS} s`,
      metrics: { zookeeper_down_s: downS, zookeeper_start_s: startS },
      notes: [`ZooKeeper started in ${startS} s; replicated tables are read-only without it, so the sink retried`],
    };
  });
}

export async function rollingRestartDrill(env: ClusterDrillEnv): Promise<DrillRow> {
  return underLoad(env, 'rolling-restart', ['slack', 'discord'], async () => {
    const started = Date.now();
    const steps: string[] = [];
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3'] as const) {
      const t = Date.now();
      await stopServer(env.cluster, broker);
      const stoppedS = round1((Date.now() - t) / 1000);
      await startServer(env.cluster, broker);
      const startedS = round1((Date.now() - t) / 1000);
      await fullyReplicated(env, env.scale.settleMs);
      steps.push(`${broker}: stopped in ${stoppedS} s, up again at ${startedS} s, in sync at ${round1((Date.now() - t) / 1000)} s`);
    }
    const totalS = round1((Date.now() - started) / 1000);
    return { fault: `rolling restart of the 3 brokers, ${totalS} s`, metrics: { rolling_restart_s: totalS }, notes: steps };
  });
}

export type ClusterDrillName = 'broker-kill' | 'replica-kill' | 'zookeeper-down' | 'rolling-restart';
export const CLUSTER_DRILLS: Record<ClusterDrillName, (env: ClusterDrillEnv) => Promise<DrillRow>> = {
  'broker-kill': brokerKillDrill,
  'replica-kill': replicaKillDrill,
  'zookeeper-down': zookeeperDownDrill,
  'rolling-restart': rollingRestartDrill,
};

/** Runs the drills one after another (each fault touches the whole cluster). */
export async function runClusterDrills(env: ClusterDrillEnv, opts: { only?: ClusterDrillName[]; onRow?: (row: DrillRow) => void } = {}): Promise<DrillRow[]> {
  const rows: DrillRow[] = [];
  for (const name of Object.keys(CLUSTER_DRILLS) as ClusterDrillName[]) {
    if (opts.only && !opts.only.includes(name)) continue;
    env.log(`${name}: start`);
    const t = Date.now();
    let row: DrillRow;
    try {
      row = await CLUSTER_DRILLS[name](env);
    } catch (err) {
      row = { drill: name, fault: 'drill failed', load: '', lost: Number.NaN, duplicated: Number.NaN, recoveryS: Number.NaN, metrics: {}, notes: [(err as Error).stack ?? String(err)] };
    }
    env.log(`${name}: done in ${round1((Date.now() - t) / 1000)} s`);
    rows.push(row);
    opts.onRow?.(row);
  }
  return rows;
}

/** drills-cluster.json: totals first, then each drill's own figures. */
export function clusterDrillMetrics(rows: DrillRow[]): Record<string, number> {
  const sum = (k: string) => rows.reduce((a, r) => a + (r.metrics[k] ?? 0), 0);
  const totals: Record<string, number> = {
    lost_reports: sum('lost_reports'),
    duplicated_reports: sum('duplicated_reports'),
    replica_missing_reports: sum('replica_missing_reports'),
    replica_duplicated_reports: sum('replica_duplicated_reports'),
    max_recovery_s: Math.max(...rows.map((r) => r.recoveryS)),
  };
  const per: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r.metrics)) if (!(k in totals) && k !== 'replica_rollup_mismatch') per[k] = (per[k] ?? 0) + v;
  return { ...totals, ...per };
}
