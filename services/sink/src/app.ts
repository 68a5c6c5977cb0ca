/**
 * The sink, built from config: Kafka (every topic except the detector's state) -> ClickHouse.
 * main.ts runs it (common's runService); tests and the benchmark build it with their own topic
 * prefix and database.
 */
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import {
  createClickHouse,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createProducer,
  ensureTopics,
  migrate,
  repoRoot,
  runConsumer,
  servicesAccount,
  topicNames,
  type ClickHouseClient,
  type ConsumerRunner,
  type Logger,
  type Producer,
  type Service,
} from '@downradar/common';
import { createHttpApp, opsRoutes } from '@downradar/common/http';
import { BEHIND_MESSAGES, createBatchHandler, type SinkStats } from './batch-handler';
import type { SinkConfig } from './config';
import { SINK_TOPICS } from './rows';
import { createTopicCadence, type TopicCadence } from './topic-cadence';

/** start: migrate (if configured), serve /healthz, /readyz and /metrics, join the consumer group. stop: drain, then close every client. */
export interface Sink extends Service {
  readonly stats: SinkStats;
  readonly registry: Registry;
  /** The HTTP port actually bound (after start; useful with sinkPort 0). */
  readonly port: number;
  readonly topics: string[];
}

export interface SinkOverrides {
  logger?: Logger;
  registry?: Registry;
  clientId?: string;
}

/**
 * Applies schemas/clickhouse to the sink's database (idempotent): in start(), or once in the
 * primary when the sink runs as several processes (main.ts). The account is the services' one,
 * its password from the variable or the password file, as for the inserts.
 */
export async function migrateSinkSchema(config: SinkConfig, logger: Logger, clickhouse?: ClickHouseClient): Promise<void> {
  const ch = clickhouse ?? createClickHouse({ url: config.clickhouseUrl, ...servicesAccount(config), requestTimeoutMs: config.sinkInsertTimeoutMs, logger });
  try {
    const r = await migrate(ch, {
      dir: `${repoRoot}/schemas/clickhouse`,
      database: config.clickhouseDatabase,
      cluster: config.clickhouseCluster,
      log: (line) => logger.info(`migrate: ${line}`),
    });
    logger.info({ applied: r.applied.length, server: r.serverVersion }, 'schema up to date');
  } finally {
    if (!clickhouse) await ch.close();
  }
}

