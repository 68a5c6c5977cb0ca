import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  ConfigError,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createProducer,
  ensureTopics,
  InfraError,
  loadApiKeys,
  topicNames,
  warnUnscopedKeys,
  type ApiKeyStore,
  type Logger,
  type Producer,
  type Registry,
  type Service,
} from '@downradar/common';
import { createHttpApp, opsRoutes } from '@downradar/common/http';
import { startAlertConsumers, type AlertConsumers } from './alerts.consumer';
import { loadCatalogLookup, type CatalogLookup } from './catalog-lookup';
import type { NotifierConfig } from './config';
import { createDeliveryEngine, type DeliveryEngine } from './delivery-engine';
import { createDestinationGuard, type DestinationGuard } from './destination-guard';
import { SubscriptionStore } from './subscription-store';
import { subscriptionRoutes } from './subscriptions.route';

export interface HttpAppOptions {
  store: SubscriptionStore;
  apiKeys: ApiKeyStore;
  /** Where subscriptions may point; default: the rules with no allowlist. */
  guard?: DestinationGuard;
  registry: Registry;
  logger?: Logger;
  isReady?: () => boolean;
  /** How long a subscription's host may take to resolve when it is created. */
  checkTimeoutMs?: number;
}

/**
 * The small HTTP side: subscriptions API, health, metrics. Tests drive it with app.inject.
 * Unknown fields are an error (a misspelt filter must not silently match everything).
 */
export function buildHttpApp(o: HttpAppOptions): FastifyInstance {
  const app = createHttpApp({ ...(o.logger ? { logger: o.logger } : {}), accepts: 'application/json', fastify: { bodyLimit: 64 * 1024 } });
  void app.register(opsRoutes, {
    registry: o.registry,
    live: () => ({ ok: true, status: 'ok' }),
    ready: () => (o.isReady?.() ?? true ? { ok: true, status: 'ready' } : { ok: false, status: 'starting' }),
  });
  void app.register(subscriptionRoutes, { store: o.store, apiKeys: o.apiKeys, guard: o.guard ?? createDestinationGuard(), checkTimeoutMs: o.checkTimeoutMs ?? 5000 });
  return app;
}

export interface Notifier {
  readonly http: FastifyInstance;
  readonly store: SubscriptionStore;
  readonly engine: DeliveryEngine;
  readonly registry: Registry;
  readonly topics: { alerts: string; retry: string; webhookDlq: string; dlq: string };
  /** Creates the topics it needs, connects the producer, joins both consumer groups. */
  start(): Promise<void>;
  /** Stops consuming (in-hand batches finish and commit), stops the jobs, closes the producer and the HTTP server. */
  close(): Promise<void>;
}

export interface NotifierDeps {
  logger?: Logger;
  registry?: Registry;
  store?: SubscriptionStore;
  apiKeys?: ApiKeyStore;
  catalog?: CatalogLookup;
  guard?: DestinationGuard;
}

