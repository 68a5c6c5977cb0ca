/**
 * CPU of ingest's own NDJSON batch path a report, without sockets and without Kafka (prints only):
 *
 *   npx tsx bench/lib/ingest-batch-cpu.ts [runs] [reports]
 *
 * The real app (app.ts with the catalog, nlp's understanding as wiring.ts builds it, the reporter
 * HMAC, the dedupe set, produce.ts's grouping and signal batches) gets batches of 5,000 reports
 * (the lines `bench/lib/ingest-alone.ts batch` sends) through fastify's `inject`, 4 in flight,
 * with a producer that acknowledges every send on the next turn of the event loop instead of
 * Kafka. What is left is the per-report work ingest's code decides: kafkajs, node's HTTP parsing
 * and the socket writes are what ingest-alone adds. Per run: µs of this process's CPU (user +
 * system) a report; the median at the end. Run it from two checkouts, alternated, for a
 * before/after of a change to that code.
 */
import { hashApiKey } from '@downradar/common';
import { median } from '@downradar/common/bench-results';
import { inProcessIngest, reportJson } from './ingest-in-process';
import { loadAverage } from './peers';

const RUNS = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 100_000);
const PER_BATCH = 5000;
const IN_FLIGHT = 4;
const KEY = 'bench-batch-cpu-key';
const line = (i: number, run: number) => reportJson('a', i, run);

const { app: ingest, sentMessages } = await inProcessIngest([`${hashApiKey(KEY)}:feed`]);

async function cpuUsPerReport(run: number, n: number): Promise<number> {
  const bodies: string[] = [];
  for (let b = 0; b < n / PER_BATCH; b++) bodies.push(Array.from({ length: PER_BATCH }, (_, i) => line(b * PER_BATCH + i, run)).join('\n'));
  let next = 0;
  let bad = '';
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const r = await ingest.inject({ method: 'POST', url: '/v1/reports/batch', payload: bodies[next++]!, headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY } });
        if (r.statusCode !== 202 || r.json<{ accepted: number }>().accepted !== PER_BATCH) bad ||= `${r.statusCode} ${r.body.slice(0, 300)}`;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  if (bad) throw new Error(`not accepted: ${bad}`);
  return (c.user + c.system) / n;
}

await cpuUsPerReport(1000, 20_000); // warm (JIT)
const runs: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const load = loadAverage();
  const us = await cpuUsPerReport(run, N);
  runs.push(us);
  console.log(`run ${run + 1}/${RUNS} (load ${load}): ${us.toFixed(2)} us CPU a report (${sentMessages()} messages handed to the producer so far)`);
}
console.log(`median: ${median(runs).toFixed(2)} us CPU a report`);
process.exit(0);
