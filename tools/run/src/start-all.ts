/**
 * `npm start`: every service against the running stack (npm run stack:up first), until Ctrl-C.
 * `npm start -- --cluster`: against the cluster (npm run stack:up -- --cluster first).
 */
import { clusterEnv, takeClusterFlag } from './cluster-env';
import { describeStopped, serviceUrl, startServices, stopServices, SERVICES } from './processes';

const { cluster, rest } = takeClusterFlag(process.argv.slice(2));
if (rest.length > 0) {
  console.error(`start: unknown arguments ${rest.join(' ')}\nusage: npm start [-- --cluster]`);
  process.exit(2);
}
let env: Record<string, string> = {};
try {
  env = cluster ? clusterEnv() : {};
} catch (err) {
  console.error(`start: ${(err as Error).message}`);
  process.exit(1);
}

const started = Date.now();
console.log(`starting ${SERVICES.map((s) => s.name).join(', ')}${cluster ? ` against the cluster (Kafka ${env.DOWNRADAR_KAFKA_BROKERS}, ClickHouse ${env.DOWNRADAR_CLICKHOUSE_URL})` : ''} ...`);
let running: Awaited<ReturnType<typeof startServices>> = [];
let stopping = false;
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// One request to stop, however many copies of the signal arrive (a Ctrl-C comes from the terminal
// and, under tsx's CLI, once more relayed): the services each get one SIGTERM, and a second
// Ctrl-C reaches them from the terminal directly and forces them.
async function stop() {
  if (stopping) return;
  stopping = true;
  const t = Date.now();
  console.log('stopping services: they drain first (Ctrl-C again forces) ...');
  const stopped = await stopServices(running);
  console.log(`stopped: ${describeStopped(stopped, Date.now() - t)}`);
  process.exit(0);
}
try {
  running = await startServices({
    env,
    onLine: (s, l) => console.log(`[${s.padEnd(8)}] ${l}`),
    onWaiting: (names, ms) => console.log(`still starting after ${Math.round(ms / 1000)} s: ${names.join(', ')} (a loaded machine is slow; DOWNRADAR_START_TIMEOUT_MS bounds the wait)`),
  });
} catch (err) {
  console.error(`start: ${(err as Error).message}`);
  await stopServices(running);
  process.exit(1);
}
console.log(`all services ready in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
console.log(`  dashboard + read API  ${serviceUrl('api')}/   (OpenAPI: /docs)`);
console.log(`  ingest API            ${serviceUrl('ingest')}/v1/reports`);
console.log('Ctrl-C stops everything.');
for (const r of running)
  void r.exited.then((code) => {
    if (!stopping) console.error(`[${r.name}] exited unexpectedly with code ${code}`);
  });
