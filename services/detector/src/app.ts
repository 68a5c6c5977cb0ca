/**
 * The detector service, built from config: main.ts starts it; tests and the benchmark build it
 * with their own topic prefix.
 *
 * Two stages in one process, each a Kafka consumer group with exactly-once transactions:
 *   scoring   downradar.signals -> scores, trends, DLQ, window progress, checkpoints
 *             (signals.consumer.ts; partitions split across instances)
 *   incidents <prefix>.detector-windows -> alerts, checkpoint
 *             (incidents.consumer.ts; one active instance, the others stand by)
 * plus the HTTP endpoints (http.ts).
 */
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
// Common's modules one by one, not its index: that one also loads the ClickHouse client, the
// migrations and what only other services use (start-up.test.ts keeps it so).
import { clusterRole } from '@downradar/common/cluster';
import { createKafka } from '@downradar/common/kafka/client';
import { ensureTopics } from '@downradar/common/kafka/admin';
import { TOPIC_DEFINITIONS, topicNames } from '@downradar/common/kafka/topics';
import { createLogger, type Logger } from '@downradar/common/logger';
import { createMetricsRegistry } from '@downradar/common/metrics';
import type { Service } from '@downradar/common/service';
import type { Check } from '@downradar/common/http';
import { loadCatalog, type Catalog } from '../../../schemas/catalog/index';
import { coreConfigOf, instanceName, type DetectorServiceConfig } from './config';
import type { DetectorConfig } from './core/config';
import { createDetectorHttp, detectorRoutes } from './http';
import { IncidentStage } from './stages/incidents.consumer';
import { createDetectorMetrics } from './metrics';
import { hashtagLookup, serviceInfoLookup } from './service-facts';
import { ScoringStage } from './stages/signals.consumer';
import { ensureSinglePartitionTopic } from './kafka/state-topic';
import { installCoordinatorCache } from './kafka/coordinator-cache';

/** start: creates missing topics, serves HTTP, joins both consumer groups. stop: stops fetching, lets the batch in hand commit, leaves the groups, closes HTTP. */
export interface DetectorService extends Service {
  readonly registry: Registry;
  readonly port: number;
  readonly instance: string;
  readonly core: DetectorConfig;
  readonly scoring: ScoringStage;
  readonly incidents: IncidentStage;
}

export interface DetectorOverrides {
  logger?: Logger;
  registry?: Registry;
  catalog?: Catalog;
  /** Kafka session timeout of both groups (tests shorten it so a killed member is replaced quickly). */
  sessionTimeoutMs?: number;
}

export function createDetectorService(config: DetectorServiceConfig, overrides: DetectorOverrides = {}): DetectorService {
  const logger = overrides.logger ?? createLogger('detector', config.logLevel);
  const registry = overrides.registry ?? createMetricsRegistry('detector');
  const metrics = createDetectorMetrics(registry);
  const core = coreConfigOf(config);
  const role = clusterRole(config.detectorProcesses);
  const instance = instanceName(config, role.processes > 1 ? role.index : undefined);
  const catalog = overrides.catalog ?? loadCatalog();
  const serviceInfo = serviceInfoLookup(catalog);
  const hashtagInfo = hashtagLookup(catalog);
  const topics = topicNames(config.topicPrefix);
  const windowsTopic = topics.detectorWindows;
  installCoordinatorCache(); // kafkajs asks for a coordinator before each request of a transaction
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `downradar-detector-${instance}`, logger });
  const sessionTimeoutMs = overrides.sessionTimeoutMs ?? config.detectorSessionTimeoutMs;

  const scoring = new ScoringStage({
    kafka,
    logger: logger.child({ stage: 'scoring' }),
    metrics,
    topics,
    windowsTopic,
    groupId: config.detectorGroupId,
    instance,
    core,
    serviceInfo,
    hashtagInfo,
    tickMs: config.detectorTickMs,
    emptyPartitionIdleMs: config.detectorEmptyPartitionIdleMs,
    maxBatchBytes: config.detectorMaxBatchBytes,
    fetchWaitMs: config.detectorFetchWaitMs,
    fetchMinBytes: config.detectorFetchMinBytes,
    offsetCommitMs: config.detectorOffsetCommitMs,
    sessionTimeoutMs,
  });
  const incidents = new IncidentStage({
    kafka,
    logger: logger.child({ stage: 'incidents' }),
    metrics,
    topics,
    windowsTopic,
    groupId: config.detectorIncidentsGroupId,
    core,
    serviceInfo,
    sessionTimeoutMs,
    quietCommitMs: config.detectorQuietCommitMs,
    fetchWaitMs: config.detectorFetchWaitMs,
  });

  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let port = config.detectorPort;
  const check = (ok: boolean, details: Record<string, unknown>): Check => ({ ok, status: state, ...details });
  const http = createDetectorHttp({ logger });
  void http.register(detectorRoutes, {
    registry,
    handlers: {
      live: () => check(state === 'starting' || state === 'running', { instance }),
      ready: () => check(state === 'running' && scoring.ready && incidents.ready, { instance, scoring: scoring.ready, incidents: incidents.ready }),
      status: async () => ({
        ok: true,
        instance,
        windowMs: core.windowMs,
        scoring: await scoring.inspect(() => scoring.status()),
        incidents: incidents.status(),
      }),
      baseline: (serviceId, minuteOfWeek) =>
        scoring.inspect(() => {
          const scorer = scoring.scorerOf(serviceId);
          return scorer === undefined ? undefined : { partition: scorer.partition, ...scorer.detector.baselineFor(serviceId, minuteOfWeek) };
        }),
    },
  });

  return {
    registry,
    instance,
    core,
    scoring,
    incidents,
    get port() {
      return port;
    },
    async start() {
      state = 'starting';
      await http.listen({ host: config.detectorHost, port: config.detectorPort });
      port = (http.server.address() as AddressInfo).port;
      await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas });
      await ensureSinglePartitionTopic(kafka, windowsTopic, TOPIC_DEFINITIONS.detectorWindows.retentionMs);
      await Promise.all([scoring.start(), incidents.start()]);
      state = 'running';
      logger.info({ instance, port, windowMs: core.windowMs, priorScale: core.baseline.priorScale, topics: { signals: topics.signals, windows: windowsTopic } }, 'detector started');
    },
    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      await Promise.all([scoring.stop(), incidents.stop()]);
      await http.close();
      state = 'stopped';
      logger.info('detector stopped');
    },
  };
}
