/**
 * The sources service, built from config: main.ts starts it, tests and benchmarks build it with
 * their own topic prefix and their own protocol servers. Each source named in DOWNRADAR_SOURCES
 * runs as its own connector with its own transactional producer; none runs by default.
 *
 * One service rather than one per source: the connectors share the catalog, the text
 * understanding, the author salt and one process's memory, and each is cheap; a deployment that
 * wants them apart (the Jetstream firehose on its own core) runs the service twice with different
 * DOWNRADAR_SOURCES. Two instances with the same source fence each other, so only one writes it.
 */
import type { Registry } from 'prom-client';
import { createKafka, createLogger, createMetricsRegistry, ensureTopics, topicNames, type Logger } from '@downradar/common';
import { reporterHasher, reporterSalt } from '@downradar/common/report-event';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog, type Catalog } from '../../../schemas/catalog/index';
import { loadSourceCatalog, type SourceCatalog } from '../../../schemas/catalog/sources';
import { JetstreamConnector } from './bluesky/jetstream.connector';
import type { SourceHealth } from './failure-report';
import { SOURCE_NAMES, type SourceName, type SourcesConfig } from './config';
import { startHttp } from './http';
import { SourceWriter } from './kafka/source-writer';
import { MastodonConnector } from './mastodon/mastodon.connector';
import { createSourceMetrics } from './metrics';
import { createPostPipeline } from './posts/post-pipeline';
import { ProbeScheduler } from './probes/probe.scheduler';
import { StatusPoller } from './status/status.poller';

export interface Connector {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): object;
}

export interface SourcesDeps {
  logger?: Logger;
  registry?: Registry;
  catalog?: Catalog;
  sourceCatalog?: SourceCatalog;
  /** Extra CA certificates the HTTPS probes and the status poller trust (tests' self-signed servers). */
  ca?: string | Buffer;
}

export interface SourcesService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number;
  readonly registry: Registry;
  readonly connectors: Partial<Record<SourceName, Connector>>;
}

