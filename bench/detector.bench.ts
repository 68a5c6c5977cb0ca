/**
 * `npm run bench:detector`: the detector's throughput, alone and from Kafka, and its alert latency.
 *
 *  core_signals_per_s      the pure core on one core (lib/detector-core-throughput.ts: 1,000,000 pre-built
 *                          signals of 40 services through ingest/advance), median of 3 passes.
 *  scorer_signals_per_cpu_s the scoring stage in this process, without Kafka (lib/detector-scorer-throughput.ts:
 *                          DOWNRADAR_BENCH_DETECTOR_SCORER_SIGNALS, default 200,000, of the e2e signals, in
 *                          one PartitionScorer, 250 messages a transaction: read, ingest, advance,
 *                          checkpoint), binary messages; scorer_json_signals_per_cpu_s the same from
 *                          JSON messages (the form before the binary one), and their ratio.
 *  read_us_per_signal      the read path alone (lib/signal-read-throughput.ts): CPU µs a signal for
 *                          readSignalMessage on the scorer's binary messages (decode and schema check
 *                          in one pass); its peer read_decode_then_schema_us_per_signal, the path before
 *                          (decode to objects, then ajv on each), and read_speedup (peer / it).
 *  checkpoint_bytes_per_signal  its checkpoint records' bytes a signal; checkpoint_whole_dedupe_bytes_per_signal
 *                          and _cpu_us_per_signal: what serialising every dedupe table in every
 *                          transaction (the checkpoint before deltas) would write and cost.
 *  e2e_signals_per_s       per run: N signals (DOWNRADAR_BENCH_DETECTOR_SIGNALS, default 1,000,000;
 *                          40 catalog services, 1,000,000 reporters, 40 % posts with hashtags)
 *                          produced to a fresh topic prefix first, as the producers write them (one
 *                          message per service per 5 s, binary; DOWNRADAR_BENCH_DETECTOR_SIGNAL_FORMAT=json:
 *                          JSON batches, the form before; DOWNRADAR_BENCH_DETECTOR_SIGNAL_BATCHES=0:
 *                          one JSON signal per message); then the detector is started as
 *                          its own process and the clock runs from the spawn until the scoring
 *                          group's committed offsets reach the end of downradar.signals (start-up,
 *                          group join, checkpoint restore, every transaction included).
 *                          With N = 1,000,000 a run reads for ~6 s after a start-up of ~2 s; at
 *                          500,000 (before session 9) the start-up was about half of the run.
 *  e2e_steady_signals_per_s the same, from the first committed offset instead of the spawn (as
 *                          before session 9: the first batch's signals count but not its time, so it
 *                          reads high); e2e_after_startup_signals_per_s from the end of the start-up
 *                          (detector_startup_s) instead: every signal and all the time spent on them.
 *  detector_startup_s      per run, from the spawn to the scoring stage's "signals partitions
 *                          assigned" log line (the e2e runs' detector logs at info): modules loaded,
 *                          service built, topics checked, group joined, checkpoints restored, scoring
 *                          resumes (what a user waits for after a crash or a deploy). Not /readyz: with
 *                          a backlog the first batch is fetched at once and /readyz answers only when
 *                          it is scored. detector_listening_s to /healthz answering (modules loaded,
 *                          service built), detector_listening_cpu_s the detector's CPU seconds by
 *                          then; detector_first_commit_s to the first committed offset (the first
 *                          batch scored too). From lib/detector-startup.ts, which run alone also
 *                          measures a restart on checkpoints.
 *  alert_latency_p99_ms    per run: a live feed, one minute of event time every 150 ms, 16
 *                          unrelated services spiking in turn (opened / updated / resolved); per
 *                          incident event: its alert's Kafka timestamp minus the moment its window
 *                          was closed (computedAt of the last score of that window). p99 per run.
 *  alert_from_feed_p99_ms  the same alerts from the feed's side: the alert's Kafka timestamp minus the
 *                          moment the broker acknowledged the signal that closed its window on the
 *                          last partition to close it (its first signal with event time >= window end
 *                          + allowed lateness; a partition closed idle counts from its progress
 *                          message), so what a signal waits in the broker before the scoring stage
 *                          fetches it counts too (the fetch's minBytes/wait: DOWNRADAR_DETECTOR_FETCH_MIN_BYTES,
 *                          _WAIT_MS). The feed is slow traffic (a few KB a step): a fetch waiting for
 *                          bytes waits its whole wait.
 *                          Printed beside it: feed step acknowledged -> its signal scored, per close.
 *  alert_latency_metric_p99_ms  the same from the service's own detector_alert_latency_ms
 *                          histogram (window close to the COMMIT of the alert; bucket upper bound).
 *  java_consume_per_s      Kafka's Java consumer reading the same messages, in signals/s (records/s x
 *                          signals per record); kcat_consume_per_s likewise.
 *  kafkajs_consume_per_s   bare kafkajs (lib/kafkajs-consume-peer.ts: its own process and group,
 *                          eachBatch, 16 MiB a partition / 64 MiB a fetch, all partitions at once,
 *                          counting records and nothing else) reading the same messages, in signals/s
 *                          from its first batch to the last record: the best case for the client the
 *                          detector reads with. e2e_to_kafkajs_ratio = e2e_steady_signals_per_s / it
 *                          (both from the first progress), e2e_spawn_to_kafkajs_ratio the same for
 *                          e2e_signals_per_s (from the spawn) against the peer from its connect.
 *                          Per CPU second, the figure a shared machine bends least:
 *                          kafkajs_consume_per_cpu_s (the peer's whole process), e2e_steady_signals_per_cpu_s
 *                          (the signals the detector consumed after its first commit over the CPU its
 *                          process tree spent meanwhile, from /proc), e2e_to_kafkajs_cpu_ratio.
 * DOWNRADAR_BENCH_DETECTOR_PROCESSES sets the detector's DOWNRADAR_DETECTOR_PROCESSES (default 1).
 * Every figure is the median of DOWNRADAR_BENCH_RUNS runs (default 3).
 */