export function buildNotifier(config: NotifierConfig, deps: NotifierDeps = {}): Notifier {
  const logger = deps.logger ?? createLogger('notifier', config.logLevel);
  const registry = deps.registry ?? createMetricsRegistry('notifier');
  const store = deps.store ?? SubscriptionStore.load(config.notifierSubscriptionsFile);
  const apiKeys = deps.apiKeys ?? loadApiKeys({ hashes: config.apiKeyHashes, file: config.apiKeysFile });
  const catalog = deps.catalog ?? loadCatalogLookup(config.catalogFile);
  const guard = deps.guard ?? guardFromConfig(config);
  const names = topicNames(config.topicPrefix);
  const retryTopic = names.webhookRetry;
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-notifier', logger });
  const producer: Producer = createProducer({ kafka, logger });

  const engine = createDeliveryEngine({
    store,
    policy: {
      baseMs: config.webhookRetryBaseMs,
      maxMs: config.webhookRetryMaxMs,
      maxAttempts: config.webhookMaxAttempts,
      horizonMs: config.webhookRetryHorizonMs,
      requestTimeoutMs: config.webhookTimeoutMs,
      concurrencyPerSubscription: config.webhookConcurrency,
    },
    deadLetter: (record, subscriptionId) => producer.send([{ topic: names.webhookDlq, key: subscriptionId, value: JSON.stringify(record) }]),
    logger,
    registry,
    nameOf: catalog.nameOf,
    deliveredSetSize: config.notifierDeliveredSetSize,
    guard,
  });

  let consumers: AlertConsumers | undefined;
  let ready = false;
  const http = buildHttpApp({ store, apiKeys, registry, logger, guard, checkTimeoutMs: config.webhookTimeoutMs, isReady: () => ready });
  if (apiKeys.size === 0) logger.warn('no API key configured: the subscriptions API refuses every request (set DOWNRADAR_API_KEY_HASHES)');
  warnUnscopedKeys(apiKeys, logger);

  return {
    http,
    store,
    engine,
    registry,
    topics: { alerts: names.alerts, retry: retryTopic, webhookDlq: names.webhookDlq, dlq: names.dlq },

    async start() {
      await retryingInfra(logger, 'create topics', async () => {
        await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas, only: ['alerts', 'webhookDlq', 'dlq', 'webhookRetry'] });
      });
      await producer.connect();
      consumers = await startAlertConsumers({
        kafka,
        topics: names,
        retryTopic,
        groupId: config.notifierGroupId ?? `${config.topicPrefix}.notifier`,
        fromBeginning: config.notifierFromBeginning,
        partitions: config.kafkaPartitions,
        store,
        engine,
        producer,
        familyOf: catalog.familyOf,
        alertPatienceMs: config.notifierAlertPatienceMs,
        retryPatienceMs: config.notifierRetryPatienceMs,
        logger,
        registry,
      });
      ready = true;
      logger.info({ subscriptions: store.size, alerts: names.alerts, retry: retryTopic }, 'notifier consuming alerts');
    },

    async close() {
      ready = false;
      engine.drain(); // in-hand batches checkpoint their pending deliveries and commit now
      await consumers?.stop();
      engine.close();
      await producer.close();
      await http.close();
    },
  };
}

/** The destination rules with the configured allowlist; a bad entry stops the notifier naming the variable. */
export function guardFromConfig(config: Pick<NotifierConfig, 'webhookAllow' | 'webhookDnsServers'>): DestinationGuard {
  try {
    return createDestinationGuard({ allow: config.webhookAllow, dnsServers: config.webhookDnsServers });
  } catch (err) {
    throw new ConfigError('DOWNRADAR_WEBHOOK_ALLOW', (err as Error).message);
  }
}

/** A broker busy creating or deleting other topics answers some admin calls with retriable errors for a moment. */
async function retryingInfra(logger: Logger, what: string, fn: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = err instanceof InfraError && err.retriable;
      if (!retriable || Date.now() > deadline) throw err;
      logger.warn({ attempt, err: (err as Error).message }, `${what} failed, retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
    }
  }
}

/** The notifier process: consumers and deliveries (buildNotifier), and its HTTP side listening. */
export function createNotifierService(config: NotifierConfig, deps: NotifierDeps = {}): Service & { readonly port: number } {
  const notifier = buildNotifier(config, deps);
  const logger = deps.logger;
  let port = config.notifierPort;
  return {
    get port() {
      return port;
    },
    async start() {
      await notifier.start();
      await notifier.http.listen({ host: config.notifierHost, port: config.notifierPort });
      port = (notifier.http.server.address() as AddressInfo).port;
      logger?.info({ host: config.notifierHost, port, subscriptionsFile: config.notifierSubscriptionsFile }, 'notifier listening');
    },
    stop: () => notifier.close(),
  };
}
