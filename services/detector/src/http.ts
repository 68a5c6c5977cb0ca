/**
 * The detector's small HTTP surface (127.0.0.1:8084 by default):
 *   GET /healthz   liveness: the process runs its stages (200), or is stopping (503)
 *   GET /readyz    both consumers joined their groups and restored their checkpoints
 *   GET /metrics   Prometheus text
 *   GET /debug/status                       partitions, watermarks, the incident stage's progress
 *   GET /debug/baseline?service=<id>&minuteOfWeek=<0..10079>
 *                                           the learnt baseline of a service this instance scores
 * With DOWNRADAR_DETECTOR_PROCESSES > 1 the workers share the port: /healthz, /readyz and /metrics
 * answer for all of them; /debug/* for the worker that took the connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface JsonReply {
  status: number;
  body: unknown;
}

export interface DetectorHttpHandlers {
  health(): JsonReply | Promise<JsonReply>;
  ready(): JsonReply | Promise<JsonReply>;
  /** The metrics text (default: the registry's own). */
  metrics?(): Promise<string>;
  status(): Promise<JsonReply>;
  baseline(serviceId: string, minuteOfWeek: number): Promise<JsonReply>;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function startHttp(opts: { host: string; port: number; registry: Registry; handlers: DetectorHttpHandlers }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (r: JsonReply) => {
      res.writeHead(r.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(r.body));
    };
    const fail = () => json({ status: 500, body: { statusCode: 500, code: 'INTERNAL', message: 'internal error' } });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        Promise.resolve().then(() => opts.handlers.health()).then(json, fail);
        return;
      case '/readyz':
        Promise.resolve().then(() => opts.handlers.ready()).then(json, fail);
        return;
      case '/metrics':
        (opts.handlers.metrics ? opts.handlers.metrics() : opts.registry.metrics()).then((text) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        }, fail);
        return;
      case '/debug/status':
        opts.handlers.status().then(json, fail);
        return;
      case '/debug/baseline': {
        const service = url.searchParams.get('service') ?? '';
        const mow = Number(url.searchParams.get('minuteOfWeek') ?? 'NaN');
        if (!SLUG.test(service)) return json({ status: 400, body: { statusCode: 400, code: 'BAD_SERVICE', message: 'service must be a catalog slug' } });
        if (!Number.isInteger(mow) || mow < 0 || mow >= 7 * 24 * 60) {
          return json({ status: 400, body: { statusCode: 400, code: 'BAD_MINUTE', message: 'minuteOfWeek must be an integer in [0, 10080): minutes since Monday 00:00 UTC' } });
        }
        opts.handlers.baseline(service, mow).then(json, fail);
        return;
      }
      default:
        return json({ status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: `no route ${url.pathname}; try /healthz, /readyz, /metrics, /debug/status, /debug/baseline` } });
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
