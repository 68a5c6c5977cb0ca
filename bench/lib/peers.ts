/**
 * The peers the benchmarks measure downradar against, in the same run (issue 17): what the broker
 * and ClickHouse do with their own clients on this machine at this moment, so that a figure taken
 * while other work loads the machine still says something as a ratio.
 *
 *  - Kafka's own producer and consumer (ProducerPerformance, ConsumerPerformance from Maven
 *    Central's kafka-tools of the broker's version, `infra/kafka/kafka.sh tools`), on the JVM
 *    that runs the broker;
 *  - librdkafka through kcat (Debian's package, installed by infra/setup.sh);
 *  - clickhouse-client reading a file into a table (the native protocol, ClickHouse's own parser).
 *
 * Every function spawns the tool, times it around the process where the tool does not report its
 * own rate, and rejects with the tool's stderr when it fails.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import os from 'node:os';
import { clickhouseDir } from '@downradar/common/testing';
import { REPO_ROOT } from './processes';
import { runMeasured } from './cpu';

const DATA_DIR = process.env.DOWNRADAR_DATA_DIR ?? `${REPO_ROOT}/.data`;

export const brokersFromEnv = (): string => process.env.DOWNRADAR_KAFKA_BROKERS ?? `127.0.0.1:${process.env.DOWNRADAR_KAFKA_PORT ?? 9092}`;

let toolsDir: string | undefined;

/** The kafka-tools classpath for the broker's version (assembled on first use, then cached). */
export function kafkaToolsDir(): string {
  toolsDir ??= execFileSync('bash', [`${REPO_ROOT}/infra/kafka/kafka.sh`, 'tools'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return toolsDir;
}

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(`${home}/bin/java`) ? `${home}/bin/java` : 'java';
}

interface Ran {
  stdout: string;
  stderr: string;
  ms: number;
  /** CPU seconds of the tool and its children. */
  cpuS: number;
}

const run = (cmd: string, args: string[], opts: { stdinFile?: string; timeoutMs?: number } = {}): Promise<Ran> => runMeasured(cmd, args, opts);

function javaTool(main: string, args: string[], timeoutMs: number): Promise<Ran> {
  // The broker's own log4j2 file (WARN and up) keeps the clients quiet.
  const log4j = `${DATA_DIR}/kafka/log4j2.properties`;
  return run(javaBin(), [...(existsSync(log4j) ? [`-Dlog4j2.configurationFile=${log4j}`] : []), '-cp', `${kafkaToolsDir()}/*`, main, ...args], { timeoutMs });
}

export interface JavaProduceOptions {
  brokers?: string;
  topic: string;
  records: number;
  /** Lines of this file are the payloads (the tool picks them at random); else recordSize random bytes. */
  payloadFile?: string;
  recordSize?: number;
  /** Producer properties (acks, enable.idempotence, linger.ms, batch.size, ...). */
  props?: Record<string, string | number>;
  /** Commit a transaction at least this often (a transactional producer, as the detector's). */
  transactionDurationMs?: number;
}

/**
 * Kafka's Java producer at full speed (`--throughput -1`): records/s as the tool reports it for the
 * whole run. Records have no key (the tool's default), so the producer's sticky partitioner fills
 * one batch at a time: its best case.
 */
export async function javaProduce(o: JavaProduceOptions): Promise<{ perS: number; cpuS: number; line: string }> {
  const props = { acks: 'all', 'enable.idempotence': 'true', ...o.props };
  const args = [
    '--bootstrap-server', o.brokers ?? brokersFromEnv(),
    '--topic', o.topic,
    '--num-records', String(o.records),
    '--throughput', '-1',
    ...(o.payloadFile ? ['--payload-file', o.payloadFile] : ['--record-size', String(o.recordSize ?? 200)]),
    ...(o.transactionDurationMs ? ['--transaction-duration-ms', String(o.transactionDurationMs)] : []),
    '--command-property', ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ];
  const r = await javaTool('org.apache.kafka.tools.ProducerPerformance', args, 600_000);
  // "500000 records sent, 24895.4 records/sec (4.75 MB/sec), 4853.36 ms avg latency, ..."
  const line = r.stdout.split('\n').filter((l) => / records sent, .* records\/sec/.test(l)).pop();
  const m = line?.match(/^(\d+) records sent, ([\d.]+) records\/sec/);
  if (!m || Number(m[1]) !== o.records) throw new Error(`ProducerPerformance said: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  return { perS: Number(m[2]), cpuS: r.cpuS, line: line!.trim() };
}

/**
 * Kafka's Java consumer reading `records` records of a topic (or, with `include`, of every topic
 * the regex `topic` matches) from the beginning, in a group of its own. `perS` is the tool's fetch rate (after the group joined: the steady pace), `withJoinPerS`
 * the rate over the whole run including the join.
 */
export async function javaConsume(o: { brokers?: string; topic: string; records: number; timeoutMs?: number; include?: boolean }): Promise<{ perS: number; withJoinPerS: number; cpuS: number; line: string }> {
  const args = [
    '--bootstrap-server', o.brokers ?? brokersFromEnv(),
    // include: `topic` is a Java regex of several topics, read by one consumer (records = their sum)
    ...(o.include ? ['--include', o.topic] : ['--topic', o.topic]),
    '--num-records', String(o.records),
    '--timeout', String(o.timeoutMs ?? 60_000),
    '--group', `bench-java-consumer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  ];
  const r = await javaTool('org.apache.kafka.tools.ConsumerPerformance', args, 600_000);
  // header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = r.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d/.test(l)).pop();
  const cols = line?.split(',').map((c) => c.trim());
  if (!cols || cols.length < 10 || Number(cols[4]) < o.records) throw new Error(`ConsumerPerformance said: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  return { perS: Number(cols[9]), withJoinPerS: Number(cols[5]), cpuS: r.cpuS, line: line!.trim() };
}

/**
 * librdkafka (kcat) producing every line of `file` ("key<TAB>value") with acks=all and
 * idempotence, timed around the process (connection and metadata included).
 */
export async function kcatProduce(o: { brokers?: string; topic: string; file: string; lines: number; props?: Record<string, string | number> }): Promise<{ perS: number; ms: number; cpuS: number }> {
  const props = { acks: 'all', 'enable.idempotence': 'true', 'linger.ms': 5, ...o.props };
  const args = ['-P', '-b', o.brokers ?? brokersFromEnv(), '-t', o.topic, '-K', '\t', '-l', ...Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`]), o.file];
  const r = await run('kcat', args, { timeoutMs: 600_000 });
  if (/error|fail/i.test(r.stderr)) throw new Error(`kcat produce: ${r.stderr.slice(-1000)}`);
  return { perS: o.lines / (r.ms / 1000), ms: r.ms, cpuS: r.cpuS };
}

