/**
 * The HTTP side every service shares: a fastify instance with the one error handler and 404, and
 * the operational endpoints, the same in every service:
 *   GET /healthz   liveness: 200 while the process does its work, 503 when it is stopping or broken
 *   GET /readyz    readiness: 200 once it can serve (its dependencies answer, its groups joined)
 *   GET /metrics   Prometheus text of the service's registry
 * Both checks answer `{ok, status, ...details}`, with 200 when ok and 503 otherwise. In a service
 * run as several processes (cluster.ts) the workers share the port and any of them answers for
 * all: /metrics is the sum over the workers, a check is ok only when every worker's is.
 */
import { Type } from '@sinclair/typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { Registry } from 'prom-client';
import { joinCluster, serviceMetrics, serviceReport, type HealthReport } from '../cluster';
import type { Logger } from '../logger';
import { installErrorHandler, installNotFoundHandler, type ErrorHandlerOptions } from './errors';

export interface HttpAppOptions extends ErrorHandlerOptions {
  /** pino logger; omitted = silent. */
  logger?: Logger;
  /** Leaves the 404 to the service (the API serves the dashboard's client-side routes). */
  ownNotFound?: boolean;
  /** More fastify options (body limit, ajv options, server timeouts). */
  fastify?: Partial<FastifyServerOptions>;
}

/**
 * A request's logger, made only when the request logs. fastify makes a pino child (bound to the
 * request id) for every request, and with request logging off nearly no request ever logs: the
 * profile of ingest's single POSTs had pino's child (its bindings' JSON and redaction) at 2.5 % of
 * the busy CPU, some 5 µs a request. This stands in for it and makes the same child on first use,
 * so what a request logs carries its request id as before.
 */
class LazyChildLogger {
  private made: FastifyBaseLogger | null = null;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}
  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.opts));
  }
  get level(): string {
    return this.made ? this.made.level : this.parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }
  fatal(...a: unknown[]): void {
    (this.real.fatal as (...x: unknown[]) => void)(...a);
  }
  error(...a: unknown[]): void {
    (this.real.error as (...x: unknown[]) => void)(...a);
  }
  warn(...a: unknown[]): void {
    (this.real.warn as (...x: unknown[]) => void)(...a);
  }
  info(...a: unknown[]): void {
    (this.real.info as (...x: unknown[]) => void)(...a);
  }
  debug(...a: unknown[]): void {
    (this.real.debug as (...x: unknown[]) => void)(...a);
  }
  trace(...a: unknown[]): void {
    (this.real.trace as (...x: unknown[]) => void)(...a);
  }
  silent(): void {}
  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, opts);
  }
}

export const lazyChildLogger = (logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger =>
  new LazyChildLogger(logger, bindings, opts) as unknown as FastifyBaseLogger;

export function createHttpApp(o: HttpAppOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger as FastifyBaseLogger, childLoggerFactory: lazyChildLogger } : { logger: false }),
    // Per-request lines would drown the log: failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields and parameters are an error that names them, never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    ...o.fastify,
  });
  installErrorHandler(app, o.accepts === undefined ? {} : { accepts: o.accepts });
  if (!o.ownNotFound) installNotFoundHandler(app);
  return app;
}

/** A liveness or readiness answer: `{ok, status, ...details}`. */
export type Check = HealthReport;

export interface OpsOptions {
  registry: Registry;
  /** Liveness: false only when a restart would help (stopping, broken). */
  live(): Check | Promise<Check>;
  /** Readiness: can it serve now. */
  ready(): Check | Promise<Check>;
}

const CheckBody = Type.Object({ ok: Type.Boolean(), status: Type.String() }, { additionalProperties: true });
const checkSchema = (summary: string) => ({ tags: ['ops'], summary, response: { 200: CheckBody, 503: CheckBody } });

/** /healthz, /readyz and /metrics, as a plugin: `await app.register(opsRoutes, {...})`. */
export async function opsRoutes(app: FastifyInstance, o: OpsOptions): Promise<void> {
  // A no-op outside a cluster; in a worker, the primary may now ask this process's checks and metrics.
  joinCluster({ registry: o.registry, health: o.live, ready: o.ready });
  const answer = async (what: 'health' | 'ready', check: () => Check | Promise<Check>) => {
    const c = await serviceReport(what, check);
    return { code: c.ok ? (200 as const) : (503 as const), body: c };
  };
  app.get('/healthz', { schema: checkSchema('the process is up and doing its work') }, async (_req, reply) => {
    const { code, body } = await answer('health', o.live);
    return reply.code(code).header('cache-control', 'no-store').send(body);
  });
  app.get('/readyz', { schema: checkSchema('it can serve: its dependencies answer') }, async (_req, reply) => {
    const { code, body } = await answer('ready', o.ready);
    return reply.code(code).header('cache-control', 'no-store').send(body);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.type(o.registry.contentType).header('cache-control', 'no-store').send(await serviceMetrics(o.registry));
  });
}
