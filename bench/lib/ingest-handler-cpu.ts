/**
 * CPU of ingest's own single-POST path, without sockets and without Kafka, beside a fastify
 * hello-world measured the same way in the same process (prints only):
 *
 *   npx tsx bench/lib/ingest-handler-cpu.ts [runs] [requests]
 *
 * Both apps get their requests through fastify's `inject` (no HTTP parsing, no socket writes),
 * 64 at a time. Ingest is the real app (app.ts: rate limits, load shedding, validation, the
 * catalog, the text understanding, the reporter HMAC, the dedupe set, produce.ts) with a producer
 * that acknowledges every send on the next turn of the event loop instead of Kafka: what is left
 * is exactly the per-request work of ingest's code and fastify's plugins, the part of a single
 * POST's cost that ingest's code decides. kafkajs and the sockets are what
 * `bench/lib/ingest-alone.ts single` adds. Per run: µs of this process's CPU (user + system) a
 * request for each side; medians at the end. The process's load is the only load: figures move
 * far less with a busy machine than a rate does.
 */
import Fastify from 'fastify';
import { median } from '@downradar/common/bench-results';
import { inProcessIngest, reportJson } from './ingest-in-process';
import { loadAverage } from './peers';

const RUNS = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 20_000);
const CONCURRENCY = 64;
const body = (i: number, run: number) => reportJson('h', i, run);

const { app: ingest, sentMessages } = await inProcessIngest();
// The peer: what bench/lib/fastify-hello.ts serves (parse the JSON body, answer 202).
const hello = Fastify({ logger: false });
hello.post('/v1/reports', async (_req, reply) => reply.status(202).send({ status: 'accepted' }));
await hello.ready();

async function cpuUsPerRequest(app: typeof hello, run: number): Promise<number> {
  let next = 0;
  let bad = '';
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        const r = await app.inject({ method: 'POST', url: '/v1/reports', payload: body(i, run), headers: { 'content-type': 'application/json' } });
        if (r.statusCode !== 202) bad ||= `${r.statusCode} ${r.body}`;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  if (bad) throw new Error(`not accepted: ${bad}`);
  return (c.user + c.system) / N;
}

await cpuUsPerRequest(ingest as unknown as typeof hello, 1000); // warm both (JIT)
await cpuUsPerRequest(hello, 1000);
const rows: { ingest: number; hello: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  const load = loadAverage();
  const i = await cpuUsPerRequest(ingest as unknown as typeof hello, run);
  const h = await cpuUsPerRequest(hello, run);
  rows.push({ ingest: i, hello: h });
  console.log(`run ${run + 1}/${RUNS} (load ${load}): ingest ${i.toFixed(1)} us CPU a report (${sentMessages()} messages handed to the producer so far), fastify hello ${h.toFixed(1)} us a request`);
}
const mi = median(rows.map((r) => r.ingest));
const mh = median(rows.map((r) => r.hello));
console.log(`median: ingest ${mi.toFixed(1)} us, hello ${mh.toFixed(1)} us, ingest's own part ${(mi - mh).toFixed(1)} us a report`);
process.exit(0);
