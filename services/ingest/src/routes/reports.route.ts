/**
 * POST /v1/reports: the public report button (no key; rate-limited per address and per reporter).
 * POST /v1/reports/batch: NDJSON, API key required.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@downradar/common/http';
import { ReportInput, type ReportEvent } from '../../../../schemas/events/index';
import { reportLineStep, toReportEvent } from '../steps';
import { accepted, storeOne, type RouteContext } from './context';
import { anyLine, batchRoute } from './ndjson-batch';

export async function reportsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { options, metrics, produce } = ctx;
  const { reporterLimiter } = ctx;

  app.post(
    '/v1/reports',
    {
      schema: { body: ReportInput },
      config: { rateLimit: { max: options.reportsPerIpPerMinute, timeWindow: 60_000 } },
    },
    async (req: FastifyRequest<{ Body: ReportInput }>, reply: FastifyReply) => {
      const t = ctx.now();
      const ev = accepted(metrics, 'report', toReportEvent(req.body, { now: t, services: ctx.services, hashReporter: ctx.hashReporter, source: 'web' }));
      return storeOne(ctx, reply, 'report', ev, ev.id, produce.reportMessages, () => {
        if (reporterLimiter.hit(ev.reporterHash + ':' + ev.serviceId, t)) return;
        metrics.rejected.inc({ kind: 'report', code: 'REPORTER_RATE_LIMITED' });
        throw new HttpError(429, 'REPORTER_RATE_LIMITED', `reporterId sent more than ${options.reportsPerReporterPer15Min} reports for ${ev.serviceId} in 15 minutes`, 'reporterId', {
          'retry-after': String(reporterLimiter.retryAfterS(t)),
        });
      });
    },
  );

  app.post(
    '/v1/reports/batch',
    { preHandler: ctx.requireKey },
    batchRoute<unknown, ReportEvent>(
      ctx,
      'report',
      anyLine,
      reportLineStep(ctx),
      (e) => e.id,
      produce.reportMessages,
    ),
  );
}
