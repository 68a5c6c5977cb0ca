/**
 * The fault drills' own Kafka broker and ClickHouse server. The drills kill -9 the broker and
 * stop ClickHouse, so they never run against the shared stack (127.0.0.1:9092 / 8123) that the
 * demo, other tests and teammates use: they get a second stack with its own data directory and
 * ports, started and stopped by the same infra scripts.
 *
 * Data: <repo>/.data/drills (DOWNRADAR_DRILLS_DATA_DIR). Ports: DOWNRADAR_DRILLS_KAFKA_PORT,
 * _KAFKA_CONTROLLER_PORT, _CLICKHOUSE_HTTP_PORT, _CLICKHOUSE_TCP_PORT, _CLICKHOUSE_INTERSERVER_PORT
 * when set; otherwise the ports this data dir ran with last time, or 19092/19093 and
 * 18123/19000/19009 the first time; and where one of those is taken by something else (a second
 * checkout running its own drills), free ports picked at start.
 *
 * The drills stop at the end the servers they started (privateStackDown), and leave running a
 * private stack that ran before them; `npm run stack:down` and `stack:status` cover it too.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  /** The servers privateStackUp found stopped and started: privateStackDown stops these, and only these. */
  startedHere?: ('kafka' | 'clickhouse')[];
}

type PortKey = 'kafkaPort' | 'kafkaControllerPort' | 'clickhouseHttpPort' | 'clickhouseTcpPort' | 'clickhouseInterserverPort';
const PORTS: [key: PortKey, variable: string, fallback: number][] = [
  ['kafkaPort', 'KAFKA_PORT', 19092],
  ['kafkaControllerPort', 'KAFKA_CONTROLLER_PORT', 19093],
  ['clickhouseHttpPort', 'CLICKHOUSE_HTTP_PORT', 18123],
  ['clickhouseTcpPort', 'CLICKHOUSE_TCP_PORT', 19000],
  ['clickhouseInterserverPort', 'CLICKHOUSE_INTERSERVER_PORT', 19009],
];
const SHARED_PORTS = new Set([9092, 9093, 8123, 9000, 9009]);

/** The ports a data dir's servers were last started with (the infra scripts write them there). */
function savedPorts(dataDir: string): Partial<Record<PortKey, number>> {
  const out: Partial<Record<PortKey, number>> = {};
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const props = read(`${dataDir}/kafka/server.properties`);
  const k = /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:(\d+),CONTROLLER:\/\/127\.0\.0\.1:(\d+)/m.exec(props);
  if (k) [out.kafkaPort, out.kafkaControllerPort] = [Number(k[1]), Number(k[2])];
  const xml = read(`${dataDir}/clickhouse/config.xml`);
  const tag = (name: string) => Number(new RegExp(`<${name}>(\\d+)</${name}>`).exec(xml)?.[1] ?? Number.NaN);
  for (const [key, name] of [
    ['clickhouseHttpPort', 'http_port'],
    ['clickhouseTcpPort', 'tcp_port'],
    ['clickhouseInterserverPort', 'interserver_http_port'],
  ] as const) {
    const n = tag(name);
    if (Number.isInteger(n)) out[key] = n;
  }
  return out;
}

function withUrls(s: Omit<PrivateStack, 'brokers' | 'clickhouseUrl'>): PrivateStack {
  return { ...s, brokers: `127.0.0.1:${s.kafkaPort}`, clickhouseUrl: `http://127.0.0.1:${s.clickhouseHttpPort}` };
}

export function privateStack(): PrivateStack {
  const dataDir = process.env.DOWNRADAR_DRILLS_DATA_DIR ?? `${repoRoot}/.data/drills`;
  if (dataDir.replace(/\/+$/, '') === `${repoRoot}/.data`) throw new Error("DOWNRADAR_DRILLS_DATA_DIR must not be the shared stack's data directory");
  const saved = savedPorts(dataDir);
  const ports = {} as Record<PortKey, number>;
  for (const [key, variable, fallback] of PORTS) {
    const raw = process.env[`DOWNRADAR_DRILLS_${variable}`];
    const n = raw === undefined ? (saved[key] ?? fallback) : Number(raw);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`DOWNRADAR_DRILLS_${variable} must be a port number (got "${raw}")`);
    if (SHARED_PORTS.has(n)) throw new Error(`DOWNRADAR_DRILLS_${variable}=${n} is a port of the shared stack; the drills kill their servers, so they need their own`);
    ports[key] = n;
  }
  return withUrls({ dataDir, ...ports });
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
    // Its own services' password (infra/clickhouse/users.sh keeps it in the data dir), whatever
    // file the environment names for the shared stack: stack.sh's migrations log in with it.
    DOWNRADAR_CLICKHOUSE_PASSWORD_FILE: `${s.dataDir}/clickhouse-password`,
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
  await runScript(path, [command], { ...infraEnv(s), ...extraEnv }, onLine);
}