import type { ChildProcess } from 'node:child_process';
import { createKafka, createProducer, deleteTopicsWithPrefix, ensureTopics, serializedSignalMessages, signalMessages, topicNames, type OutMessage } from '@downradar/common';
import { loadCatalog } from '../schemas/catalog/index';
import type { IncidentEvent, ScoreEvent, SignalEvent } from '../schemas/events/index';
import { measureCoreThroughput } from './lib/detector-core-throughput';
import { measureScorer, type ScorerPass } from './lib/detector-scorer-throughput';
import { measureRead, type ReadPass } from './lib/signal-read-throughput';
import { generateSignals, generateTraffic } from '../services/detector/src/testing/simulate';
import { readAll, readJson } from '../services/detector/src/testing/testkit';
import { DEFAULT_DETECTOR_CONFIG } from '../services/detector/src/core/config';
import { keyPartition } from '@downradar/common/kafka/key-partition';
import { fmtMark, measureStartup } from './lib/detector-startup';
import { processTreeMemory, startServiceProcess, stopProcess } from './lib/processes';
import { javaConsume, kafkajsConsume, kcatConsume, loadAverage, ratio } from './lib/peers';
import { median, writeResult } from '@downradar/common/bench-results';

const N = Number(process.env.DOWNRADAR_BENCH_DETECTOR_SIGNALS ?? 1_000_000);
/** Signals of the in-process scorer passes (DOWNRADAR_BENCH_DETECTOR_SCORER_SIGNALS). */
const SCORER_N = Number(process.env.DOWNRADAR_BENCH_DETECTOR_SCORER_SIGNALS ?? 200_000);
const RUNS = Number(process.env.DOWNRADAR_BENCH_RUNS ?? 3);
const PARTITIONS = Number(process.env.DOWNRADAR_BENCH_PARTITIONS ?? 6);
const PORT = Number(process.env.DOWNRADAR_BENCH_DETECTOR_PORT ?? process.env.DOWNRADAR_DETECTOR_PORT ?? 18_084);
/** DOWNRADAR_DETECTOR_PROCESSES of the detector under test (both cores: 2). */
const PROCESSES = process.env.DOWNRADAR_BENCH_DETECTOR_PROCESSES;
const BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-detector' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MIN = 60_000;

const serviceEnv = (prefix: string): NodeJS.ProcessEnv => ({
  DOWNRADAR_TOPIC_PREFIX: prefix,
  DOWNRADAR_KAFKA_PARTITIONS: String(PARTITIONS),
  DOWNRADAR_DETECTOR_PORT: String(PORT),
  DOWNRADAR_DETECTOR_INSTANCE: 'bench',
  DOWNRADAR_DETECTOR_GROUP_ID: `${prefix}-detector`,
  DOWNRADAR_DETECTOR_INCIDENTS_GROUP_ID: `${prefix}-incidents`,
  DOWNRADAR_DETECTOR_IDLE_TIMEOUT_MS: '0',
  DOWNRADAR_DETECTOR_EMPTY_PARTITION_IDLE_MS: '2000',
  DOWNRADAR_DETECTOR_SESSION_TIMEOUT_MS: '10000',
  DOWNRADAR_LOG_LEVEL: 'warn',
  ...(PROCESSES ? { DOWNRADAR_DETECTOR_PROCESSES: PROCESSES } : {}),
});