/** librdkafka (kcat) reading `records` messages from the beginning of a topic, timed around the process. */
export async function kcatConsume(o: { brokers?: string; topic: string; records: number }): Promise<{ perS: number; ms: number; cpuS: number }> {
  const args = ['-C', '-b', o.brokers ?? brokersFromEnv(), '-t', o.topic, '-o', 'beginning', '-e', '-q', '-c', String(o.records), '-f', '%o\n'];
  const r = await run('kcat', args, { timeoutMs: 600_000 });
  const got = r.stdout.split('\n').filter(Boolean).length;
  if (got < o.records) throw new Error(`kcat consume: ${got} of ${o.records} messages: ${r.stderr.slice(-1000)}`);
  return { perS: o.records / (r.ms / 1000), ms: r.ms, cpuS: r.cpuS };
}

/** clickhouse-client reading `file` into `table` in `format`, timed around the process. */
export async function clickhouseClientInsert(o: { database: string; table: string; file: string; format: string; rows: number }): Promise<{ perS: number; ms: number; cpuS: number }> {
  // As the services' account, through the client config the stack writes (port, user and password in it).
  const args = ['--config-file', `${clickhouseDir()}/services-client.xml`, '--database', o.database, '--query', `INSERT INTO ${o.table} FORMAT ${o.format}`];
  const r = await run('clickhouse-client', args, { stdinFile: o.file, timeoutMs: 600_000 });
  return { perS: o.rows / (r.ms / 1000), ms: r.ms, cpuS: r.cpuS };
}

