/**
 * A whole downradar system for system and browser tests: every service as its own process,
 * against the real Kafka and ClickHouse, with its own topic prefix, its own ClickHouse database,
 * its own consumer groups and its own ports, so it runs beside the demo and beside other tests
 * without touching them. stop() tears it all down.
 */
import { spawn } from 'node:child_process';
import { createClickHouse, createKafka, deleteTopicsWithPrefix, ensureTopics, hashApiKey, migrate, newApiKey, repoRoot, servicesAccountFromEnv } from '@downradar/common';
import { CLICKHOUSE_URL, KAFKA_BROKERS, freePort, testDatabase, testPrefix } from '@downradar/common/testing';
import { serviceUrl, startServices, stopServices, type Running } from '../../tools/run/src/processes';

type ServiceName = 'ingest' | 'api' | 'sink' | 'detector' | 'notifier' | 'sources';

export interface TestSystem {
  name: string;
  prefix: string;
  database: string;
  /** A key with the `feed` scope (ingest's batch and post endpoints). */
  apiKey: string;
  /** A key with the `subscriptions` scope (the notifier's API). */
  subscriptionsKey: string;
  env: NodeJS.ProcessEnv;
  /** Where this system's Kafka and ClickHouse are (the shared stack unless env said otherwise). */
  kafkaBrokers: string[];
  clickhouseUrl: string;
  url(service: ServiceName): string;
  /** Lines the services printed (for failure messages and the secret-in-logs check). */
  logs: string[];
  /** The pid of a running service process (fault drills: RSS, kill -9). */
  pid(service: ServiceName): number;
  /** Send a signal to one service and wait until its process has exited (fault drills). */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Start a service again (after kill), with the same environment; resolves once it is healthy. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `opts.env` may point the system at another stack (DOWNRADAR_KAFKA_BROKERS,
 * DOWNRADAR_CLICKHOUSE_URL, and DOWNRADAR_CLICKHOUSE_PASSWORD_FILE for its services' account):
 * topics, migrations and the clean-up then go there too.
 */
export async function startSystem(
  name: string,
  opts: { services?: string[]; env?: NodeJS.ProcessEnv; keep?: boolean } = {},
): Promise<TestSystem> {
  const prefix = testPrefix(name);
  const database = testDatabase(name);
  const apiKey = newApiKey();
  const subscriptionsKey = newApiKey();
  const ports = {
    DOWNRADAR_INGEST_PORT: String(await freePort()),
    DOWNRADAR_API_PORT: String(await freePort()),
    DOWNRADAR_SINK_PORT: String(await freePort()),
    DOWNRADAR_DETECTOR_PORT: String(await freePort()),
    DOWNRADAR_NOTIFIER_PORT: String(await freePort()),
    // Started only when opts.env names DOWNRADAR_SOURCES (tools/run/src/processes.ts).
    DOWNRADAR_SOURCES_PORT: String(await freePort()),
  };
  const env: NodeJS.ProcessEnv = {
    ...ports,
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_KAFKA_PARTITIONS: '3',
    DOWNRADAR_CLICKHOUSE_DATABASE: database,
    DOWNRADAR_API_KEY_HASHES: `${hashApiKey(apiKey)}:feed,${hashApiKey(subscriptionsKey)}:subscriptions`,
    DOWNRADAR_SINK_GROUP_ID: `${prefix}-sink`,
    DOWNRADAR_DETECTOR_GROUP_ID: `${prefix}-detector`,
    DOWNRADAR_DETECTOR_INCIDENTS_GROUP_ID: `${prefix}-incidents`,
    DOWNRADAR_DETECTOR_INSTANCE: `${prefix}-1`,
    DOWNRADAR_NOTIFIER_GROUP_ID: `${prefix}.notifier`,
    DOWNRADAR_NOTIFIER_SUBSCRIPTIONS_FILE: `/tmp/${prefix}-subscriptions.json`,
    DOWNRADAR_CORS_ORIGIN: `http://127.0.0.1:${ports.DOWNRADAR_API_PORT}`,
    DOWNRADAR_REPORTER_SALT: `salt-${prefix}`,
    DOWNRADAR_LOG_LEVEL: 'info',
    ...opts.env,
  };
  const kafkaBrokers = env.DOWNRADAR_KAFKA_BROKERS ? env.DOWNRADAR_KAFKA_BROKERS.split(',') : KAFKA_BROKERS;
  const clickhouseUrl = env.DOWNRADAR_CLICKHOUSE_URL ?? CLICKHOUSE_URL;
  env.DOWNRADAR_KAFKA_BROKERS = kafkaBrokers.join(',');
  env.DOWNRADAR_CLICKHOUSE_URL = clickhouseUrl;
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'downradar-test' });
  // As the services' account of that stack (DOWNRADAR_CLICKHOUSE_PASSWORD_FILE in opts.env for another stack).
  // ON CLUSTER DDL waits for every replica (dropping a database of Replicated tables took more
  // than 30 s on a loaded machine): a longer request timeout on a cluster.
  const clickHouse = () =>
    createClickHouse({
      url: clickhouseUrl,
      ...servicesAccountFromEnv({ ...process.env, ...env }),
      ...(env.DOWNRADAR_CLICKHOUSE_CLUSTER ? { requestTimeoutMs: 300_000 } : {}),
    });
  // On a cluster (env from infra/cluster.sh): replicated topics, migrations ON CLUSTER.
  const cluster = env.DOWNRADAR_CLICKHOUSE_CLUSTER || undefined;
  await ensureTopics(kafka, {
    prefix,
    partitions: 3,
    replicationFactor: Number(env.DOWNRADAR_KAFKA_REPLICATION_FACTOR ?? 1),
    minInsyncReplicas: Number(env.DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS ?? 1),
  });
  const ch = clickHouse();
  await migrate(ch, { dir: `${repoRoot}/schemas/clickhouse`, database, ...(cluster ? { cluster } : {}) });
  await ch.close();

