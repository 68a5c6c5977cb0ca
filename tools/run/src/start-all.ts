/** `npm start`: every service against the running stack (npm run stack:up first), until Ctrl-C. */
import { describeStopped, startServices, stopServices, SERVICES } from './processes';

const started = Date.now();
console.log(`starting ${SERVICES.map((s) => s.name).join(', ')} ...`);
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
  running = await startServices({ onLine: (s, l) => console.log(`[${s.padEnd(8)}] ${l}`) });
} catch (err) {
  console.error(`start: ${(err as Error).message}`);
  await stopServices(running);
  process.exit(1);
}
console.log(`all services ready in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
console.log('  dashboard + read API  http://127.0.0.1:8080/   (OpenAPI: /docs)');
console.log('  ingest API            http://127.0.0.1:8081/v1/reports');
console.log('Ctrl-C stops everything.');
for (const r of running)
  void r.exited.then((code) => {
    if (!stopping) console.error(`[${r.name}] exited unexpectedly with code ${code}`);
  });
