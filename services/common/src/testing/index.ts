/**
 * Helpers for integration tests against the real stack: throwaway topic prefixes and
 * databases, and reading back what landed, polling instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createKafka, type Kafka, type KafkaMessage } from '../kafka/client';
import { createClickHouse, type ClickHouseClient } from '../clickhouse/client';
import { createLogger, type Logger } from '../logger';

export const KAFKA_BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

/**
 * Where the stack under test is, as service variables. A test that builds a service from an
 * explicit environment (`loadConfig(spec, {...})`, for isolation from the caller's settings)
 * spreads this into it: without it the service falls back to 127.0.0.1:9092 / 8123, which on a
 * machine running several stacks is somebody else's broker and server.
 */
export const STACK_ENV: Readonly<Record<'DOWNRADAR_KAFKA_BROKERS' | 'DOWNRADAR_CLICKHOUSE_URL', string>> = {
  DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
  DOWNRADAR_CLICKHOUSE_URL: CLICKHOUSE_URL,
};

/** A TCP port free on 127.0.0.1 at the moment of asking (the OS picks it; closed again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const randomSuffix = (n = 8) => randomBytes(n).toString('hex').slice(0, n);
export const testPrefix = (name: string) => `t-${name}-${randomSuffix()}`;
export const testDatabase = (name: string) => `t_${name.replace(/[^a-z0-9_]/gi, '_')}_${randomSuffix()}`;

export function testKafka(clientId = 'downradar-test'): Kafka {
  return createKafka({ brokers: KAFKA_BROKERS, clientId });
}

/** A client as the services' account (its password read as the services read it). */
export function testClickHouse(database?: string): ClickHouseClient {
  return createClickHouse({ url: CLICKHOUSE_URL, ...(database ? { database } : {}) });
}

/**
 * A service logger whose lines stay in memory, parsed. A test that provokes faults on purpose
 * (a broker or ClickHouse down) hands it to the service it builds and asserts on what the
 * service said about them, instead of letting them fill the run's output.
 */
export function capturedLogger(service: string, level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(service, level, { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export * from './sql-users';

/** Poll until `check` returns a value (not undefined), or fail with the last state after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every message of a topic, from the beginning to its end as it is now (a topic written without transactions). */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let size = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) size += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (size === 0) return [];
  const got = await readTopic(kafka, topic, size, timeoutMs);
  if (got.length < size) throw new Error(`read ${got.length} of the ${size} messages of ${topic} within ${timeoutMs} ms`);
  return got;
}

/** Read messages of a topic from the beginning until `count` arrived (or timeout). */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomSuffix()}`, maxWaitTimeInMs: 100 });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message);
        if (got.length >= count) done();
      },
    });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Messages of `topic` that consumer group `groupId` has not committed yet (0 once it has
 * processed everything written so far). Tests wait on this, not on time, before they assert
 * that processing had no further effect.
 */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset === '-1' ? '0' : p.offset)]));
    let lag = 0n;
    for (const e of ends) {
      const c = done.get(e.partition) ?? 0n;
      // The end of a topic written without transactions is its high watermark.
      if (BigInt(e.high) > c) lag += BigInt(e.high) - c;
    }
    return Number(lag);
  } finally {
    await admin.disconnect();
  }
}