/**
 * The signals as the producers write them: with BATCHES (the default), as ingest and the replay do,
 * one SignalBatch per service per 5 s of event time (chunks of 10,000 signals standing for
 * requests); DOWNRADAR_BENCH_DETECTOR_SIGNAL_BATCHES=0 writes one signal per message.
 */
const BATCHES = process.env.DOWNRADAR_BENCH_DETECTOR_SIGNAL_BATCHES !== '0';
/**
 * DOWNRADAR_BENCH_DETECTOR_SIGNAL_FORMAT=json writes the batches in the JSON form (what producers
 * wrote before the binary form, and what ingest and the sources still write); default binary.
 */
const JSON_FORM = process.env.DOWNRADAR_BENCH_DETECTOR_SIGNAL_FORMAT === 'json';
const SLICE_MS = 5_000;
const pack = (topic: string, slice: readonly SignalEvent[]): OutMessage[] =>
  JSON_FORM ? serializedSignalMessages(topic, slice.map((s) => ({ serviceId: s.serviceId, json: JSON.stringify(s) }))) : signalMessages(topic, slice);

function messagesOf(topic: string, chunk: readonly SignalEvent[]): OutMessage[] {
  if (!BATCHES) return chunk.map((s) => ({ topic, key: s.serviceId, value: JSON.stringify(s) }));
  const out: OutMessage[] = [];
  let slice: SignalEvent[] = [];
  let min = 0;
  let max = 0;
  for (const s of chunk) {
    if (slice.length > 0 && (s.at - min > SLICE_MS || max - s.at > SLICE_MS)) {
      out.push(...pack(topic, slice));
      slice = [];
    }
    if (slice.length === 0) min = max = s.at;
    min = Math.min(min, s.at);
    max = Math.max(max, s.at);
    slice.push(s);
  }
  if (slice.length > 0) out.push(...pack(topic, slice));
  return out;
}

