/**
 * The HTTP path's peer: fastify doing nothing but what any JSON endpoint does (parse the body,
 * answer 202 with a small JSON body), so that ingest's single-POST figure can be read against
 * what fastify itself serves on this machine in the same run.
 *
 *   node --import tsx bench/lib/fastify-hello.ts <port> [<processes>]
 *
 * With <processes> > 1 the port is shared by that many processes (node:cluster), as ingest's
 * DOWNRADAR_INGEST_PROCESSES does. Prints "listening" once every process listens.
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const processes = Number(process.argv[3] ?? 1);

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
} else {
  const app = Fastify({ logger: false });
  app.post('/v1/reports', async (req, reply) => reply.status(202).send({ id: (req.body as { id?: string }).id ?? 'x', status: 'accepted' }));
  await app.listen({ host: '127.0.0.1', port });
  if (processes === 1) console.log('listening');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
