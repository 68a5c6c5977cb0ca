/**
 * One in-process scorer pass (lib/detector-scorer-throughput.ts) on the detector bench's signals,
 * printed: `npx tsx bench/lib/scorer-pass.ts [passes]`. With `node --cpu-prof` (NODE_OPTIONS) it
 * is the stage's profile without Kafka; bench:detector's scorer part is the same measurement.
 */
import { loadCatalog } from '../../schemas/catalog/index';
import { generateSignals } from '../../services/detector/src/testing/simulate';
import { measureScorer } from './detector-scorer-throughput';
import { loadAverage } from './peers';

const passes = Number(process.argv[2] ?? 3);
const signals = generateSignals({
  seed: 1,
  services: loadCatalog().services.slice(0, 40).map((s) => s.id),
  count: Number(process.env.DOWNRADAR_BENCH_DETECTOR_SIGNALS ?? 500_000),
  startAt: Date.UTC(2021, 9, 4, 15, 0),
  perSecond: 500,
  reporters: 1_000_000,
  postShare: 0.4,
  hashtags: 2000,
  jitterMs: 5000,
}).slice(0, Number(process.env.DOWNRADAR_BENCH_DETECTOR_SCORER_SIGNALS ?? 200_000)); // the bench's first e2e run's signals, as its scorer part takes them
for (let i = 0; i < passes; i++) {
  const p = measureScorer(signals, 'binary');
  console.log(`scorer pass ${i} (load ${loadAverage()}): ${p.signalsPerCpuSecond} signals per CPU second, checkpoint ${p.checkpointBytesPerSignal} bytes a signal, ${p.accepted} accepted`);
}