/** Runs a script of the repository with bash; each output line goes to `onLine`; rejects with the output's tail when it fails. */
export async function runScript(path: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<void> {
  const child = spawn('bash', [path, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const take = (d: Buffer) => {
    const text = d.toString('utf8');
    out = (out + text).slice(-8000);
    if (onLine) for (const l of text.split('\n')) if (l.trim()) onLine(l);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`${path} ${args.join(' ')} exited with ${code}:\n${out}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function running(s: PrivateStack, script: 'kafka' | 'clickhouse'): Promise<boolean> {
  return infra(s, script, 'status').then(
    () => true,
    () => false,
  );
}

/**
 * Brings the private stack up (idempotent) and returns where it listens: the ports of servers
 * already running from this data dir, else the wanted ports, except that a port taken by
 * something else is replaced by a free one (unless it was set explicitly). The broker's jars are
 * copied from the shared stack's data dir when it has them for the same pom, so a first run
 * needs no Maven download.
 */
export async function privateStackUp(wanted: PrivateStack, onLine?: (line: string) => void): Promise<PrivateStack> {
  const sharedLibs = `${repoRoot}/.data/kafka/libs`;
  const ownLibs = `${wanted.dataDir}/kafka/libs`;
  if (!existsSync(`${ownLibs}/.pom.sha256`) && existsSync(`${sharedLibs}/.pom.sha256`)) {
    const { createHash } = await import('node:crypto');
    const pomHash = createHash('sha256').update(readFileSync(`${repoRoot}/infra/kafka/pom.xml`)).digest('hex');
    if (readFileSync(`${sharedLibs}/.pom.sha256`, 'utf8').trim() === pomHash) cpSync(sharedLibs, ownLibs, { recursive: true });
  }
  const s = { ...wanted };
  const startedHere: ('kafka' | 'clickhouse')[] = [];
  const groups: ['kafka' | 'clickhouse', PortKey[]][] = [
    ['kafka', ['kafkaPort', 'kafkaControllerPort']],
    ['clickhouse', ['clickhouseHttpPort', 'clickhouseTcpPort', 'clickhouseInterserverPort']],
  ];
  for (const [server, keys] of groups) {
    if (await running(s, server)) continue;
    startedHere.push(server);
    for (const key of keys) {
      const variable = PORTS.find(([k]) => k === key)![1];
      if (process.env[`DOWNRADAR_DRILLS_${variable}`] !== undefined || (await portFree(s[key]))) continue;
      const port = await anyFreePort();
      onLine?.(`port ${s[key]} for the drills' ${server} is taken; using ${port}`);
      s[key] = port;
    }
  }
  try {
    await infra(withUrls(s), 'stack', 'up', onLine);
  } catch (err) {
    // A half-started stack (say ClickHouse up, then a failed migration) has no caller to stop
    // it: the test's afterAll only sees a stack that came up. Stop what this call started.
    await privateStackDown({ ...withUrls({ ...s, ...savedPorts(s.dataDir) }), startedHere }).catch((e: Error) =>
      onLine?.(`stopping the half-started drills stack failed too: ${e.message.split('\n')[0]}`),
    );
    throw err;
  }
  // What runs now is what the generated config files say (an already running server keeps its ports).
  return { ...withUrls({ ...s, ...savedPorts(s.dataDir) }), startedHere };
}

/**
 * Stops what privateStackUp started (a run leaves running only what ran before it), and with
 * `all` every server of the private stack.
 */
export async function privateStackDown(s: PrivateStack, opts: { all?: boolean; onLine?: (line: string) => void } = {}): Promise<void> {
  const servers = opts.all ? (['kafka', 'clickhouse'] as const) : (s.startedHere ?? []);
  await Promise.all(servers.map((server) => infra(s, server, 'down', opts.onLine)));
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
