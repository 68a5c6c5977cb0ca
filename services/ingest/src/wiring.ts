import { clusterRole, dataDir, createKafka, type Logger, type Service, reporterHasher, reporterSalt, createLogger, createMetricsRegistry, createProducer, ensureTopics, loadApiKeys, loadConfig, topicNames, warnUnscopedKeys, type ConfigOf } from '@downradar/common';
import type { FastifyInstance } from 'fastify';
import { loadCatalog } from '../../../schemas/catalog/index';
import { createUnderstanding } from '@downradar/nlp';
import { buildApp, type Understanding } from './app';
import { ingestConfigSpec } from './config';

export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;

/**
 * The ingest app and its producer, built from configuration (tests use it with `app.inject` or
 * listen themselves); `waitForKafka: false` skips creating topics and connecting, for tests of a
 * broker that is not there.
 */
export async function buildIngest(config: IngestConfig = loadConfig(ingestConfigSpec), opts: { waitForKafka?: boolean; logger?: Logger } = {}) {
  const waitForKafka = opts.waitForKafka ?? true;
  const logger = opts.logger ?? createLogger('ingest', config.logLevel);
  const registry = createMetricsRegistry('ingest');
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-ingest', logger });
  const topics = topicNames(config.topicPrefix);
  if (waitForKafka) await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas, only: ['reports', 'posts', 'signals', 'dlq'] });
  // Short producer retries: a caller is waiting, and a 503 it can retry beats a hung request.
  // A request that failed anyway is repeated as it was (retryFailedRequests) while the caller
  // gets its 503: the broker may have written it, and only the same producer id and sequence
  // numbers let the broker drop the second copy (app.ts joins the caller's retry to it).
  const producer = createProducer({
    kafka,
    logger,
    lingerMs: config.producerLingerMs,
    flushOnAck: config.producerFlushOnAck,
    maxRequestBytes: config.producerMaxRequestBytes,
    producers: config.producerConnections,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    retryFailedRequests: true,
  });
  if (waitForKafka) await producer.connect();
  const catalog = loadCatalog();
  const nlp = createUnderstanding({ catalog });
  const understanding: Understanding = {
    signalForReport: (r) => nlp.signalForReport(r),
    readPost: (p) => nlp.readPost(p, p.receivedAt),
  };
  const apiKeys = loadApiKeys({ hashes: config.apiKeyHashes, file: config.apiKeysFile ?? `${dataDir}/api-keys` });
  warnUnscopedKeys(apiKeys, logger);
  const admin = kafka.admin();
  let adminConnected = false;
  const app = await buildApp({
    options: config,
    producer,
    topics,
    understanding,
    services: { problemsOf: (id) => catalog.get(id)?.problems },
    hashReporter: reporterHasher(reporterSalt(config.reporterSalt)),
    apiKeys,
    logger,
    registry,
    fastReports: config.ingestFastReports,
    kafkaReady: async () => {
      if (!adminConnected) {
        await admin.connect();
        adminConnected = true;
      }
      const d = await admin.describeCluster();
      return d.brokers.length > 0;
    },
  });
  app.addHook('onClose', async () => {
    await producer.close();
    if (adminConnected) await admin.disconnect().catch(() => undefined);
  });
  return { app, producer, logger, config };
}

/** The ingest process: buildIngest, listening on DOWNRADAR_INGEST_HOST:PORT. */
export function createIngestService(config: IngestConfig, deps: { logger: Logger }): Service {
  let app: FastifyInstance | undefined;
  return {
    async start() {
      app = (await buildIngest(config, { logger: deps.logger })).app;
      app.server.keepAliveTimeout = 65_000;
      app.server.requestTimeout = 30_000;
      await app.listen({ host: config.ingestHost, port: config.ingestPort });
      const role = clusterRole(config.ingestProcesses);
      deps.logger.info({ url: `http://${config.ingestHost}:${config.ingestPort}`, worker: role.processes > 1 ? role.index : undefined }, 'ingest listening');
    },
    async stop() {
      await app?.close();
    },
  };
}
