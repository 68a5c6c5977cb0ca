/** POST /v1/posts (one post) and /v1/posts/batch (NDJSON): API key required. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { compileValidator } from '@downradar/common';
import { PostInput, type PostEvent } from '../../../../schemas/events/index';
import { toPostEvent } from '../steps';
import { accepted, type RouteContext } from './context';
import { batchRoute } from './ndjson-batch';

export async function postsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { recent, metrics, produce } = ctx;
  const checkPost = compileValidator(PostInput);

  app.post('/v1/posts', { schema: { body: PostInput }, preHandler: ctx.requireKey }, async (req: FastifyRequest<{ Body: PostInput }>, reply) => {
    const ev = accepted(metrics, 'post', toPostEvent(req.body, ctx.now()));
    if (recent.has('p:' + ev.id)) {
      metrics.duplicates.inc({ kind: 'post' });
      return reply.status(202).send({ id: ev.id, status: 'duplicate' });
    }
    await produce.store([{ id: 'p:' + ev.id, ...produce.postMessages(ev) }]);
    metrics.accepted.inc({ kind: 'post' });
    return reply.status(202).send({ id: ev.id, status: 'accepted' });
  });

  app.post(
    '/v1/posts/batch',
    { preHandler: ctx.requireKey },
    batchRoute<PostEvent>(
      ctx,
      'post',
      (value, t, replay) => {
        const c = checkPost(value);
        if (!c.ok) return { ok: false, code: 'BAD_FIELD', field: c.field, reason: c.reason };
        return toPostEvent(c.value, t, replay);
      },
      (e) => 'p:' + e.id,
      produce.postMessages,
    ),
  );
}
