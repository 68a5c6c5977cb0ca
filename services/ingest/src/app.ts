/**
 * The ingest API as a fastify instance, from its dependencies: common's HTTP shell (one error
 * handler, /healthz, /readyz, /metrics), the body parsers (body.ts), load shedding and rate
 * limits, and the routes (routes/), which store through the produce module (produce.ts).
 * wiring.ts builds the dependencies from configuration; tests hand in their own.
 */
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { Registry } from 'prom-client';
import { Gauge, presentedKey, type ApiKeyStore, type Logger, type Producer, type TopicNames } from '@downradar/common';
import { createHttpApp, errorBody, HttpError, opsRoutes } from '@downradar/common/http';
import { ReportInput } from '../../../schemas/events/index';
import { registerBodyParsers } from './body';
import { fastReportHandler, sharedRateLimitStore } from './routes/reports-fast';
import { createIngestMetrics } from './metrics';
import { createProduce, type Understanding } from './produce';
import { RecentIds } from './recent-ids';
import type { RouteContext } from './routes/context';
import { eventsRoutes } from './routes/events.route';
import { postsRoutes } from './routes/posts.route';
import { reportsRoutes } from './routes/reports.route';
import { WindowLimiter } from './rate-limiter';
import type { ServiceLookup } from './steps';

export type { Understanding } from './produce';

export interface IngestOptions {
  reportsPerIpPerMinute: number;
  reportsPerReporterPer15Min: number;
  batchMaxLines: number;
  batchMaxBytes: number;
  produceTimeoutMs: number;
  maxEventLoopDelayMs: number;
  trustProxy: boolean;
}

export interface IngestDeps {
  options: IngestOptions;
  producer: Producer;
  topics: TopicNames;
  understanding: Understanding;
  services: ServiceLookup;
  hashReporter(id: string): string;
  apiKeys: ApiKeyStore;
  logger: Logger;
  registry: Registry;
  /** Whether Kafka answers (for /readyz). */
  kafkaReady(): Promise<boolean>;
  now?: () => number;
  /**
   * Answer POST /v1/reports's common case in node's request handler before fastify (reports-fast.ts;
   * default on). Off, every request goes through fastify's route; the answers are the same.
   */
  fastReports?: boolean;
}

// The ajv options of the app's schema checks (fastify's compiler; reports-fast.ts compiles ReportInput alike).
const AJV_OPTIONS = { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: false }, plugins: [] };
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** fastify's default request ids (`req-1`, `req-2`, ... in base 36), one counter for both paths. */
function requestIds(): () => string {
  let next = 0;
  return () => {
    next = (next + 1) & 2147483647;
    return `req-${next.toString(36)}`;
  };
}

