/**
 * The detector's HTTP surface (127.0.0.1:8084 by default): common's /healthz, /readyz and
 * /metrics, and two views into the running stages:
 *   GET /debug/status                       partitions, watermarks, the incident stage's progress
 *   GET /debug/baseline?service=<id>&minuteOfWeek=<0..10079>
 *                                           the learnt baseline of a service this instance scores
 * With DOWNRADAR_DETECTOR_PROCESSES > 1 the workers share the port: /healthz, /readyz and /metrics
 * answer for all of them (common's opsRoutes); /debug/* for the worker that took the connection.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '@downradar/common/logger';
import { createHttpApp, HttpError, opsRoutes, type Check } from '@downradar/common/http';
import { SLUG_PATTERN } from '../../../schemas/events/index';

export interface DetectorHttpHandlers {
  live(): Check;
  ready(): Check;
  status(): Promise<Record<string, unknown>>;
  /** The baseline, or undefined when this instance does not score the service. */
  baseline(serviceId: string, minuteOfWeek: number): Promise<Record<string, unknown> | undefined>;
}

const BaselineQuery = Type.Object(
  {
    service: Type.String({ pattern: SLUG_PATTERN, description: 'catalog service id' }),
    minuteOfWeek: Type.Integer({ minimum: 0, maximum: 7 * 24 * 60 - 1, description: 'minutes since Monday 00:00 UTC' }),
  },
  { additionalProperties: false },
);

export async function detectorRoutes(app: FastifyInstance, o: { registry: Registry; handlers: DetectorHttpHandlers }): Promise<void> {
  await app.register(opsRoutes, { registry: o.registry, live: o.handlers.live, ready: o.handlers.ready });
  app.get('/debug/status', async (_req, reply) => reply.header('cache-control', 'no-store').send(await o.handlers.status()));
  app.get('/debug/baseline', { schema: { querystring: BaselineQuery } }, async (req, reply) => {
    const q = req.query as Static<typeof BaselineQuery>;
    const baseline = await o.handlers.baseline(q.service, q.minuteOfWeek);
    if (baseline === undefined) throw new HttpError(404, 'NOT_SCORED_HERE', `${q.service} has no state on this instance (unknown, or scored by another instance)`, 'service');
    return reply.header('cache-control', 'no-store').send(baseline);
  });
}

/** The detector's fastify instance: common's shell, with query strings coerced to their schema (they are text). */
export function createDetectorHttp(o: { logger?: Logger } = {}): FastifyInstance {
  return createHttpApp({ ...o, fastify: { ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } } } });
}
