import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse } from '../../../../schemas/api/index';
import { errorBody } from '../errors';

const Status = Type.Object({ status: Type.String() });

/** Liveness, readiness (ClickHouse answers) and Prometheus metrics. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'the process is up', response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'ClickHouse is reachable',
        response: { 200: Status, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const ping = await app.clickhouse.ping().catch((err: unknown) => ({ success: false as const, error: err as Error }));
      if (ping.success) return { status: 'ready' };
      request.log.warn({ err: ping.error?.message }, 'readiness: ClickHouse unreachable');
      return reply.code(503).send(errorBody(503, 'UNAVAILABLE', 'ClickHouse is not reachable'));
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', app.registry.contentType);
    return app.registry.metrics();
  });
}
