/**
 * POST /v1/events/batch (NDJSON, API key required): reports and posts in one batch, each line
 * `{"report": <ReportInput>}` or `{"post": <PostInput>}`, stored in line order. A source that
 * keeps event-time order (the replay) sends its stream as it is instead of splitting it into a
 * reports request and a posts request that would reach Kafka in either order.
 */
import type { FastifyInstance } from 'fastify';
import type { PostEvent, ReportEvent } from '../../../../schemas/events/index';
import { postLineStep, reject, reportLineStep, type StepResult } from '../steps';
import type { RouteContext } from './context';
import { anyLine, batchRoute } from './ndjson-batch';

type MixedEvent = { kind: 'report'; event: ReportEvent } | { kind: 'post'; event: PostEvent };

/** A line's report or post, checked by the same rules as /v1/reports/batch and /v1/posts/batch. */
export function eventLineStep(ctx: Pick<RouteContext, 'services' | 'hashReporter'>) {
  const reportStep = reportLineStep(ctx);
  const postStep = postLineStep();
  return (value: unknown, t: number, replay: boolean): StepResult<MixedEvent> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject('BAD_FIELD', '(line)', 'must be an object {"report": ...} or {"post": ...}');
    const keys = Object.keys(value);
    if (keys.length !== 1 || (keys[0] !== 'report' && keys[0] !== 'post'))
      return reject('BAD_FIELD', '(line)', `must have exactly one property, "report" or "post" (got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')})`);
    if (keys[0] === 'report') {
      const r = reportStep((value as { report: unknown }).report, t, replay);
      return r.ok ? { ok: true, value: { kind: 'report', event: r.value } } : { ...r, field: `report.${r.field}` };
    }
    const p = postStep((value as { post: unknown }).post, t, replay);
    return p.ok ? { ok: true, value: { kind: 'post', event: p.value } } : { ...p, field: `post.${p.field}` };
  };
}

export async function eventsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { produce } = ctx;
  app.post(
    '/v1/events/batch',
    { preHandler: ctx.requireKey },
    batchRoute<unknown, MixedEvent>(
      ctx,
      { of: (e) => e.kind, rejected: 'event' },
      anyLine,
      eventLineStep(ctx),
      // the ids of /v1/reports/batch and /v1/posts/batch: a report or post sent either way is one event
      (e) => (e.kind === 'report' ? e.event.id : 'p:' + e.event.id),
      (e, id) => (e.kind === 'report' ? produce.reportMessages(e.event, id) : produce.postMessages(e.event, id)),
    ),
  );
}
