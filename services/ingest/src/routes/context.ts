/** What the ingest routes share: built once in app.ts, handed to each route plugin. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@downradar/common/http';
import type { IngestMetrics } from '../metrics';
import type { Pending, Produce } from '../produce';
import type { RecentIds } from '../recent-ids';
import type { WindowLimiter } from '../rate-limiter';
import type { ServiceLookup, StepResult } from '../steps';

export interface RouteContext {
  options: { reportsPerIpPerMinute: number; reportsPerReporterPer15Min: number; batchMaxLines: number };
  now(): number;
  services: ServiceLookup;
  /** POST /v1/reports's limit per reporter and service (shared by fastify's route and reports-fast.ts). */
  reporterLimiter: WindowLimiter;
  hashReporter(id: string): string;
  recent: RecentIds;
  metrics: IngestMetrics;
  produce: Produce;
  /** preHandler of the routes that need an API key (posts, batches). */
  requireKey(req: FastifyRequest): Promise<void>;
}

/** A step's event, or the 400 of its rejection (counted by kind and code). */
export function accepted<T>(metrics: IngestMetrics, kind: 'report' | 'post', r: StepResult<T>): T {
  if (r.ok) return r.value;
  metrics.rejected.inc({ kind, code: r.code });
  throw new HttpError(400, r.code, `${r.field} ${r.reason}`, r.field);
}

/**
 * The answer of a single-event route: 202 `duplicate` when the event's key was stored recently
 * (counted), else the event is stored and the answer is 202 `accepted`. `admit` runs between the
 * two and throws to refuse (the reporter limit: a resent report does not count against its reporter).
 */
export async function storeOne<T extends { id: string }>(
  ctx: RouteContext,
  reply: FastifyReply,
  kind: 'report' | 'post',
  ev: T,
  key: string,
  messagesOf: (e: T, key: string) => Pending,
  admit?: (e: T) => void,
): Promise<FastifyReply> {
  if (ctx.recent.has(key)) {
    ctx.metrics.duplicates.inc({ kind });
    return reply.status(202).send({ id: ev.id, status: 'duplicate' });
  }
  admit?.(ev);
  await ctx.produce.store([messagesOf(ev, key)]);
  ctx.metrics.accepted.inc({ kind });
  return reply.status(202).send({ id: ev.id, status: 'accepted' });
}