export function createSinkService(config: SinkConfig, overrides: SinkOverrides = {}): Sink {
  const logger = overrides.logger ?? createLogger('sink', config.logLevel);
  const registry = overrides.registry ?? createMetricsRegistry('sink');
  const names = topicNames(config.topicPrefix);
  const topics = SINK_TOPICS.map((k) => names[k]);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: overrides.clientId ?? 'downradar-sink', logger });
  const clickhouse: ClickHouseClient = createClickHouse({
    url: config.clickhouseUrl,
    ...servicesAccount(config),
    requestTimeoutMs: config.sinkInsertTimeoutMs,
    logger,
  });
  // Dead letters are published with acks=all before the offsets move; short retries, the batch
  // retry of the consumer runner is the outer loop.
  const producer: Producer = createProducer({ kafka, logger, retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 2000 } });
  const handler = createBatchHandler({
    clickhouse,
    database: config.clickhouseDatabase,
    producer,
    topics: names,
    logger,
    registry,
    flushIntervalMs: config.sinkFlushIntervalMs,
    trace: config.sinkTrace,
    decodeThreads: config.sinkDecodeThreads,
    // On a cluster: insert_quorum, and no block deduplication. Retried inserts are made harmless
    // by the tables (ReplacingMergeTree on the event id, uniqExact rollups), not by the replicated
    // engine's block hashes: those drop a retried block whole, materialized views included, and
    // when the first attempt had written the table but not its view (a replica killed between
    // the two), the rollup lost those rows for good (the cluster drill's replica kill: 16 reports
    // in the raw table on both replicas, missing from report_volume_1m on both).
    ...(config.sinkInsertQuorum > 0
      ? {
          insertSettings: {
            insert_quorum: String(config.sinkInsertQuorum),
            insert_quorum_timeout: config.sinkInsertQuorumTimeoutMs,
            insert_deduplicate: 0,
          },
        }
      : {}),
  });
  let runners: ConsumerRunner[] = [];
  let stopped = false;
  // The detector's outputs at their own, slower cadence on a live stream (topic-cadence.ts).
  const cadence: TopicCadence | null =
    config.sinkDetectorIntervalMs > 0
      ? createTopicCadence({
          topics: [names.scores, names.alerts, names.trends],
          intervalMs: config.sinkDetectorIntervalMs,
          behindMessages: BEHIND_MESSAGES,
          consumers: () => runners.map((r) => r.consumer),
          logger,
        })
      : null;
  const handleBatch: typeof handler.handleBatch = cadence
    ? (batch) => {
        cadence.onBatch(batch);
        return handler.handleBatch(batch);
      }
    : handler.handleBatch;
  let port = config.sinkPort;
  const http = createHttpApp({ logger });
  // Liveness: the consumer runs (ClickHouse being down is reported but does not fail it: the
  // sink waits for it by design). Readiness: inserts go through.
  void http.register(opsRoutes, {
    registry,
    live: () => ({
      ok: runners.length > 0 && !stopped,
      status: stopped ? 'stopped' : runners.length > 0 ? (handler.stats.failing ? 'waiting for clickhouse' : 'ok') : 'starting',
      batches: handler.stats.batches,
      messages: handler.stats.messages,
      lastBatchAt: handler.stats.lastBatchAt || null,
    }),
    ready: () => ({
      ok: runners.length > 0 && !stopped && !handler.stats.failing,
      status: stopped ? 'stopped' : handler.stats.failing ? 'inserts failing' : runners.length > 0 ? 'ready' : 'starting',
      failing: handler.stats.failing,
      lastError: handler.stats.lastError,
    }),
  });

  return {
    stats: handler.stats,
    registry,
    topics,
    get port() {
      return port;
    },
    async start() {
      if (config.sinkMigrate) await migrateSinkSchema(config, logger, clickhouse);
      // The decoding threads (if any) load their code in the background meanwhile (started with
      // the handler); until they have, the main thread maps every batch: serving and consuming
      // do not wait for them.
      await http.listen({ host: config.sinkHost, port: config.sinkPort });
      port = (http.server.address() as AddressInfo).port;
      // Subscribing to a topic the broker does not have fails: create what is missing (idempotent).
      await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas });
      // Several members of the group in one process share one handler, so their rows still go
      // in as one insert at a time; what they add is overlap: one member fetches and maps the
      // next batches while the other's are being inserted (a kafkajs member waits for its
      // batches before it fetches again).
      const started = await Promise.allSettled([
        producer.connect().then(() => null),
        ...Array.from({ length: config.sinkConsumers }, () =>
          runConsumer({
            kafka,
            groupId: config.sinkGroupId,
            topics,
            logger,
            fromBeginning: true,
            sessionTimeoutMs: config.sinkSessionTimeoutMs,
            concurrency: config.sinkConcurrency,
            maxChunk: config.sinkMaxChunk,
            maxBytes: config.sinkFetchMaxBytes,
            maxBytesPerPartition: Math.max(4 * 1024 * 1024, Math.floor(config.sinkFetchMaxBytes / 4)),
            minBytes: config.sinkFetchMinBytes,
            maxWaitTimeInMs: config.sinkFetchMaxWaitMs,
            handleBatch,
          }),
        ),
      ]);
      runners = started.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason; // the caller's stop() closes what did start
      cadence?.start();
      logger.info({ topics, group: config.sinkGroupId, database: config.clickhouseDatabase, port, detectorIntervalMs: config.sinkDetectorIntervalMs }, 'sink started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      cadence?.stop();
      await Promise.all(runners.map((r) => r.stop()));
      await handler.close();
      await producer.close();
      await clickhouse.close();
      await http.close();
      logger.info({ batches: handler.stats.batches, messages: handler.stats.messages }, 'sink stopped');
    },
  };
}
