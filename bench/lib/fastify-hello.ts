/**
 * The HTTP path's peer: fastify doing nothing but what any JSON endpoint does (parse the body,
 * answer 202 with a small JSON body), so that ingest's single-POST figure can be read against
 * what fastify itself serves on this machine in the same run.
 *
 *   node --import tsx bench/lib/fastify-hello.ts <port> [<processes>] [fastify|node]
 *
 * `node` serves the same answer from node's own http server with JSON.parse (no fastify): what a
 * request costs below fastify, to split a request's CPU between node's HTTP and fastify.
 * With <processes> > 1 the port is shared by that many processes (node:cluster), as ingest's
 * DOWNRADAR_INGEST_PROCESSES does. Prints "listening" once every process listens.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const processes = Number(process.argv[3] ?? 1);
const kind = process.argv[4] ?? 'fastify';

if (processes > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    const worker = cluster.fork();
    worker.on('listening', () => {
      if (++listening === processes) console.log('listening');
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else if (kind === 'node') {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      let id = 'x';
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string }).id ?? 'x';
      } catch {
        res.writeHead(400).end();
        return;
      }
      const text = JSON.stringify({ id, status: 'accepted' });
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  if (processes === 1) console.log('listening');
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
} else {
  const app = Fastify({ logger: false });
  app.post('/v1/reports', async (req, reply) => reply.status(202).send({ id: (req.body as { id?: string }).id ?? 'x', status: 'accepted' }));
  await app.listen({ host: '127.0.0.1', port });
  if (processes === 1) console.log('listening');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
