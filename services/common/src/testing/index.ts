/**
 * Helpers for integration tests against the real stack: throwaway topic prefixes and
 * databases, and reading back what landed, polling instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createKafka } from '../kafka/client';
import { createClickHouse, type ClickHouseClient } from '../clickhouse/client';

export const KAFKA_BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

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
