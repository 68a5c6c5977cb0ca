import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

/** GET /healthz (the process runs), /readyz (every source switched on is connected or polling), /metrics. */
export async function startHttp(opts: { host: string; port: number; registry: Registry; health(): HealthReport; ready(): HealthReport }) {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (r: HealthReport) => {
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(r));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path === '/healthz') return json(opts.health());
    if (path === '/readyz') return json(opts.ready());
    if (path === '/metrics') {
      void opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no route ${path}; try /metrics, /healthz, /readyz` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
