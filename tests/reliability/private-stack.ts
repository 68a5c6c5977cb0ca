/**
 * The fault drills' own Kafka broker and ClickHouse server. The drills kill -9 the broker and
 * stop ClickHouse, so they never run against the shared stack (127.0.0.1:9092 / 8123) that the
 * demo, other tests and teammates use: they get a second stack with its own data directory and
 * ports, started and stopped by the same infra scripts.
 *
 * Defaults: data .data/drills, Kafka 19092 (controller 19093), ClickHouse HTTP 18123, native
 * 19000, interserver 19009. DOWNRADAR_DRILLS_DATA_DIR, DOWNRADAR_DRILLS_KAFKA_PORT,
 * DOWNRADAR_DRILLS_CLICKHOUSE_HTTP_PORT, ... move them.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { repoRoot } from '@downradar/common';

export interface PrivateStack {
  dataDir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  clickhouseHttpPort: number;
  clickhouseTcpPort: number;
  clickhouseInterserverPort: number;
  brokers: string;
  clickhouseUrl: string;
}

const SHARED_PORTS = new Set([9092, 9093, 8123, 9000, 9009]);

function port(name: string, fallback: number): number {
  const raw = process.env[`DOWNRADAR_DRILLS_${name}`];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`DOWNRADAR_DRILLS_${name} must be a port number (got "${raw}")`);
  if (SHARED_PORTS.has(n)) throw new Error(`DOWNRADAR_DRILLS_${name}=${n} is a port of the shared stack; the drills kill their servers, so they need their own`);
  return n;
}

export function privateStack(): PrivateStack {
  const kafkaPort = port('KAFKA_PORT', 19092);
  const clickhouseHttpPort = port('CLICKHOUSE_HTTP_PORT', 18123);
  const dataDir = process.env.DOWNRADAR_DRILLS_DATA_DIR ?? `${repoRoot}/.data/drills`;
  if (dataDir.replace(/\/+$/, '') === `${repoRoot}/.data`) throw new Error('DOWNRADAR_DRILLS_DATA_DIR must not be the shared stack\'s data directory');
  return {
    dataDir,
    kafkaPort,
    kafkaControllerPort: port('KAFKA_CONTROLLER_PORT', 19093),
    clickhouseHttpPort,
    clickhouseTcpPort: port('CLICKHOUSE_TCP_PORT', 19000),
    clickhouseInterserverPort: port('CLICKHOUSE_INTERSERVER_PORT', 19009),
    brokers: `127.0.0.1:${kafkaPort}`,
    clickhouseUrl: `http://127.0.0.1:${clickhouseHttpPort}`,
  };
}

/** The variables the infra scripts read, for this stack. */
export function infraEnv(s: PrivateStack): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOWNRADAR_DATA_DIR: s.dataDir,
    DOWNRADAR_KAFKA_PORT: String(s.kafkaPort),
    DOWNRADAR_KAFKA_CONTROLLER_PORT: String(s.kafkaControllerPort),
    DOWNRADAR_CLICKHOUSE_HTTP_PORT: String(s.clickhouseHttpPort),
    DOWNRADAR_CLICKHOUSE_TCP_PORT: String(s.clickhouseTcpPort),
    DOWNRADAR_CLICKHOUSE_INTERSERVER_PORT: String(s.clickhouseInterserverPort),
    DOWNRADAR_KAFKA_BROKERS: s.brokers,
    DOWNRADAR_CLICKHOUSE_URL: s.clickhouseUrl,
  };
}

/** Runs one infra script; rejects with its output when it fails. */
export async function infra(
  s: PrivateStack,
  script: 'stack' | 'kafka' | 'clickhouse',
  command: string,
  onLine?: (line: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<void> {
  const path = script === 'stack' ? 'infra/stack.sh' : `infra/${script}/${script}.sh`;
  const child = spawn('bash', [path, command], { cwd: repoRoot, env: { ...infraEnv(s), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const take = (d: Buffer) => {
    const text = d.toString('utf8');
    out = (out + text).slice(-8000);
    if (onLine) for (const l of text.split('\n')) if (l.trim()) onLine(l);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${path} ${command} exited with ${code}:\n${out}`);
}

/**
 * Brings the private stack up (idempotent). The broker's jars are copied from the shared
 * stack's data dir when it has them for the same pom, so a first run needs no Maven download.
 */
export async function privateStackUp(s: PrivateStack, onLine?: (line: string) => void): Promise<void> {
  const sharedLibs = `${repoRoot}/.data/kafka/libs`;
  const ownLibs = `${s.dataDir}/kafka/libs`;
  if (!existsSync(`${ownLibs}/.pom.sha256`) && existsSync(`${sharedLibs}/.pom.sha256`)) {
    const { createHash } = await import('node:crypto');
    const pomHash = createHash('sha256').update(readFileSync(`${repoRoot}/infra/kafka/pom.xml`)).digest('hex');
    if (readFileSync(`${sharedLibs}/.pom.sha256`, 'utf8').trim() === pomHash) cpSync(sharedLibs, ownLibs, { recursive: true });
  }
  await infra(s, 'stack', 'up', onLine);
}

export const killBroker = (s: PrivateStack) => infra(s, 'kafka', 'kill9');
export const startBroker = (s: PrivateStack) => infra(s, 'kafka', 'up');
/**
 * ClickHouse 18.16 keeps answering queries on open keep-alive connections for as long as it is
 * given after SIGTERM (the sink's inserts went on for the script's full 20 s), so the stop
 * is SIGTERM, 3 s, then SIGKILL: the outage starts when the process is gone.
 */
export const stopClickHouse = (s: PrivateStack) => infra(s, 'clickhouse', 'down', undefined, { DOWNRADAR_CLICKHOUSE_STOP_TIMEOUT_S: '3' });
export const startClickHouse = (s: PrivateStack) => infra(s, 'clickhouse', 'up');
