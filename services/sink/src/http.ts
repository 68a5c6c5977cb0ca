import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthReport {
  /** 200 when true, 503 otherwise. */
  ok: boolean;
  [key: string]: unknown;
}

/**
 * The sink's small HTTP surface: GET /metrics (Prometheus text), GET /healthz (liveness: the
 * consumer runs; ClickHouse being down is reported but does not fail it, the sink is waiting
 * by design), GET /readyz (503 while inserts fail).
 */
export async function startHttp(opts: {
  host: string;
  port: number;
  registry: Registry;
  health(): HealthReport | Promise<HealthReport>;
  ready(): HealthReport | Promise<HealthReport>;
  /** The metrics text (default: the registry's own). */
  metrics?(): Promise<string>;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (r: HealthReport) => {
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(r));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const answer = (report: () => HealthReport | Promise<HealthReport>) =>
      void Promise.resolve()
        .then(report)
        .then(json, (err: Error) => json({ ok: false, error: err.message }));
    if (path === '/healthz') return answer(opts.health);
    if (path === '/readyz') return answer(opts.ready);
    if (path === '/metrics') {
      (opts.metrics ? opts.metrics() : opts.registry.metrics()).then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no route ${path}; try /metrics, /healthz, /readyz` }));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