/** clickhouse-client writing what `query` returns (e.g. `SELECT * FROM t FORMAT Native`) into `file`. */
export async function clickhouseClientQueryToFile(o: { database: string; query: string; file: string; timeoutMs?: number }): Promise<void> {
  const fd = openSync(o.file, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('clickhouse-client', ['--config-file', `${clickhouseDir()}/services-client.xml`, '--database', o.database, '--query', o.query], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`clickhouse-client ${o.query.slice(0, 80)} exited ${code ?? signal}: ${stderr}`));
      });
    });
  } finally {
    closeSync(fd);
  }
}

/** "0.34" with three decimals, or "n/a" when the peer gave nothing. */
export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? Number((a / b).toFixed(3)) : NaN;
}

/**
 * Bare kafkajs (bench/lib/kafkajs-peer.ts) producing every line of `file` ("topic<TAB>key<TAB>value")
 * from `processes` processes that split the file and start together; messages/s from the first
 * start to the last end.
 */
export async function kafkajsProduce(o: { brokers?: string; file: string; batch: number; inFlight: number; processes: number; speedups?: boolean }): Promise<{ perS: number; messages: number; cpuS: number }> {
  const children = Array.from({ length: o.processes }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', `${REPO_ROOT}/bench/lib/kafkajs-peer.ts`, o.brokers ?? brokersFromEnv(), o.file, String(o.batch), String(o.inFlight), String(i), String(o.processes)], {
      cwd: REPO_ROOT,
      env: { ...process.env, DOWNRADAR_BENCH_KAFKAJS_SPEEDUPS: o.speedups ? '1' : '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const outputs = children.map(
    (child) =>
      new Promise<string[]>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
        child.on('exit', (code) => (code === 0 ? resolve(out.split('\n')) : reject(new Error(`kafkajs peer exited ${code}: ${err}`))));
      }),
  );
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        const onData = (d: Buffer) => {
          if (d.toString().includes('ready')) {
            child.stdout!.off('data', onData);
            resolve();
          }
        };
        child.stdout!.on('data', onData);
      }),
  );
  await Promise.race([Promise.all(ready), Promise.all(outputs)]);
  for (const child of children) child.stdin!.write('go\n');
  const results = (await Promise.all(outputs)).map((lines) => JSON.parse(lines.find((l) => l.startsWith('{'))!) as { messages: number; startedAt: number; endedAt: number; cpuUs: number });
  const messages = results.reduce((s, r) => s + r.messages, 0);
  const ms = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  return { perS: messages / (ms / 1000), messages, cpuS: results.reduce((s, r) => s + r.cpuUs, 0) / 1e6 };
}

/**
 * Bare kafkajs (bench/lib/kafkajs-consume-peer.ts, its own process and group) reading `records`
 * records of a topic from the beginning with eachBatch, counting them and nothing else. `perS` is
 * records/s from its first fetch request (after the group join) to the last record (the steady
 * pace, as the Java peer's fetch rate), `withJoinPerS` from before connect (join and metadata included); `signals` the
 * binary messages' signals it counted (0 for JSON messages).
 */
export async function kafkajsConsume(o: { brokers?: string; topic: string; records: number }): Promise<{ perS: number; withJoinPerS: number; signals: number; jsonRecords: number; cpuS: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${REPO_ROOT}/bench/lib/kafkajs-consume-peer.ts`, o.brokers ?? brokersFromEnv(), o.topic, String(o.records)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kafkajs consume peer exited ${code}: ${stderr}`))));
  });
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as { records: number; signals: number; jsonRecords: number; startedAt: number; fetchAt: number; endedAt: number; cpuUs: number };
  if (r.records < o.records) throw new Error(`kafkajs consume peer: ${r.records} of ${o.records} records`);
  return {
    perS: r.records / (Math.max(r.endedAt - r.fetchAt, 1) / 1000),
    withJoinPerS: r.records / (Math.max(r.endedAt - r.startedAt, 1) / 1000),
    signals: r.signals,
    jsonRecords: r.jsonRecords,
    cpuS: r.cpuUs / 1e6,
  };
}

/** A plain topic for a peer to write into (deleted with the bench's prefix afterwards). */
export async function createPeerTopic(kafka: import('kafkajs').Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A KRaft broker answers "does not host this topic-partition" for a moment after a create.
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
        await admin.fetchTopicMetadata({ topics: [topic] });
        return;
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The machine's load while a benchmark ran (it is shared; the figures are read with it). */
export function loadAverage(): number {
  return Number((os.loadavg()[0] ?? 0).toFixed(2));
}