export function enabledSources(names: readonly string[]): SourceName[] {
  const unknown = names.filter((n) => !(SOURCE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`DOWNRADAR_SOURCES: unknown source ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${SOURCE_NAMES.join(', ')})`);
  return [...new Set(names)] as SourceName[];
}

export function createSources(config: SourcesConfig, deps: SourcesDeps = {}): SourcesService {
  const logger = deps.logger ?? createLogger('sources', config.logLevel);
  const registry = deps.registry ?? createMetricsRegistry('sources');
  const metrics = createSourceMetrics(registry);
  const catalog = deps.catalog ?? loadCatalog();
  const sourceCatalog = deps.sourceCatalog ?? loadSourceCatalog(catalog, config.sourcesCatalogFile);
  const topics = topicNames(config.topicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-sources', logger });
  const enabled = enabledSources(config.sources);
  const backoff = { initialMs: config.reconnectInitialMs, maxMs: config.reconnectMaxMs };
  const writer = (name: string) => new SourceWriter(kafka, topics, name, logger.child({ connector: name }));
  let hashAuthor: ((id: string) => string) | undefined;
  const authorHasher = () => (hashAuthor ??= reporterHasher(reporterSalt(config.reporterSalt)));
  let pipeline: ReturnType<typeof createPostPipeline> | undefined;
  const posts = () => (pipeline ??= createPostPipeline(createUnderstanding({ catalog })));

  const connectors: Partial<Record<SourceName, Connector>> = {};
  for (const name of enabled) {
    const log = logger.child({ connector: name });
    if (name === 'bluesky') {
      connectors.bluesky = new JetstreamConnector(
        {
          endpoints: config.jetstreamEndpoints,
          rewindMs: config.jetstreamRewindMs,
          commitMs: config.jetstreamCommitMs,
          maxFrameBytes: config.jetstreamMaxFrameBytes,
          maxPending: config.jetstreamMaxPending,
          backoff,
          repeatLogMs: config.sourcesRepeatLogMs,
        },
        { writer: writer('bluesky'), pipeline: posts(), hashAuthor: authorHasher(), logger: log, metrics },
      );
    } else if (name === 'mastodon') {
      connectors.mastodon = new MastodonConnector(
        {
          instances: config.mastodonInstances,
          accessToken: config.mastodonAccessToken,
          publicStream: config.mastodonPublic,
          hashtags: catalog.services.flatMap((s) => s.hashtags).slice(0, config.mastodonMaxHashtags),
          commitMs: config.jetstreamCommitMs,
          backoff,
          rewindMs: config.mastodonRewindMs,
          fillMaxRequests: config.mastodonFillMaxRequests,
          fillIntervalMs: config.mastodonFillIntervalMs,
          repeatLogMs: config.sourcesRepeatLogMs,
        },
        { writer: writer('mastodon'), pipeline: posts(), hashAuthor: authorHasher(), logger: log, metrics },
      );
    } else if (name === 'statuspage') {
      connectors.statuspage = new StatusPoller(
        { sources: sourceCatalog.statusSources(), intervalMs: config.statusIntervalMs, hostGapMs: config.statusHostGapMs, timeoutMs: config.statusTimeoutMs, repeatLogMs: config.sourcesRepeatLogMs, ...(deps.ca ? { ca: deps.ca } : {}) },
        { writer: writer('statuspage'), logger: log, metrics },
      );
    } else {
      connectors.probes = new ProbeScheduler(
        {
          targets: sourceCatalog.entries.filter((e) => e.domains.length > 0).map((e) => ({ serviceId: e.serviceId, domains: e.domains })),
          intervalMs: config.probeIntervalMs,
          jitter: config.probeJitter,
          concurrency: config.probeConcurrency,
          timeoutMs: config.probeTimeoutMs,
          resolvers: config.probeResolvers,
          httpsPort: config.probeHttpsPort,
          vantage: config.probeVantage,
          vantageFailShare: config.probeVantageFailShare,
          repeatLogMs: config.sourcesRepeatLogMs,
          ...(deps.ca ? { ca: deps.ca } : {}),
        },
        { writer: writer('probes'), logger: log, metrics },
      );
    }
  }

  let http: Awaited<ReturnType<typeof startHttp>> | undefined;
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  const statuses = () => Object.fromEntries(Object.entries(connectors).map(([n, c]) => [n, c.status()]));
  // The sources that cannot reach what they read right now (no internet, a host down): the
  // service still runs and is ready, and says which of its sources are failing and why.
  const failing = (all: Record<string, object>) =>
    Object.entries(all).flatMap(([name, st]) => {
      const healths = 'instances' in st ? (st as { instances: { health: SourceHealth }[] }).instances.map((i) => i.health) : 'health' in st ? [(st as { health: SourceHealth }).health] : [];
      const bad = healths.find((h) => !h.ok);
      return bad ? [{ source: name, since: bad.failingSince, lastError: bad.lastError, ...(bad.hint ? { hint: bad.hint } : {}) }] : [];
    });

  return {
    registry,
    connectors,
    get port() {
      return http?.port ?? config.sourcesPort;
    },
    async start() {
      state = 'starting';
      http = await startHttp({
        host: config.sourcesHost,
        port: config.sourcesPort,
        registry,
        health: () => ({ ok: state === 'starting' || state === 'running', status: state, sources: enabled }),
        ready: () => {
          const all = statuses();
          return { ok: state === 'running', status: state, failing: failing(all), sources: all };
        },
      });
      if (enabled.length === 0) {
        logger.info('no live source switched on (DOWNRADAR_SOURCES is empty): nothing to do');
      } else {
        await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions });
        for (const c of Object.values(connectors)) await c.start();
      }
      state = 'running';
      logger.info({ sources: enabled, port: http.port }, 'sources started');
    },
    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      await Promise.all(Object.values(connectors).map((c) => c.stop().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'a source did not stop cleanly'))));
      await http?.close();
      state = 'stopped';
      logger.info('sources stopped');
    },
  };
}