  const logs: string[] = [];
  const onLine = (s: string, l: string) => {
    logs.push(`[${s}] ${l}`);
    if (logs.length > 20_000) logs.splice(0, 5_000);
  };
  const start = async (only?: string[]) => {
    let started: Running[] = [];
    try {
      started = await startServices({ ...(only ? { only } : {}), env, onLine, healthTimeoutMs: 120_000 });
      return started;
    } catch (err) {
      await stopServices(started);
      throw new Error(`${(err as Error).message}\n--- last service output ---\n${logs.slice(-40).join('\n')}`);
    }
  };
  const running: Running[] = await start(opts.services);
  const find = (service: ServiceName): Running => {
    const r = running.find((x) => x.name === service);
    if (!r) throw new Error(`${service} is not part of system ${name}`);
    return r;
  };
  return {
    name,
    prefix,
    database,
    apiKey,
    subscriptionsKey,
    env,
    kafkaBrokers,
    clickhouseUrl,
    logs,
    url: (service) => serviceUrl(service, env),
    pid(service) {
      const r = find(service);
      if (r.child.exitCode !== null || r.child.signalCode !== null || r.child.pid === undefined) throw new Error(`${service} is not running`);
      return r.child.pid;
    },
    async kill(service, signal = 'SIGKILL') {
      const r = find(service);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
      await r.exited;
    },
    async restart(service) {
      const r = find(service);
      if (r.child.exitCode === null && r.child.signalCode === null) throw new Error(`${service} is still running`);
      const [fresh] = await start([service]);
      running[running.indexOf(r)] = fresh!;
    },
    async stop() {
      await stopServices(running);
      if (opts.keep) return;
      await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
      const c = clickHouse();
      await c.command({ query: `DROP DATABASE IF EXISTS ${database}${cluster ? ` ON CLUSTER ${cluster}` : ''}` }).catch(() => undefined);
      await c.close();
    },
  };
}

/** Run the replayer CLI against a system's ingest API; resolves with its summary output. */
export async function replayInto(
  system: TestSystem,
  args: string[],
  timeoutMs = 600_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${repoRoot}/services/replay/src/cli.ts`, '--target', 'http', '--ingest-url', system.url('ingest'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...system.env, DOWNRADAR_API_KEY: system.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
