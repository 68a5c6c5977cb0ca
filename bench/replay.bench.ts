/**
 * npm run bench:replay: how fast the scenario engine generates events, how fast the replayer
 * pushes them into the real Kafka broker, and how flat its memory stays.
 *
 *   generate_events_per_s           median of 5 runs generating fb-2021-10-04 at the scale that gives ~2 M events (wall clock)
 *   generate_events_per_cpu_s       the same per CPU second of this process: the per-core figure, robust to a busy machine
 *   generate_week_heap_growth_mb    heap after GC at the end of day 7 minus day 1, quiet-week at scale 1 (~2 M events)
 *   replay_kafka_events_per_s       fb-2021-10-04 slice, ~500 k events, speed max into the broker (reports + posts, acks=all)
 *   replay_kafka_with_signals_events_per_s  the same with services/nlp signals, as ingest writes them (when nlp loads)
 *
 * Needs the stack (bash infra/stack.sh up); without a reachable broker it says so and exits 1.
 * Kafka runs use throwaway topics (bench-replay-<random>.*), deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createKafka, deleteTopicsWithPrefix } from '@downradar/common';
import { compilePlan, expectedTotals } from '../services/replay/src/plan';
import { generateEvents } from '../services/replay/src/generator';
import { loadSignalMaker } from '../services/replay/src/kafka-target';
import { runReplay } from '../services/replay/src/replay';
import { loadScenario } from '../services/replay/src/scenario-loader';
import { median, writeResult } from '@downradar/common/bench-results';

const brokers = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const round = (x: number) => Math.round(x);

// Measuring a heap without a GC measures the GC's mood; expose it for this process.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function kafkaReachable(): Promise<string | null> {
  const kafka = createKafka({ brokers, clientId: 'bench-replay-probe', config: { connectionTimeout: 2000, retry: { retries: 1 } } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const down = await kafkaReachable();
if (down) {
  console.error(`bench:replay: Kafka at ${brokers.join(',')} is not reachable (${down}).`);
  console.error('Start the stack first: npm run stack:up (then npm run stack:status).');
  process.exit(1);
}

const fb = loadScenario('fb-2021-10-04');
const perUnitScale = (() => {
  const e = expectedTotals(compilePlan(fb, { scale: 1 }));
  return e.reports + e.posts;
})();

// 1. generation rate
const genScale = 2_000_000 / perUnitScale;
const rates: number[] = [];
const cpuRates: number[] = [];
let generated = 0;
for (let run = 0; run < 6; run++) {
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const _ of generateEvents(fb, { scale: genScale })) n++;
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuS = (c.user + c.system) / 1e6;
  if (run > 0) {
    // run 0 warms the JIT up
    rates.push(n / s);
    cpuRates.push(n / cpuS);
  }
  generated = n;
  console.error(`generate run ${run}: ${n.toLocaleString('en-US')} events in ${s.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU${run === 0 ? ' (warm-up, not counted)' : ''}`);
}

// 2. memory over a week
const qw = loadScenario('quiet-week');
const qwStart = Date.parse(qw.start);
const heap: number[] = [];
let day = 0;
let weekEvents = 0;
for (const e of generateEvents(qw, { scale: 1 })) {
  weekEvents++;
  const d = Math.min(6, Math.floor((e.emitAt - qwStart) / 86_400_000));
  if (d > day) {
    day = d;
    gc();
    heap.push(process.memoryUsage().heapUsed);
  }
}
gc();
heap.push(process.memoryUsage().heapUsed);
console.error(`quiet-week: ${weekEvents.toLocaleString('en-US')} events, heap after GC per day (MB): ${heap.map((h) => (h / 1048576).toFixed(1)).join(' ')}`);

// 3. replay into Kafka at full speed
const kafkaScale = 500_000 / perUnitScale;
const slice = { from: fb.start, to: fb.end };
async function kafkaRun(signals: 'off' | Awaited<ReturnType<typeof loadSignalMaker>>['maker'] & object): Promise<number> {
  const prefix = `bench-replay-${randomBytes(4).toString('hex')}`;
  const kafka = createKafka({ brokers, clientId: 'bench-replay-cleanup' });
  try {
    const s = await runReplay({ scenario: fb, target: 'kafka', brokers, topicPrefix: prefix, signals, speed: 'max', scale: kafkaScale, ...slice, batchSize: 5000 });
    console.error(`replay kafka (signals ${signals === 'off' ? 'off' : 'on'}): ${s.sent.toLocaleString('en-US')} events in ${(s.durationMs / 1000).toFixed(2)} s`);
    return s.eventsPerSecond;
  } finally {
    await deleteTopicsWithPrefix(kafka, prefix).catch((err: unknown) => console.error(`could not delete ${prefix}.*: ${(err as Error).message}`));
  }
}

const metrics: Record<string, number> = {
  generate_events_per_s: round(median(rates)),
  generate_events_per_cpu_s: round(median(cpuRates)),
  generate_events_per_run: generated,
  generate_scale_ppm: round(genScale * 1e6),
  generate_week_heap_growth_mb: Math.round(((heap[heap.length - 1]! - heap[0]!) / 1048576) * 100) / 100,
  generate_week_events: weekEvents,
};
const kafkaRates = [await kafkaRun('off'), await kafkaRun('off'), await kafkaRun('off')];
metrics.replay_kafka_events_per_s = round(median(kafkaRates));
const { maker, reason } = await loadSignalMaker();
if (maker) metrics.replay_kafka_with_signals_events_per_s = round(await kafkaRun(maker));
else console.error(`replay with signals not measured: ${reason}`);

writeResult('replay', metrics);
process.exit(0);
