/**
 * The core's throughput figure: signals per second through `ingest` (with the window closing,
 * scoring, incident and trend work that `advance` does on the way), on one core, with the signals
 * built in memory beforehand so that the figure is the detector's, not the generator's or Kafka's.
 *
 * It reads a clock (`performance.now()`), because measuring time is its purpose; that is why it
 * sits with the benchmarks and not in the core, which stays clock-free. bench/detector.bench.ts
 * calls it and reports `core_signals_per_s`.
 */
import { createDetector, serviceInfoFrom, type DetectorStats } from '@downradar/detector';
import { FORTY_SERVICE_RATES, generateSignals, SAMPLE_CATALOG } from '../../services/detector/src/testing/simulate';

export interface ThroughputOptions {
  /** Signals per measured pass (default 1,000,000). */
  signals?: number;
  /** Distinct services (default 40). */
  services?: number;
  /** Event-time rate of the synthetic stream, signals per second (default 2,000: a large outage at full scale). */
  perSecond?: number;
  /** Call advance() every this many signals (default 5,000). */
  advanceEvery?: number;
  /** Measured passes, each with a fresh detector over the same signals; the best is reported (default 3). */
  repeats?: number;
  seed?: number;
  /** Untimed warm-up signals per pass, so the JIT has compiled the hot path (default 100,000). */
  warmup?: number;
}

export interface ThroughputResult {
  /** Best pass: signals / wall-clock second. */
  signalsPerSecond: number;
  /** Best pass: signals / CPU second of this process (less sensitive to other load on the machine). */
  signalsPerCpuSecond: number;
  signals: number;
  elapsedMs: number;
  passes: { signalsPerSecond: number; signalsPerCpuSecond: number }[];
  windowsClosed: number;
  scores: number;
  stats: DetectorStats;
}

export function measureCoreThroughput(options: ThroughputOptions = {}): ThroughputResult {
  const count = options.signals ?? 1_000_000;
  const serviceCount = options.services ?? 40;
  const warmup = options.warmup ?? 100_000;
  const every = options.advanceEvery ?? 5_000;
  const repeats = Math.max(1, options.repeats ?? 3);
  const services = Array.from({ length: serviceCount }, (_, i) => SAMPLE_CATALOG[i]?.id ?? `service-${i}`);
  const catalog = serviceInfoFrom(services.map((id, i) => SAMPLE_CATALOG.find((s) => s.id === id) ?? { id, baselinePerMinute: FORTY_SERVICE_RATES[i % 40] }));
  const all = generateSignals({
    seed: options.seed ?? 1,
    services,
    count: warmup + count,
    startAt: Date.UTC(2021, 9, 4, 15, 0),
    perSecond: options.perSecond ?? 2_000,
    reporters: 1_000_000,
    jitterMs: 5_000,
  });
  const passes: ThroughputResult['passes'] = [];
  let best: Omit<ThroughputResult, 'passes' | 'signalsPerCpuSecond'> & { signalsPerCpuSecond: number } | undefined;
  for (let r = 0; r < repeats; r++) {
    const detector = createDetector({}, catalog);
    let now = 0;
    for (let i = 0; i < warmup; i++) {
      detector.ingest(all[i]!);
      if (i % every === 0) detector.advance((now += 1));
    }
    const before = detector.stats();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = warmup; i < all.length; i++) {
      detector.ingest(all[i]!);
      if (i % every === 0) detector.advance((now += 1));
    }
    detector.flushAll((now += 1));
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stats = detector.stats();
    const pass = { signalsPerSecond: Math.round(count / (elapsedMs / 1000)), signalsPerCpuSecond: Math.round(count / (cpuMs / 1000)) };
    passes.push(pass);
    if (best === undefined || pass.signalsPerSecond > best.signalsPerSecond) {
      best = {
        ...pass,
        signals: count,
        elapsedMs: Math.round(elapsedMs),
        windowsClosed: stats.windowsClosed - before.windowsClosed,
        scores: stats.scores - before.scores,
        stats,
      };
    }
  }
  return { ...best!, passes };
}