/** Produces the signals; returns how many Kafka messages they took. */
async function produce(topic: string, signals: readonly SignalEvent[]): Promise<number> {
  const producer = createProducer({ kafka, lingerMs: 5 });
  await producer.connect();
  let messages = 0;
  try {
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < signals.length; i += 10_000) {
      const chunk = messagesOf(topic, signals.slice(i, i + 10_000));
      messages += chunk.length;
      inFlight.push(producer.send(chunk));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    await producer.close();
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------

function core(): number {
  const r = measureCoreThroughput({ signals: 1_000_000, repeats: 3 });
  console.log(`core: passes ${r.passes.map((p) => p.signalsPerSecond).join(', ')} signals/s (per CPU second: ${r.passes.map((p) => p.signalsPerCpuSecond).join(', ')})`);
  return median(r.passes.map((p) => p.signalsPerSecond));
}

// ---------------------------------------------------------------------------------------------

/** The scoring stage in process (lib/detector-scorer-throughput.ts), binary and JSON messages, median of RUNS passes each. */
function scorer(): { binary: ScorerPass; json: ScorerPass } {
  const signals = e2eSignals(1).slice(0, SCORER_N);
  const passes: Record<'binary' | 'json', ScorerPass[]> = { binary: [], json: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const format of ['json', 'binary'] as const) {
      const p = measureScorer(signals, format);
      passes[format].push(p);
      console.log(
        `scorer pass ${run} (${format}, load ${loadAverage()}): ${p.signalsPerCpuSecond} signals per CPU second; checkpoint ${p.checkpointBytesPerSignal} bytes a signal ` +
          `(the dedupe tables whole every transaction: ${p.wholeTablesBytesPerSignal} bytes and ${p.wholeTablesCpuUsPerSignal} µs CPU a signal)`,
      );
    }
  }
  const mid = (list: ScorerPass[]) => [...list].sort((a, b) => a.signalsPerCpuSecond - b.signalsPerCpuSecond)[Math.floor(list.length / 2)]!;
  return { binary: mid(passes.binary), json: mid(passes.json) };
}

/** The read path alone against the path before it, median of RUNS interleaved passes each. */
function read(): ReadPass {
  const signals = e2eSignals(1).slice(0, SCORER_N);
  const passes: ReadPass[] = [];
  for (let run = 0; run < RUNS; run++) {
    const p = measureRead(signals);
    passes.push(p);
    console.log(`read pass ${run} (load ${loadAverage()}): ${p.oneFastUs} µs CPU a signal; decode then schema check (the path before) ${p.decodeThenSchemaUs} µs`);
  }
  return { oneFastUs: median(passes.map((p) => p.oneFastUs)), decodeThenSchemaUs: median(passes.map((p) => p.decodeThenSchemaUs)) };
}

function e2eSignals(seed: number): SignalEvent[] {
  const services = loadCatalog().services.slice(0, 40).map((s) => s.id);
  const signals = generateSignals({
    seed,
    services,
    count: N,
    startAt: Date.UTC(2021, 9, 4, 15, 0),
    perSecond: 500, // event time: N / 500 s, so windows close all along
    reporters: 1_000_000,
    postShare: 0.4,
    hashtags: 2000,
    jitterMs: 5000,
  });
  return signals;
}

interface E2eRun {
  /** Seconds from the spawn (and CPU seconds by /readyz): see lib/detector-startup.ts. */
  startup: { listeningS: number; listeningCpuS: number; resumedS: number; firstCommitS: number };
  perS: number;
  steadyPerS: number;
  afterStartupPerS: number;
  javaPerS: number;
  kcatPerS: number;
  kafkajsPerS: number;
  kafkajsWithJoinPerS: number;
  kafkajsPerCpuS: number;
  steadyPerCpuS: number;
  peakRssMb: number;
  load: number;
  signalsPerMessage: number;
}

async function e2eRun(run: number): Promise<E2eRun> {
  const prefix = `bench-detector-e2e-${Date.now().toString(36)}-${run}`;
  const topics = topicNames(prefix);
  await ensureTopics(kafka, { prefix, partitions: PARTITIONS });
  const signals = e2eSignals(run + 1);
  const p0 = performance.now();
  const messages = await produce(topics.signals, signals);
  console.log(`e2e run ${run}: ${signals.length} signals produced in ${messages} messages (${BATCHES ? `signal batches, ${JSON_FORM ? 'JSON' : 'binary'}` : 'one per message'}) in ${((performance.now() - p0) / 1000).toFixed(1)} s`);
  // The peers read the same messages; their rate is given in signals (records x signals per record).
  const perRecord = N / messages;
  const javaRecords = await javaConsume({ brokers: BROKERS.join(','), topic: topics.signals, records: messages });
  const kcatRecords = await kcatConsume({ brokers: BROKERS.join(','), topic: topics.signals, records: messages });
  const java = { perS: javaRecords.perS * perRecord, withJoinPerS: javaRecords.withJoinPerS * perRecord };
  const kcat = { perS: kcatRecords.perS * perRecord };
  const kafkajsRecords = await kafkajsConsume({ brokers: BROKERS.join(','), topic: topics.signals, records: messages });
  // In the binary form the peer counts the signals itself: every one of them must have come.
  if (BATCHES && !JSON_FORM && kafkajsRecords.signals !== N) throw new Error(`e2e run ${run}: the kafkajs peer counted ${kafkajsRecords.signals} signals of ${N}`);
  const kafkajs = { perS: kafkajsRecords.perS * perRecord, withJoinPerS: kafkajsRecords.withJoinPerS * perRecord, perCpuS: N / kafkajsRecords.cpuS };
  console.log(
    `e2e run ${run}: peers read the same ${messages} messages: Java consumer ${Math.round(javaRecords.perS)} records/s = ${Math.round(java.perS)} signals/s (${Math.round(java.withJoinPerS)}/s with its group join), kcat ${Math.round(kcatRecords.perS)} records/s = ${Math.round(kcat.perS)} signals/s, ` +
      `bare kafkajs ${Math.round(kafkajsRecords.perS)} records/s = ${Math.round(kafkajs.perS)} signals/s (${Math.round(kafkajs.withJoinPerS)}/s with its join; ${kafkajsRecords.cpuS.toFixed(2)} s CPU)`,
  );
  const load = loadAverage();
  let child: ChildProcess | undefined;
  let peakRssMb = 0;
  try {
    // Spawn -> listening -> ready -> first commit -> every signal committed (lib/detector-startup.ts).
    const s = await measureStartup({
      kafka,
      // At info the detector logs its assignment (the moment scoring resumes) and little else: no line a batch.
      env: { ...serviceEnv(prefix), DOWNRADAR_LOG_LEVEL: 'info' },
      port: PORT,
      groupId: `${prefix}-detector`,
      signalsTopic: topics.signals,
      messages,
      onChild: (c) => (child = c),
      onPoll: (pid) => (peakRssMb = Math.max(peakRssMb, ...processTreeMemory(pid).map((m) => m.peakRssMb))),
    });
    const first = s.first ?? s.done;
    const elapsed = s.done.wallS;
    const steady = s.done.wallS - first.wallS;
    const perS = N / elapsed;
    const steadyPerS = N / Math.max(steady, 1e-3);
    const resumedS = s.resumedS ?? s.ready.wallS;
    const afterStartupPerS = N / Math.max(s.done.wallS - resumedS, 1e-3);
    // The messages left at the first commit, in signals, over the CPU the detector spent on them.
    const steadyPerCpuS = ((first.lag / messages) * N) / Math.max(s.done.cpuS - first.cpuS, 1e-3);
    peakRssMb = Math.max(peakRssMb, ...processTreeMemory(child!.pid!).map((m) => m.peakRssMb));
    console.log(
      `e2e run ${run} (load ${load}): start-up: listening ${fmtMark(s.listening)}, partitions assigned and restored ${resumedS.toFixed(2)} s, /readyz ${fmtMark(s.ready)}, first commit ${fmtMark(s.first)}; ` +
        `consumed in ${elapsed.toFixed(1)} s from the spawn (${Math.round(perS)}/s), ${(elapsed - resumedS).toFixed(1)} s from the assignment (${Math.round(afterStartupPerS)}/s), ${steady.toFixed(1)} s from the first commit (${Math.round(steadyPerS)}/s); ` +
        `${ratio(steadyPerS, java.perS)} of the Java consumer, ${ratio(steadyPerS, kafkajs.perS)} of bare kafkajs; ` +
        `per CPU second ${Math.round(steadyPerCpuS)} signals, bare kafkajs ${Math.round(kafkajs.perCpuS)} (ratio ${ratio(steadyPerCpuS, kafkajs.perCpuS)}); peak RSS ${peakRssMb} MB`,
    );
    return { startup: { listeningS: s.listening.wallS, listeningCpuS: s.listening.cpuS, resumedS, firstCommitS: first.wallS }, perS, steadyPerS, afterStartupPerS, javaPerS: java.perS, kcatPerS: kcat.perS, kafkajsPerS: kafkajs.perS, kafkajsWithJoinPerS: kafkajs.withJoinPerS, kafkajsPerCpuS: kafkajs.perCpuS, steadyPerCpuS, peakRssMb, load, signalsPerMessage: perRecord };
  } finally {
    if (child) await stopProcess(child);
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

/** Unrelated services (own provider, no family): each spike is an incident of its own. */
const LATENCY_SERVICES = [
  'twitter', 'telegram', 'bluesky', 'zoom', 'line', 'steam', 'roblox', 'ebay',
  'paypal', 'chase', 'bank-of-america', 'wells-fargo', 'barclays', 'hsbc', 'lloyds-bank', 'cloudflare',
];
const PACE_MS = 150;
const SPIKE_WINDOWS = 6;
const SPIKE_EVERY = 5;

function latencyFeed(seed: number): { windows: SignalEvent[][]; from: number } {
  const catalog = loadCatalog();
  const from = Date.UTC(2021, 9, 4, 0, 0);
  const first = 20;
  const rounds = 2;
  const totalWindows = first + rounds * LATENCY_SERVICES.length * SPIKE_EVERY + 25;
  const spikeStart = (i: number, round: number) => first + (round * LATENCY_SERVICES.length + i) * SPIKE_EVERY;
  const signals = generateTraffic({
    seed,
    from,
    to: from + totalWindows * MIN,
    services: LATENCY_SERVICES.map((id, i) => {
      const base = catalog.get(id)?.baselinePerMinute ?? 0.5;
      return {
        serviceId: id,
        perMinute: (t: number) => {
          const w = Math.floor((t - from) / MIN);
          for (let round = 0; round < rounds; round++) {
            const s = spikeStart(i, round);
            if (w >= s && w < s + SPIKE_WINDOWS) return Math.max(40, base * 30);
          }
          return base;
        },
      };
    }),
  });
  const windows: SignalEvent[][] = Array.from({ length: totalWindows }, () => []);
  for (const s of signals) windows[Math.floor((s.at - from) / MIN)]?.push(s); // repeats past the end are dropped
  return { windows, from };
}

function p99(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)]!;
}

/** p99 from a Prometheus histogram's cumulative buckets: the upper bound of the bucket holding it. */
function histogramP99(metrics: string, name: string): number {
  const buckets: [number, number][] = [];
  for (const line of metrics.split('\n')) {
    const m = line.match(new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} (\\d+)`));
    if (m) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total === 0) return NaN;
  for (const [le, count] of buckets) if (count >= 0.99 * total) return le;
  return Infinity;
}

async function latencyRun(run: number): Promise<{ p99: number; metricP99: number; events: number; feedP99: number }> {
  const prefix = `bench-detector-lat-${Date.now().toString(36)}-${run}`;
  const topics = topicNames(prefix);
  await ensureTopics(kafka, { prefix, partitions: PARTITIONS });
  const { windows } = latencyFeed(run + 11);
  let child: ChildProcess | undefined;
  const producer = createProducer({ kafka });
  try {
    child = await startServiceProcess('detector', serviceEnv(prefix), `http://127.0.0.1:${PORT}/readyz`, 120_000);
    await producer.connect();
    const t0 = performance.now();
    const feedStartedAt = Date.now();
    // When each minute of the feed was in Kafka (acknowledged), and the latest event time it held.
    const sentAt: { at: number; maxEventAt: Map<number, number> }[] = [];
    for (let k = 0; k < windows.length; k++) {
      const batch = windows[k]!;
      if (batch.length > 0) {
        await producer.send(batch.map((s) => ({ topic: topics.signals, key: s.serviceId, value: JSON.stringify(s) })));
        const maxEventAt = new Map<number, number>(); // by signals partition
        for (const s of batch) {
          const part = keyPartition(s.serviceId, PARTITIONS);
          maxEventAt.set(part, Math.max(maxEventAt.get(part) ?? -Infinity, s.at));
        }
        sentAt.push({ at: Date.now(), maxEventAt });
      }
      const wait = t0 + (k + 1) * PACE_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await sleep(3000); // the last windows' transactions
    const [alerts, scores, metrics] = await Promise.all([
      readJson<IncidentEvent>(kafka, topics.alerts),
      readJson<ScoreEvent>(kafka, topics.scores),
      fetch(`http://127.0.0.1:${PORT}/metrics`).then((r) => r.text()),
    ]);
    const alertMessages = await readAll(kafka, topics.alerts);
    const closedAt = new Map<number, number>();
    for (const s of scores) closedAt.set(s.windowEnd, Math.max(closedAt.get(s.windowEnd) ?? 0, s.computedAt));
    const latencies: number[] = [];
    for (const m of alertMessages) {
      const e = JSON.parse(m.value) as IncidentEvent;
      const closed = closedAt.get(e.at);
      if (closed !== undefined) latencies.push(m.timestamp - closed);
    }
    // Where the time goes: the last signals partition to close the alert's window (its progress
    // message on the windows topic, Kafka timestamp) against the scores' close and the alert.
    const progress = (await readAll(kafka, topics.detectorWindows)).map((m) => ({ t: m.timestamp, p: JSON.parse(m.value) as { partition: number; closedUpTo: number | null; idle: boolean; instance: string } }));
    // A partition whose progress comes from another instance than before moved (a rebalance during the feed).
    const writer = new Map<number, string>();
    const moves: string[] = [];
    for (const x of progress) {
      const before = writer.get(x.p.partition);
      if (before !== undefined && before !== x.p.instance) moves.push(`p${x.p.partition} ${before}->${x.p.instance} at +${Math.round(x.t - feedStartedAt)} ms`);
      writer.set(x.p.partition, x.p.instance);
    }
    if (moves.length > 0) console.log(`latency run ${run}: partitions moved during the feed: ${moves.join('; ')}`);
    // From the feed's side, what a signal waits before it is scored (the fetch's minBytes/wait:
    // DOWNRADAR_DETECTOR_FETCH_MIN_BYTES, _WAIT_MS): a partition's progress message that closes
    // windows up to c is written in the transaction of the batch holding its first signal with
    // event time >= c + allowed lateness; from the broker's ack of the feed step that sent it to
    // that progress message's timestamp. An alert's: from the ack of the LAST partition's closing
    // signal (a partition that closed the window idle, on the clock, counts from its progress
    // message: no signal waited) to the alert's timestamp.
    const L = DEFAULT_DETECTOR_CONFIG.allowedLatenessMs;
    const scoredAfter: number[] = [];
    const closedBy = new Map<number, { c: number; t: number; ack: number }[]>(); // partition -> closes in order
    const lastClosed = new Map<number, number>();
    for (const x of progress) {
      const c = x.p.closedUpTo;
      if (c === null || c <= (lastClosed.get(x.p.partition) ?? -Infinity)) continue;
      lastClosed.set(x.p.partition, c);
      const step = x.p.idle ? undefined : sentAt.find((st) => (st.maxEventAt.get(x.p.partition) ?? -Infinity) >= c + L);
      const ack = step !== undefined && step.at <= x.t ? step.at : x.t;
      if (step !== undefined && step.at <= x.t) scoredAfter.push(x.t - step.at);
      let list = closedBy.get(x.p.partition);
      if (list === undefined) closedBy.set(x.p.partition, (list = []));
      list.push({ c, t: x.t, ack });
    }
    const fromFeed: number[] = [];
    for (const m of alertMessages) {
      const e = JSON.parse(m.value) as IncidentEvent;
      let trigger = -Infinity;
      for (const list of closedBy.values()) {
        const first = list.find((x) => x.c >= e.at);
        if (first !== undefined) trigger = Math.max(trigger, first.ack);
      }
      if (trigger > -Infinity) fromFeed.push(m.timestamp - trigger);
    }
    console.log(
      `latency run ${run}: feed step acknowledged -> its signal scored (the progress message of the batch that closed the window) p50 ${median(scoredAfter)} ms, p99 ${p99(scoredAfter)} ms, max ${Math.max(...scoredAfter)} ms (${scoredAfter.length} closes)`,
    );
    const waitSlowest: number[] = [];
    const afterSlowest: number[] = [];
    const slowest = new Map<number, number>();
    for (const m of alertMessages) {
      const e = JSON.parse(m.value) as IncidentEvent;
      const closed = closedAt.get(e.at);
      if (closed === undefined) continue;
      let last = 0;
      let lastPartition = -1;
      for (let part = 0; part < PARTITIONS; part++) {
        const first = progress.find((x) => x.p.partition === part && (x.p.idle || (x.p.closedUpTo !== null && x.p.closedUpTo >= e.at)));
        if (first !== undefined && first.t > last) [last, lastPartition] = [first.t, part];
      }
      if (m.timestamp - closed > 500) console.log(`latency run ${run}: slow alert ${e.type} ${e.incidentId} window end +${Math.round(closed - feedStartedAt)} ms after the feed began: ${m.timestamp - closed} ms (last partition ${lastPartition} at +${last - closed} ms)`);
      waitSlowest.push(last - closed);
      afterSlowest.push(m.timestamp - last);
      slowest.set(lastPartition, (slowest.get(lastPartition) ?? 0) + 1);
    }
    console.log(
      `latency run ${run}: scores' close -> the last partition's progress on the windows topic p50 ${median(waitSlowest)} ms, p99 ${p99(waitSlowest)} ms; ` +
        `that progress -> alert p50 ${median(afterSlowest)} ms, p99 ${p99(afterSlowest)} ms; last partition (partition: alerts) ${[...slowest].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
    );
    const opened = alerts.filter((e) => e.type === 'opened').length;
    const resolved = alerts.filter((e) => e.type === 'resolved').length;
    const result = { p99: p99(latencies), metricP99: histogramP99(metrics, 'detector_alert_latency_ms'), events: latencies.length, feedP99: p99(fromFeed) };
    console.log(
      `latency run ${run}: ${alerts.length} incident events (${opened} opened, ${resolved} resolved), window close -> alert on Kafka p50 ${median(latencies)} ms, p99 ${result.p99} ms, max ${Math.max(...latencies)} ms; metric p99 <= ${result.metricP99} ms; ` +
        `last partition's closing signal acknowledged -> alert on Kafka p50 ${median(fromFeed)} ms, p99 ${result.feedP99} ms, max ${Math.max(...fromFeed)} ms (${fromFeed.length} events)`,
    );
    return result;
  } finally {
    await producer.close();
    if (child) await stopProcess(child);
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

/** DOWNRADAR_BENCH_DETECTOR_PARTS=latency (or e2e, ...): only those parts, printed, no result file written. */
const PARTS = process.env.DOWNRADAR_BENCH_DETECTOR_PARTS?.split(',');

async function someParts(parts: string[]): Promise<void> {
  if (parts.includes('core')) core();
  if (parts.includes('scorer')) scorer();
  if (parts.includes('read')) read();
  if (parts.includes('e2e')) for (let r = 0; r < RUNS; r++) await e2eRun(r);
  if (parts.includes('latency')) for (let r = 0; r < RUNS; r++) await latencyRun(r);
  process.exit(0);
}

async function main(): Promise<void> {
  if (PARTS !== undefined) return someParts(PARTS);
  const coreRate = core();
  const sc = scorer();
  const rd = read();
  const e2e: E2eRun[] = [];
  for (let r = 0; r < RUNS; r++) e2e.push(await e2eRun(r));
  const latency: { p99: number; metricP99: number; events: number; feedP99: number }[] = [];
  for (let r = 0; r < RUNS; r++) latency.push(await latencyRun(r));
  writeResult('detector', {
    core_signals_per_s: Math.round(coreRate),
    scorer_signals_per_cpu_s: sc.binary.signalsPerCpuSecond,
    scorer_json_signals_per_cpu_s: sc.json.signalsPerCpuSecond,
    scorer_binary_to_json_ratio: ratio(sc.binary.signalsPerCpuSecond, sc.json.signalsPerCpuSecond),
    read_us_per_signal: rd.oneFastUs,
    read_decode_then_schema_us_per_signal: rd.decodeThenSchemaUs,
    read_speedup: ratio(rd.decodeThenSchemaUs, rd.oneFastUs),
    checkpoint_bytes_per_signal: sc.binary.checkpointBytesPerSignal,
    checkpoint_whole_dedupe_bytes_per_signal: sc.binary.wholeTablesBytesPerSignal,
    checkpoint_whole_dedupe_cpu_us_per_signal: sc.binary.wholeTablesCpuUsPerSignal,
    e2e_signals_per_s: Math.round(median(e2e.map((x) => x.perS))),
    e2e_steady_signals_per_s: Math.round(median(e2e.map((x) => x.steadyPerS))),
    e2e_after_startup_signals_per_s: Math.round(median(e2e.map((x) => x.afterStartupPerS))),
    detector_startup_s: Number(median(e2e.map((x) => x.startup.resumedS)).toFixed(2)),
    detector_listening_s: Number(median(e2e.map((x) => x.startup.listeningS)).toFixed(2)),
    detector_listening_cpu_s: Number(median(e2e.map((x) => x.startup.listeningCpuS)).toFixed(2)),
    detector_first_commit_s: Number(median(e2e.map((x) => x.startup.firstCommitS)).toFixed(2)),
    alert_latency_p99_ms: Math.round(median(latency.map((x) => x.p99))),
    alert_latency_metric_p99_ms: median(latency.map((x) => x.metricP99)),
    alert_events_per_run: Math.round(median(latency.map((x) => x.events))),
    alert_from_feed_p99_ms: Math.round(median(latency.map((x) => x.feedP99))),
    java_consume_per_s: Math.round(median(e2e.map((x) => x.javaPerS))),
    kcat_consume_per_s: Math.round(median(e2e.map((x) => x.kcatPerS))),
    e2e_steady_to_java_consume_ratio: ratio(median(e2e.map((x) => x.steadyPerS)), median(e2e.map((x) => x.javaPerS))),
    e2e_to_java_consume_ratio: ratio(median(e2e.map((x) => x.perS)), median(e2e.map((x) => x.javaPerS))),
    kafkajs_consume_per_s: Math.round(median(e2e.map((x) => x.kafkajsPerS))),
    kafkajs_consume_with_join_per_s: Math.round(median(e2e.map((x) => x.kafkajsWithJoinPerS))),
    e2e_to_kafkajs_ratio: ratio(median(e2e.map((x) => x.steadyPerS)), median(e2e.map((x) => x.kafkajsPerS))),
    kafkajs_consume_per_cpu_s: Math.round(median(e2e.map((x) => x.kafkajsPerCpuS))),
    e2e_steady_signals_per_cpu_s: Math.round(median(e2e.map((x) => x.steadyPerCpuS))),
    e2e_to_kafkajs_cpu_ratio: ratio(median(e2e.map((x) => x.steadyPerCpuS)), median(e2e.map((x) => x.kafkajsPerCpuS))),
    e2e_spawn_to_kafkajs_ratio: ratio(median(e2e.map((x) => x.perS)), median(e2e.map((x) => x.kafkajsWithJoinPerS))),
    signals_per_message: Number(median(e2e.map((x) => x.signalsPerMessage)).toFixed(2)),
    signals_binary: BATCHES && !JSON_FORM ? 1 : 0,
    detector_processes: Number(PROCESSES ?? 1),
    detector_peak_rss_mb: Math.max(...e2e.map((x) => x.peakRssMb)),
    load_avg_1m: median(e2e.map((x) => x.load)),
    runs: RUNS,
  });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
