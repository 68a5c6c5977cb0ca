/** What the ingest routes share: built once in app.ts, handed to each route plugin. */
import type { FastifyRequest } from 'fastify';
import { HttpError } from '@downradar/common/http';
import type { IngestMetrics } from '../metrics';
import type { Produce } from '../produce';
import type { RecentIds } from '../recent-ids';
import type { ServiceLookup, StepResult } from '../steps';

export interface RouteContext {
  options: { reportsPerIpPerMinute: number; reportsPerReporterPer15Min: number; batchMaxLines: number };
  now(): number;
  services: ServiceLookup;
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
