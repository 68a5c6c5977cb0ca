/**
 * A sink on the real stack for integration tests: the test's own topic prefix (topics made with
 * 3 partitions), database and consumer group, on this stack's broker and ClickHouse (STACK_ENV,
 * not the defaults on 9092 and 8123, which may be another stack's), plus a producer to feed it.
 * `env` adds or overrides the sink's settings. closeStackSink stops both and removes the
 * database and the topics.
 */
import { createProducer, deleteTopicsWithPrefix, ensureTopics, loadConfig, type ClickHouseClient, type Kafka, type Logger, type Producer } from '@downradar/common';
import { STACK_ENV } from '@downradar/common/testing';
import { createSinkService, type Sink } from '../app';
import { sinkConfigSpec } from '../config';

export interface StackSinkOptions {
  kafka: Kafka;
  prefix: string;
  db: string;
  groupId: string;
  env?: Record<string, string>;
  logger?: Logger;
}

export async function startStackSink(o: StackSinkOptions): Promise<{ producer: Producer; sink: Sink }> {
  await ensureTopics(o.kafka, { prefix: o.prefix, partitions: 3 });
  const producer = createProducer({ kafka: o.kafka });
  await producer.connect();
  const config = loadConfig(sinkConfigSpec, {
    ...STACK_ENV,
    DOWNRADAR_TOPIC_PREFIX: o.prefix,
    DOWNRADAR_CLICKHOUSE_DATABASE: o.db,
    DOWNRADAR_SINK_PORT: '0',
    DOWNRADAR_SINK_GROUP_ID: o.groupId,
    ...o.env,
  });
  const sink = createSinkService(config, o.logger ? { logger: o.logger } : {});
  await sink.start();
  return { producer, sink };
}

export async function closeStackSink(o: { kafka: Kafka; prefix: string; db: string; ch: ClickHouseClient; sink?: Sink; producer?: Producer }): Promise<void> {
  await o.sink?.stop();
  await o.producer?.close();
  await o.ch.command({ query: `DROP DATABASE IF EXISTS ${o.db}` }).catch(() => undefined);
  await o.ch.close();
  await deleteTopicsWithPrefix(o.kafka, o.prefix);
}
