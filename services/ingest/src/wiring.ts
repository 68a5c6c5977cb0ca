import { dataDir, createKafka, createLogger, createMetricsRegistry, createProducer, ensureTopics, loadApiKeys, loadConfig, topicNames, warnUnscopedKeys, type ConfigOf } from '@downradar/common';
import { loadCatalog } from '../../../schemas/catalog/index';
import { createUnderstanding } from '@downradar/nlp';
import { buildApp, type Understanding } from './app';
import { ingestConfigSpec } from './config';
import { loadOrCreateSalt, reporterHasher } from './reporter-hash';

export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;

/** Build the whole ingest service (app + producer) from configuration. Used by main.ts and tests. */
export async function createIngest(config: IngestConfig = loadConfig(ingestConfigSpec), opts: { waitForKafka?: boolean } = {}) {
  const waitForKafka = opts.waitForKafka ?? true;
  const logger = createLogger('ingest', config.logLevel);
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
    hashReporter: reporterHasher(loadOrCreateSalt(config.reporterSalt, `${dataDir}/reporter-salt`)),
    apiKeys,
    logger,
    registry,
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