export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const { options, logger } = deps;
  const genReqId = requestIds();
  // The fast path is set once the routes are registered; until then (and off) fastify has every request.
  let fast: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = createHttpApp({
    logger,
    accepts: 'application/json, or application/x-ndjson for batches',
    fastify: {
      trustProxy: options.trustProxy,
      bodyLimit: options.batchMaxBytes,
      ajv: AJV_OPTIONS,
      genReqId,
      // fastify's own HTTP/1 server (lib/server.js) with the fast path in front of its handler.
      serverFactory: (handler, o: FastifyServerOptions) => {
        const server = createServer((o as { http?: ServerOptions }).http ?? {}, (req, res) => {
          if (fast === undefined || !fast(req, res)) handler(req, res);
        });
        if (o.keepAliveTimeout !== undefined) server.keepAliveTimeout = o.keepAliveTimeout;
        if (o.requestTimeout !== undefined) server.requestTimeout = o.requestTimeout;
        server.setTimeout(o.connectionTimeout ?? 0);
        if (o.maxRequestsPerSocket !== undefined && o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
        return server;
      },
    },
  });
  registerBodyParsers(app, options.batchMaxBytes);

  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    retryAfter: 5,
    exposeStatusRoute: false,
    pressureHandler: (_req, reply, type, value) => {
      // under-pressure reports a sample interval without any delay measurement as an infinite
      // delay: the first measurement after start records nothing, so a process that stalls
      // through its first second (a busy machine) shed every request of the next second although
      // nothing was measured. No measurement is not an overload: let the request through.
      if (type === 'eventLoopDelay' && !Number.isFinite(value)) return;
      reply.header('retry-after', '5').status(503).send(errorBody(503, 'OVERLOADED', 'ingest is overloaded, retry later'));
    },
  });
  const rateStore = sharedRateLimitStore();
  await app.register(rateLimit, {
    global: false,
    store: rateStore.Store,
    errorResponseBuilder: (_req, ctx) =>
      new HttpError(429, 'RATE_LIMITED', `more than ${ctx.max} reports per minute from this address; retry after ${ctx.after}`, '(client address)'),
  });

  await app.register(opsRoutes, {
    registry: deps.registry,
    live: () => ({ ok: true, status: 'ok' }),
    ready: async () => {
      const ok = await Promise.race([deps.kafkaReady().catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
      return { ok, status: ok ? 'ready' : 'kafka unreachable' };
    },
  });

  const metrics = createIngestMetrics(deps.registry);
  // How many events share one produce request (with ingest_accepted_total): what the per-request
  // cost of kafkajs is spread over.
  const { producer } = deps;
  new Gauge({
    name: 'ingest_kafka_produce_requests',
    help: 'produce requests Kafka acknowledged, and messages in them, since the start',
    labelNames: ['count'],
    registers: [deps.registry],
    collect() {
      this.set({ count: 'requests' }, producer.stats.sentBatches);
      this.set({ count: 'messages' }, producer.stats.sentMessages);
    },
  });
  const recent = new RecentIds();
  const ctx: RouteContext = {
    options,
    reporterLimiter: new WindowLimiter(options.reportsPerReporterPer15Min, 15 * 60_000),
    now: deps.now ?? Date.now,
    services: deps.services,
    hashReporter: deps.hashReporter,
    recent,
    metrics,
    produce: createProduce({ producer: deps.producer, topics: deps.topics, understanding: deps.understanding, recent, produceTimeoutMs: options.produceTimeoutMs, metrics, logger }),
    // Posting reports and posts in bulk needs a key with the `feed` scope (a subscriptions key gets 403).
    requireKey: async (req: FastifyRequest) => {
      const check = deps.apiKeys.authorize(presentedKey(req.headers), 'feed');
      if (check.ok) return;
      if (check.status === 401) throw new HttpError(401, 'UNAUTHORIZED', check.message, 'x-api-key');
      throw new HttpError(403, 'FORBIDDEN_SCOPE', check.message, 'x-api-key');
    },
  };
  await app.register(reportsRoutes, ctx);
  await app.register(postsRoutes, ctx);
  await app.register(eventsRoutes, ctx);

  if (deps.fastReports ?? true) {
    // fastify's request.ip (lib/request.js): behind a trusted proxy, the furthest X-Forwarded-For address.
    const proxyAddresses = (fromFastify('@fastify/proxy-addr') as { all(req: IncomingMessage, trust: () => boolean): string[] }).all;
    const trustAll = () => true;
    const clientAddress = options.trustProxy
      ? (req: IncomingMessage) => {
          const all = proxyAddresses(req, trustAll);
          return all[all.length - 1];
        }
      : (req: IncomingMessage) => req.socket.remoteAddress;
    const compile = (fromFastify('@fastify/ajv-compiler') as () => (external: object, o: typeof AJV_OPTIONS) => (r: object) => unknown)()({}, AJV_OPTIONS);
    let open = true;
    app.addHook('preClose', async () => {
      open = false;
    });
    fast = fastReportHandler({
      ctx,
      reporterLimiter: ctx.reporterLimiter,
      rateStore: rateStore.routeStore,
      reportsPerIpPerMinute: options.reportsPerIpPerMinute,
      clientAddress,
      eventLoopDelay: () => app.memoryUsage().eventLoopDelay,
      maxEventLoopDelayMs: options.maxEventLoopDelayMs,
      genReqId,
      open: () => open,
      validate: compile({ schema: ReportInput, method: 'POST', url: '/v1/reports', httpPart: 'body' }) as Parameters<typeof fastReportHandler>[0]['validate'],
      logger,
    });
  }
  return app;
}
