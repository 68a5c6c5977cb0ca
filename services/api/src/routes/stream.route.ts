import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse, STREAM_EVENTS } from '../../../../schemas/api/index';
import { HttpError } from '@downradar/common/http';
import { badParameter } from '../errors';

const SLUG = '[a-z0-9][a-z0-9-]{0,62}';
export const StreamQuery = Type.Object(
  {
    services: Type.Optional(
      Type.String({
        pattern: `^${SLUG}(,${SLUG}){0,199}$`,
        description: 'comma-separated service ids: only their scores, incidents and trends are sent',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * GET /v1/stream: server-sent events `score`, `incident`, `trend` as the detector emits them, and
 * `ping` every 15 s. Live only: a client that connects gets what happens from then on.
 */
export async function streamRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/v1/stream',
    {
      schema: {
        tags: ['stream'],
        summary: `live updates as server-sent events: ${STREAM_EVENTS.join(', ')}`,
        querystring: StreamQuery,
        response: {
          200: {
            description: 'text/event-stream; each event is `event: <name>` and `data: <JSON>`',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          400: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      let filter: Set<string> | null = null;
      if (request.query.services) {
        filter = new Set(request.query.services.split(','));
        const unknown = [...filter].filter((id) => !app.catalog.get(id));
        if (unknown.length > 0)
          throw badParameter('services', `querystring.services names services not in the catalog: ${unknown.join(', ')}`);
      }
      if (app.hub.full) throw new HttpError(503, 'UNAVAILABLE', 'too many stream clients; retry later');

      reply.hijack();
      const res = reply.raw;
      const headers: Record<string, string | number | string[]> = {};
      // Headers set by hooks (CORS) are kept: hijack bypasses fastify's own sending.
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      res.socket?.setTimeout(0);
      const client = app.hub.add(res, filter);
      request.log.debug({ client: client.id, services: request.query.services }, 'stream client connected');
      const gone = () => app.hub.remove(client);
      res.on('close', gone);
      res.socket?.on('close', gone);
    },
  );
}
