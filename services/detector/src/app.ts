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
import type { Registry } from 'prom-client';
import {
  clusterRole,
  createKafka,
  createLogger,
  createMetricsRegistry,
  ensureTopics,
  joinCluster,
  serviceMetrics,
  serviceReport,
  topicNames,
  type HealthReport,
  type Logger,
} from '@downradar/common';
import { loadCatalog, type Catalog } from '../../../schemas/catalog/index';
import { coreConfigOf, instanceName, type DetectorServiceConfig } from './config';
import type { DetectorConfig } from './core/config';
import { startHttp, type JsonReply } from './http';
import { IncidentStage } from './stages/incidents.consumer';
import { createDetectorMetrics } from './metrics';
import { hashtagLookup, serviceInfoLookup } from './service-facts';
import { ScoringStage } from './stages/signals.consumer';
import { ensureSinglePartitionTopic } from './kafka/state-topic';
import { windowsTopicName } from './stages/window-progress';

export interface DetectorService {
  /** Creates missing topics, serves HTTP, joins both consumer groups. */
  start(): Promise<void>;
  /** Stops fetching, lets the batch in hand commit, leaves the groups, closes HTTP. */
  stop(): Promise<void>;
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
  const windowsTopic = windowsTopicName(config.topicPrefix);
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
  });

  let http: Awaited<ReturnType<typeof startHttp>> | undefined;
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  const reply = (ok: boolean, body: Record<string, unknown>): JsonReply => ({ status: ok ? 200 : 503, body: { ok, ...body } });

  return {
    registry,
    instance,
    core,
    scoring,
    incidents,
    get port() {
      return http?.port ?? config.detectorPort;
    },
    async start() {
      state = 'starting';
      const health = (): HealthReport => ({ ok: state === 'starting' || state === 'running', status: state, instance });
      const ready = (): HealthReport => ({ ok: state === 'running' && scoring.ready && incidents.ready, status: state, instance, scoring: scoring.ready, incidents: incidents.ready });
      // With DOWNRADAR_DETECTOR_PROCESSES > 1 every worker answers these for all of them (cluster.ts).
      joinCluster({ registry, health, ready });
      const asReply = (r: HealthReport): JsonReply => ({ status: r.ok ? 200 : 503, body: r });
      http = await startHttp({
        host: config.detectorHost,
        port: config.detectorPort,
        registry,
        handlers: {
          health: () => serviceReport('health', health).then(asReply),
          ready: () => serviceReport('ready', ready).then(asReply),
          metrics: () => serviceMetrics(registry),
          status: async () =>
            reply(true, {
              instance,
              windowMs: core.windowMs,
              scoring: await scoring.inspect(() => scoring.status()),
              incidents: incidents.status(),
            }),
          baseline: (serviceId, minuteOfWeek) =>
            scoring.inspect(() => {
              const scorer = scoring.scorerOf(serviceId);
              if (scorer === undefined) {
                return { status: 404, body: { statusCode: 404, code: 'NOT_SCORED_HERE', message: `${serviceId} has no state on this instance (unknown, or scored by another instance)` } };
              }
              return { status: 200, body: { partition: scorer.partition, ...scorer.detector.baselineFor(serviceId, minuteOfWeek) } };
            }),
        },
      });
      await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas });
      await ensureSinglePartitionTopic(kafka, windowsTopic, 7 * 86_400_000);
      await Promise.all([scoring.start(), incidents.start()]);
      state = 'running';
      logger.info({ instance, port: http.port, windowMs: core.windowMs, priorScale: core.baseline.priorScale, topics: { signals: topics.signals, windows: windowsTopic } }, 'detector started');
    },
    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      await Promise.all([scoring.stop(), incidents.stop()]);
      await http?.close();
      state = 'stopped';
      logger.info('detector stopped');
    },
  };
}
