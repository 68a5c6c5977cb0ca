import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import { createClickHouse, createKafka, createMetricsRegistry, servicesAccount, type ClickHouseClient, type Kafka, type Logger, type Registry, type Service } from '@downradar/common';
import { createHttpApp, errorBody, opsRoutes } from '@downradar/common/http';
import { loadCatalog } from '../../../schemas/catalog/index';
import { apiCatalog, type ApiCatalog } from './catalog';
import type { ApiConfig } from './config';
import { createReader, type Reader } from './clickhouse';
import { createEventClock } from './event-clock';
import { createApiMetrics, type ApiMetrics } from './metrics';
import { StreamHub } from './stream/hub';
import { startStreamConsumer, type StreamConsumer } from './stream/stream.consumer';
import { servicesRoutes } from './routes/services.route';
import { incidentsRoutes } from './routes/incidents.route';
import { trendsRoutes } from './routes/trends.route';
import { evidenceRoutes } from './routes/evidence.route';
import { streamRoutes } from './routes/stream.route';
import { docsRoutes } from './routes/docs.route';

export interface AppDeps {
  config: ApiConfig;
  clickhouse: ClickHouseClient;
  catalog: ApiCatalog;
  /** pino logger; omitted = silent */
  logger?: Logger;
  /** When given, a Kafka consumer feeds /v1/stream; without it the stream only pings. */
  kafka?: Kafka;
  /** Clock (tests pin it). */
  now?: () => number;
  /** Extra fastify options (main.ts sets the server timeouts). */
  fastify?: Partial<FastifyServerOptions>;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig;
    clickhouse: ClickHouseClient;
    reader: Reader;
    catalog: ApiCatalog;
    hub: StreamHub;
    streamConsumer: StreamConsumer | null;
    metrics: ApiMetrics;
    registry: Registry;
    now: () => number;
    /** the detector's event-time clock (end of its newest scored window), read at most once a second */
    eventClock: () => Promise<number | null>;
  }
}

export const DASHBOARD_NOT_BUILT =
  '<!doctype html><html><head><meta charset="utf-8"><title>downradar</title></head><body>' +
  '<h1>downradar</h1><p>dashboard not built: npm run build --workspace dashboards/web</p>' +
  '<p>The API is up: <a href="/v1/services">/v1/services</a>, <a href="/docs">/docs</a>.</p></body></html>';

