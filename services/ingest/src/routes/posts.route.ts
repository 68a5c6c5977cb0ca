/** POST /v1/posts (one post) and /v1/posts/batch (NDJSON): API key required. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PostInput, type PostEvent } from '../../../../schemas/events/index';
import { postLineStep, toPostEvent } from '../steps';
import { accepted, storeOne, type RouteContext } from './context';
import { anyLine, batchRoute } from './ndjson-batch';

/** Posts and reports share one id space in the recent-ids set: a post's key is prefixed. */
const postKey = (e: PostEvent) => 'p:' + e.id;

export async function postsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { metrics, produce } = ctx;

  app.post('/v1/posts', { schema: { body: PostInput }, preHandler: ctx.requireKey }, async (req: FastifyRequest<{ Body: PostInput }>, reply) => {
    const ev = accepted(metrics, 'post', toPostEvent(req.body, ctx.now()));
    return storeOne(ctx, reply, 'post', ev, postKey(ev), produce.postMessages);
  });

  app.post(
    '/v1/posts/batch',
    { preHandler: ctx.requireKey },
    batchRoute<unknown, PostEvent>(ctx, 'post', anyLine, postLineStep(), postKey, produce.postMessages),
  );
}