/**
 * The read API as a fastify instance: decorators for the shared resources, routes as plugins,
 * one error handler. main.ts listens; tests call `inject` or listen on port 0.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = createHttpApp({
    ...(deps.logger ? { logger: deps.logger } : {}),
    // Not found under /v1 and /docs is an ErrorResponse; elsewhere it is the dashboard's.
    ownNotFound: true,
    fastify: {
      // Query strings are text: numbers and lists are coerced to their schema; unknown parameters
      // are still an error (400 naming them), not silently dropped.
      ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
      ...deps.fastify,
    },
  });

  const registry = createMetricsRegistry('api');
  const metrics = createApiMetrics(registry, () => hub.size);
  const hub = new StreamHub({
    maxBufferBytes: config.streamClientBufferBytes,
    maxClients: config.streamMaxClients,
    pingMs: config.streamPingMs,
    ...(deps.now ? { now: deps.now } : {}),
    onDrop: (client, buffered) => {
      metrics.streamDropped.inc();
      app.log.warn({ client: client.id, bufferedBytes: buffered }, 'dropped a slow stream client');
    },
  });

  app.decorate('config', config);
  app.decorate('clickhouse', deps.clickhouse);
  app.decorate('reader', createReader(deps.clickhouse, config.clickhouseDatabase, config.apiQueryTimeoutMs));
  app.decorate('catalog', deps.catalog);
  app.decorate('hub', hub);
  app.decorate('streamConsumer', null);
  app.decorate('metrics', metrics);
  app.decorate('registry', registry);
  app.decorate('now', deps.now ?? Date.now);
  app.decorate('eventClock', createEventClock(app.reader));

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe({ route, method: request.method, status_code: String(reply.statusCode) }, reply.elapsedTime);
  });

  await app.register(cors, { origin: config.corsOrigin, methods: ['GET', 'HEAD', 'OPTIONS'] });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'downradar read API',
        description:
          'Report-volume curves, breakdowns, incidents, hashtag trends and live updates (SSE) of downradar. ' +
          'Times in responses are epoch milliseconds, UTC; times in queries (from, to, at) are epoch milliseconds or ISO 8601 (UTC when no zone is given). Every 4xx body names the parameter at fault.',
        version: '1.0.0',
      },
      tags: [
        { name: 'services', description: 'tracked services, their curves and breakdowns' },
        { name: 'incidents', description: 'detected incidents' },
        { name: 'trends', description: 'hashtag trends' },
        { name: 'stream', description: 'live updates (server-sent events)' },
        { name: 'ops', description: 'health, readiness, metrics' },
      ],
    },
  });

  await app.register(opsRoutes, {
    registry,
    live: () => ({ ok: true, status: 'ok' }),
    ready: async () => {
      const ping = await deps.clickhouse.ping().catch((err: unknown) => ({ success: false as const, error: err as Error }));
      if (ping.success) return { ok: true, status: 'ready' };
      app.log.warn({ err: ping.error?.message }, 'readiness: ClickHouse unreachable');
      return { ok: false, status: 'ClickHouse is not reachable' };
    },
  });
  await app.register(servicesRoutes);
  await app.register(incidentsRoutes);
  await app.register(trendsRoutes);
  await app.register(evidenceRoutes);
  await app.register(streamRoutes);
  await app.register(docsRoutes);

  const dashboard = existsSync(join(config.dashboardDir, 'index.html'));
  if (dashboard) {
    await app.register(fastifyStatic, {
      root: config.dashboardDir,
      prefix: '/',
      cacheControl: false,
      // Vite puts content hashes into asset names: those never change.
      setHeaders: (reply, path) => {
        reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isApi = path === '/v1' || path.startsWith('/v1/') || path.startsWith('/docs');
    if (isApi || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return reply.code(404).send(errorBody(404, 'NOT_FOUND', `no route ${request.method} ${path}`));
    }
    // The dashboard is a single-page app: its client-side routes all load index.html (but a
    // missing file, such as an asset of an older build, is a plain 404).
    if (dashboard && /\.[A-Za-z0-9]{1,8}$/.test(path)) return reply.code(404).type('text/plain; charset=utf-8').send(`not found: ${path}`);
    if (dashboard) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    return reply
      .code(path === '/' ? 200 : 404)
      .type('text/html; charset=utf-8')
      .send(DASHBOARD_NOT_BUILT);
  });

  if (deps.kafka) {
    const kafka = deps.kafka;
    app.addHook('onReady', async () => {
      app.streamConsumer = startStreamConsumer({
        kafka,
        topicPrefix: config.topicPrefix,
        partitions: config.kafkaPartitions,
        replicationFactor: config.kafkaReplicationFactor,
        minInsyncReplicas: config.kafkaMinInsyncReplicas,
        hub,
        logger: app.log as Logger,
        onInvalid: (topic) => metrics.streamInvalid.inc({ topic }),
      });
    });
  }
  app.addHook('preClose', async () => {
    hub.close();
  });
  app.addHook('onClose', async () => {
    await app.streamConsumer?.stop();
  });

  return app;
}

/** The API process: the app of buildApp over its own ClickHouse and Kafka clients, listening. */
export function createApiService(config: ApiConfig, deps: { logger: Logger }): Service {
  const { logger } = deps;
  const catalog = apiCatalog(loadCatalog().services);
  const clickhouse = createClickHouse({
    url: config.clickhouseUrl,
    database: config.clickhouseDatabase,
    ...servicesAccount(config),
    requestTimeoutMs: config.apiQueryTimeoutMs + 2000,
    logger,
  });
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-api', logger });
  let app: FastifyInstance | undefined;
  return {
    async start() {
      app = await buildApp({
        config,
        clickhouse,
        catalog,
        logger,
        kafka,
        fastify: {
          // A client has 30 s to send its request; idle keep-alive sockets close after 65 s (above
          // the 60 s of common proxies). SSE responses are not bounded: they are kept open by pings.
          requestTimeout: 30_000,
          keepAliveTimeout: 65_000,
          connectionTimeout: 0,
        },
      });
      const address = await app.listen({ port: config.apiPort, host: config.apiHost });
      logger.info({ address, dashboard: `${address}/`, docs: `${address}/docs` }, 'api listening');
    },
    async stop() {
      await app?.close();
      await clickhouse.close();
    },
  };
}
