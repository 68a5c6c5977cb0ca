/**
 * `npm run bench:e2e`: the 4 October 2021 day (services/replay scenario fb-2021-10-04, about
 * 20 M events at scale 1) through the whole pipeline: replay -> ingest (HTTP NDJSON batches) ->
 * Kafka -> detector and sink -> ClickHouse, each service its own process on a fresh topic prefix
 * and a fresh database.
 *
 *  full_day_s      from the first batch sent until ClickHouse holds every report the replay had
 *                  acknowledged AND the detector's scoring group has committed every signal (a
 *                  committed offset is a scored, published window transaction).
 *  events          reports + posts the replay generated (at DOWNRADAR_BENCH_E2E_SCALE, default 1).
 *  exact           1 when ClickHouse holds exactly the scenario's reports (distinct ids = the
 *                  replay's count, and no row beyond them with FINAL), else 0.
 *  <stage>_per_s   each stage's mean rate: ingest (events acknowledged), sink (reports rows in
 *                  ClickHouse), detector (signals messages committed by the scoring group: ingest
 *                  writes one SignalBatch per service per 5 s, so a message holds one or more signals).
 *  <stage>_done_s  when each stage had everything.
 *  bound_by        the stage that finished last, i.e. the one the day waits for (ingest when the
 *                  consumers keep up and finish within a sample of it).
 * Every DOWNRADAR_BENCH_E2E_SAMPLE_MS (2000) a line with each stage's count, rate and lag is
 * printed and kept in bench/results/e2e-timeline.json (bound_by_<stage> = 1 in e2e.json).
 *
 * Memory under sustained load: each sample also holds each service's RSS now (its process tree,
 * `rss_mb`), its V8 heap in use (`heap_mb`) and its memory outside the heap (`external_mb`,
 * buffers), the last two from the service's own /metrics. `<svc>_peak_rss_mb` is the most it ever
 * held (VmHWM); `<svc>_rss_mid_mb` / `_late_mb` the peak in the middle / last third of the run and
 * `<svc>_rss_growth_late_mb` the difference: near 0, the memory was flat under the load; above, it
 * still grew (the same `_heap_` and `_external_` figures tell objects from buffers).
 * `<svc>_rss_level_mid_mb` / `_level_late_mb` / `_level_growth_late_mb` are the same with each
 * third's median instead of its peak: the level held, which one GC swing does not move.
 *
 *  ingest_cores    ingest's CPU time (its processes, from /proc) while the replay ran, over that
 *                  time: above 1 only when more than one ingest process works at once;
 *                  ingest_cpu_us_per_event the same CPU per event.
 *  signals_late    signals more than the detector's allowed lateness (15 s) behind the latest one
 *                  before them on their signals partition, read back from the topic after the run
 *                  (bench/lib/signal-order.ts): the scenario draws some late events itself
 *                  (`npx tsx bench/lib/scenario-lateness.ts <scale>` counts them with no pipeline:
 *                  2,393 at 0.01, 12,015 at 0.05); a higher count here is lateness the pipeline added.
 *
 * Where the CPU went (bench/lib/cpu.ts, from /proc): each process's CPU seconds from the first
 * request to the end of the day (`<name>_cpu_s`: ingest, detector, sink, kafka = this checkout's
 * broker, clickhouse = its server; each with its children), the pipeline's sum over events
 * (`pipeline_cpu_us_per_event`), the bench process apart (`generator_cpu_s`: the replay's generator
 * and HTTP client, and the sampling), the rest of the machine (`others_cores`: other users of the
 * shared machine) and the machine's busy share (`machine_busy_share`: busy CPU / (cores x wall)).
 * The same until ingest had acknowledged everything as `ingest_phase_*`. A busy share near 1 says
 * the day is bound by CPU (then the sum of CPU an event is what to cut); well below 1 with no
 * process near a whole core says something waits. Each sample line prints the cores of each.
 *
 * The replay sends each time slice as one request per signals partition, one request in flight
 * per partition (services/replay/src/replay.ts, `partitions`), so that both ingest processes
 * work while each partition is written in event-time order. DOWNRADAR_BENCH_E2E_SHARDED=0 sends
 * one mixed batch at a time instead (the replay's order before sharding), for comparison.
 * DOWNRADAR_BENCH_E2E_BATCH sets the replay's batch size (events per request; default 2,000).
 *
 * The peer floor (DOWNRADAR_BENCH_E2E_PEERS=1; bench/lib/e2e-floor.ts): after the day, with the
 * services stopped, what the run moved is counted (each topic's messages, bytes and reading
 * groups, each table's rows) and the best tools move exactly that volume on the same broker and
 * ClickHouse: Kafka's ProducerPerformance (acks=all, idempotent) and ConsumerPerformance (once per
 * reading group), clickhouse-client inserting the run's rows into the real tables and views. Their
 * CPU with the broker's and ClickHouse's, start-ups taken off, is `peer_floor_cpu_us_per_event`;
 * scaled to the full day (events / scale) `peer_floor_cpu_s`, over the cores `peer_floor_s` (the
 * least wall time any implementation could take on this machine), and
 * `pipeline_to_peer_floor_cpu_ratio` = pipeline_cpu_us_per_event / peer_floor_cpu_us_per_event.
 * The day's counts are kept as `day_<topic>_{messages,bytes,readers}` and `day_<table>_rows`.
 *
 * DOWNRADAR_BENCH_E2E_PROCESSES sets DOWNRADAR_{INGEST,DETECTOR,SINK}_PROCESSES (default 1);
 * DOWNRADAR_BENCH_E2E_FROM / _TO slice the day (ISO), DOWNRADAR_BENCH_RUNS the runs (default 1:
 * the whole day is long; figures are medians when several).
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { createClickHouse, createKafka, deleteTopicsWithPrefix, ensureTopics, hashApiKey, migrate, queryRows, repoRoot, topicNames, type ClickHouseClient, type Kafka } from '@downradar/common';
import { writeFileSync } from 'node:fs';
import { RESULTS_DIR, median, writeResult } from '@downradar/common/bench-results';
import { runReplay, type ReplaySummary } from '../services/replay/src/replay';
import { loadAverage } from './lib/peers';
import { signalOrder } from './lib/signal-order';
import { processTreeMemory, startServiceProcess, stopProcess } from './lib/processes';
import { cpuAccount, cpuSnapshot, serverPids, type CpuAccount, type CpuSnapshot } from './lib/cpu';
import { memoryFlatness, seriesOf, v8MemoryMb, type MemoryFlatness } from './lib/memory-flatness';
import { describeFloor, describeVolume, floorFigures, peerFloor } from './lib/e2e-floor';
import { countDayVolume, measurePeerFloor } from './lib/e2e-floor-peers';

const SCALE = Number(process.env.DOWNRADAR_BENCH_E2E_SCALE ?? 1);
const RUNS = Number(process.env.DOWNRADAR_BENCH_RUNS ?? 1);
const PROCESSES = process.env.DOWNRADAR_BENCH_E2E_PROCESSES;
const SAMPLE_MS = Number(process.env.DOWNRADAR_BENCH_E2E_SAMPLE_MS ?? 2000);
const FROM = process.env.DOWNRADAR_BENCH_E2E_FROM;
const TO = process.env.DOWNRADAR_BENCH_E2E_TO;
const SHARDED = process.env.DOWNRADAR_BENCH_E2E_SHARDED !== '0';
/** events per replay request (per partition when sharded); default the replay's own (2,000) */
const BATCH = process.env.DOWNRADAR_BENCH_E2E_BATCH ? Number(process.env.DOWNRADAR_BENCH_E2E_BATCH) : undefined;
/** DOWNRADAR_BENCH_E2E_PEERS=1: the peer floor of the day after each run (see the top of this file). */
const PEERS = process.env.DOWNRADAR_BENCH_E2E_PEERS === '1';
if (PEERS && (FROM || TO)) throw new Error('DOWNRADAR_BENCH_E2E_PEERS=1 scales the floor to the full day by events / scale: run it on the whole day (no DOWNRADAR_BENCH_E2E_FROM / _TO)');
/**
 * DOWNRADAR_BENCH_E2E_CONSUMERS=after starts the sink and the detector only once ingest has
 * acknowledged everything, so that they read the day as one backlog (large fetches, few
 * transactions and inserts) and ingest runs without them: a diagnostic of what each stage costs a
 * event when it is not keeping up with a live stream. `full_day_s` is then the two phases in turn;
 * the CPU account's whole-run figures cover the consumers' phase only. `sink-after` or
 * `detector-after` defers only that one (the other reads live beside ingest), to tell their
 * live costs (the broker's, ClickHouse's) apart.
 */
const CONSUMERS_MODE = process.env.DOWNRADAR_BENCH_E2E_CONSUMERS ?? 'live';
if (!['live', 'after', 'sink-after', 'detector-after'].includes(CONSUMERS_MODE)) throw new Error(`DOWNRADAR_BENCH_E2E_CONSUMERS must be live, after, sink-after or detector-after, not ${CONSUMERS_MODE}`);
/** The consumers started only once ingest is done. */
const DEFERRED = new Set(CONSUMERS_MODE === 'after' ? ['sink', 'detector'] : CONSUMERS_MODE === 'sink-after' ? ['sink'] : CONSUMERS_MODE === 'detector-after' ? ['detector'] : []);
const CONSUMERS_AFTER = DEFERRED.size > 0;
const PARTITIONS = 6;
const BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
// The services' own ports from the env file (each checkout has its own).
const PORTS = {
  ingest: Number(process.env.DOWNRADAR_INGEST_PORT ?? 18_181),
  detector: Number(process.env.DOWNRADAR_DETECTOR_PORT ?? 18_184),
  sink: Number(process.env.DOWNRADAR_SINK_PORT ?? 18_182),
};
const KEY = 'bench-e2e-' + randomBytes(8).toString('hex');

interface Sample {
  t_s: number;
  ingest: number;
  sink: number;
  detector: number;
  sink_lag: number;
  detector_lag: number;
  /** cores each process used since the previous sample, and the machine's busy share */
  cores: Record<string, number>;
  machine_busy: number;
  /** each running service's resident memory now (its process tree, MB) */
  rss_mb: Record<string, number>;
  /** each running service's V8 heap in use and memory outside the heap (buffers), MB, from its /metrics */
  heap_mb: Record<string, number>;
  external_mb: Record<string, number>;
}

const SERVICES = ['ingest', 'detector', 'sink'] as const;

/** The V8 figures of a service from its /metrics (NaN when it does not answer within a second). */
async function serviceV8(port: number): Promise<{ heapUsedMb: number; externalMb: number }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    return v8MemoryMb(await res.text());
  } catch {
    return { heapUsedMb: NaN, externalMb: NaN };
  }
}

/** Each service's memory flatness (RSS, V8 heap, external) over a run's timeline; undefined where it cannot be told. */
function memoryOf(timeline: Sample[]): Record<string, { rss?: MemoryFlatness; heap?: MemoryFlatness; external?: MemoryFlatness }> {
  const out: Record<string, { rss?: MemoryFlatness; heap?: MemoryFlatness; external?: MemoryFlatness }> = {};
  for (const name of SERVICES)
    out[name] = {
      rss: memoryFlatness(seriesOf(timeline, (s) => (s as Sample).rss_mb, name)),
      heap: memoryFlatness(seriesOf(timeline, (s) => (s as Sample).heap_mb, name)),
      external: memoryFlatness(seriesOf(timeline, (s) => (s as Sample).external_mb, name)),
    };
  return out;
}

const describeFlatness = (f: MemoryFlatness | undefined) => (f ? `${f.midMb.toFixed(0)} -> ${f.lateMb.toFixed(0)} (${f.growthLateMb >= 0 ? '+' : ''}${f.growthLateMb.toFixed(0)})` : 'too few samples');

async function committedAndLag(kafka: Kafka, groupId: string, topic: string): Promise<{ committed: number; lag: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, offsets] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset === '-1' ? 0 : p.offset)]));
    let committed = 0;
    let lag = 0;
    for (const e of ends) {
      const c = done.get(e.partition) ?? 0;
      committed += c - Number(e.low);
      lag += Math.max(0, Number(e.high) - c);
    }
    return { committed, lag };
  } finally {
    await admin.disconnect();
  }
}

async function count(ch: ClickHouseClient, sql: string): Promise<number> {
  const rows = await queryRows<{ n: string }>(ch, sql);
  return Number(rows[0]?.n ?? 0);
}

interface RunResult {
  fullDayS: number;
  events: number;
  reports: number;
  exact: boolean;
  ingestPerS: number;
  sinkPerS: number;
  detectorPerS: number;
  done: { ingest: number; sink: number; detector: number };
  boundBy: string;
  signalsLate: number;
  ingestCores: number;
  ingestCpuUsPerEvent: number;
  /** CPU of every process from the first request until ingest had acknowledged everything */
  ingestPhase: CpuAccount;
  /** the same until the day was done (ClickHouse and the detector had everything) */
  wholeRun: CpuAccount;
  signals: number;
  requests: number;
  peakRssMb: Record<string, number>;
  /** each service's memory flatness over the run (bench/lib/memory-flatness.ts) */
  memory: ReturnType<typeof memoryOf>;
  load: number;
  timeline: Sample[];
  /** DOWNRADAR_BENCH_E2E_PEERS=1: the peer floor's figures for e2e.json (bench/lib/e2e-floor.ts) */
  floor?: Record<string, number>;
}

async function runOnce(run: number, ch: ClickHouseClient): Promise<RunResult> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `bench-e2e-${suffix}`;
  const db = `bench_e2e_${suffix}`;
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-e2e' });
  const procs: Record<string, ChildProcess> = {};
  const peakRssMb: Record<string, number> = { ingest: 0, detector: 0, sink: 0 };
  const common = { DOWNRADAR_TOPIC_PREFIX: prefix, DOWNRADAR_KAFKA_PARTITIONS: String(PARTITIONS), DOWNRADAR_LOG_LEVEL: process.env.DOWNRADAR_LOG_LEVEL ?? 'warn' };
  const processes = (name: string) => (PROCESSES ? { [`DOWNRADAR_${name}_PROCESSES`]: PROCESSES } : {});
  const load = loadAverage();
  try {
    await migrate(ch, { dir: `${repoRoot}/schemas/clickhouse`, database: db });
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS });
    const startConsumers = async (which: Set<string>) => {
      if (which.has('sink'))
        procs.sink = await startServiceProcess(
          'sink',
          { ...common, ...processes('SINK'), DOWNRADAR_CLICKHOUSE_DATABASE: db, DOWNRADAR_SINK_PORT: String(PORTS.sink), DOWNRADAR_SINK_GROUP_ID: `${prefix}-sink`, DOWNRADAR_SINK_MIGRATE: 'false' },
          `http://127.0.0.1:${PORTS.sink}/healthz`,
        );
      if (which.has('detector'))
        procs.detector = await startServiceProcess(
          'detector',
          {
            ...common,
            ...processes('DETECTOR'),
            DOWNRADAR_DETECTOR_PORT: String(PORTS.detector),
            DOWNRADAR_DETECTOR_INSTANCE: `bench-e2e-${suffix}`,
            DOWNRADAR_DETECTOR_GROUP_ID: `${prefix}-detector`,
            DOWNRADAR_DETECTOR_INCIDENTS_GROUP_ID: `${prefix}-incidents`,
          },
          `http://127.0.0.1:${PORTS.detector}/readyz`,
          120_000,
        );
    };
    await startConsumers(new Set(['sink', 'detector'].filter((name) => !DEFERRED.has(name))));
    procs.ingest = await startServiceProcess(
      'ingest',
      {
        ...common,
        ...processes('INGEST'),
        DOWNRADAR_INGEST_PORT: String(PORTS.ingest),
        DOWNRADAR_API_KEY_HASHES: `${hashApiKey(KEY)}:feed`,
        // Replayed traffic comes from one address: the per-address limit is not what is measured.
        DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: '10000000',
        DOWNRADAR_REPORTS_PER_REPORTER_PER15_MIN: '1000000',
      },
      `http://127.0.0.1:${PORTS.ingest}/readyz`,
    );

    const timeline: Sample[] = [];
    let acknowledged = 0;
    let summary: ReplaySummary | undefined;
    // Every process of the pipeline, each metered from /proc; the bench process itself (the
    // replay's generator and HTTP client, and this sampling loop) is the load generator, apart.
    const servers = serverPids();
    const meterPids = { ingest: procs.ingest.pid, detector: procs.detector?.pid, sink: procs.sink?.pid, kafka: servers.kafka, clickhouse: servers.clickhouse };
    for (const [name, pid] of Object.entries(meterPids)) if (pid === undefined && !DEFERRED.has(name)) console.warn(`bench e2e: no pid for ${name}: its CPU is counted with the machine's others`);
    const cpu0 = cpuSnapshot(meterPids);
    let cpuIngestDone: CpuSnapshot | undefined;
    /** DOWNRADAR_BENCH_E2E_CONSUMERS=after: when the sink and the detector were ready, with the backlog waiting */
    let cpuConsumers0: CpuSnapshot | undefined;
    let cpuPrev = cpu0;
    const started = performance.now();
    const at = () => (performance.now() - started) / 1000;
    const replay = runReplay({
      scenario: 'fb-2021-10-04',
      target: 'http',
      speed: 'max',
      scale: SCALE,
      ...(FROM ? { from: FROM } : {}),
      ...(TO ? { to: TO } : {}),
      ingestUrl: `http://127.0.0.1:${PORTS.ingest}`,
      apiKey: KEY,
      idPrefix: `e2e${suffix}-`,
      ...(SHARDED ? { partitions: PARTITIONS } : {}),
      ...(BATCH ? { batchSize: BATCH } : {}),
      onProgress: (p) => (acknowledged = p.sent),
    }).then((s) => {
      cpuIngestDone = cpuSnapshot(meterPids);
      summary = s;
      acknowledged = s.sent;
    });
    let failed: unknown;
    replay.catch((err) => (failed = err));

    const done = { ingest: NaN, sink: NaN, detector: NaN };
    let last = { t: 0, ingest: 0, sink: 0, detector: 0 };
    for (;;) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      if (failed) throw failed;
      const [sinkRows, det, sinkLag] = await Promise.all([
        count(ch, `SELECT count() AS n FROM ${db}.reports`),
        committedAndLag(kafka, `${prefix}-detector`, topics.signals),
        committedAndLag(kafka, `${prefix}-sink`, topics.reports),
      ]);
      const rssMb: Record<string, number> = {};
      const heapMb: Record<string, number> = {};
      const externalMb: Record<string, number> = {};
      const running = SERVICES.filter((name) => procs[name]);
      const v8 = await Promise.all(running.map((name) => serviceV8(PORTS[name])));
      running.forEach((name, i) => {
        const tree = processTreeMemory(procs[name]!.pid!);
        peakRssMb[name] = Math.max(peakRssMb[name]!, ...tree.map((m) => m.peakRssMb));
        rssMb[name] = tree.reduce((sum, m) => sum + m.rssMb, 0);
        heapMb[name] = Math.round(v8[i]!.heapUsedMb);
        externalMb[name] = Math.round(v8[i]!.externalMb);
      });
      const t = at();
      const cpuNow = cpuSnapshot(meterPids);
      const step = cpuAccount(cpuPrev, cpuNow, 0);
      cpuPrev = cpuNow;
      const cores: Record<string, number> = { generator: round2(step.generatorS / step.wallS) };
      for (const [name, s] of Object.entries(step.processesS)) cores[name] = round2(s / step.wallS);
      cores.others = round2(step.othersS / step.wallS);
      const s: Sample = {
        t_s: Math.round(t * 10) / 10,
        ingest: acknowledged,
        sink: sinkRows,
        detector: det.committed,
        sink_lag: sinkLag.lag,
        detector_lag: det.lag,
        cores,
        machine_busy: round2(step.machineBusyShare),
        rss_mb: rssMb,
        heap_mb: heapMb,
        external_mb: externalMb,
      };
      timeline.push(s);
      const rate = (now: number, before: number) => Math.round((now - before) / (t - last.t));
      console.log(
        `run ${run} ${s.t_s.toFixed(0).padStart(5)} s | ingest ${s.ingest} (${rate(s.ingest, last.ingest)}/s) | ` +
          `sink ${s.sink} rows (${rate(s.sink, last.sink)}/s, lag ${s.sink_lag}) | detector ${s.detector} signal messages (${rate(s.detector, last.detector)}/s, lag ${s.detector_lag}) | ` +
          `cores ${Object.entries(s.cores).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' ')}, machine busy ${(s.machine_busy * 100).toFixed(0)} % | ` +
          `RSS MB (heap/external) ${running.map((k) => `${k} ${s.rss_mb[k]} (${s.heap_mb[k]}/${s.external_mb[k]})`).join(' ')}`,
      );
      last = { t, ingest: s.ingest, sink: s.sink, detector: s.detector };
      if (summary && Number.isNaN(done.ingest)) done.ingest = summary.durationMs / 1000;
      if (summary && CONSUMERS_AFTER && !cpuConsumers0) {
        await startConsumers(DEFERRED);
        Object.assign(meterPids, { sink: procs.sink!.pid, detector: procs.detector!.pid });
        cpuPrev = cpuConsumers0 = cpuSnapshot(meterPids);
        console.log(`run ${run}: ingest done; ${[...DEFERRED].join(' and ')} started at ${at().toFixed(1)} s with the whole backlog`);
        continue;
      }
      if (summary && Number.isNaN(done.sink) && sinkRows >= summary.reports) done.sink = t;
      if (summary && Number.isNaN(done.detector) && det.lag === 0 && det.committed > 0) done.detector = t;
      if (summary && !Number.isNaN(done.sink) && !Number.isNaN(done.detector)) break;
    }
    const cpuEnd = cpuSnapshot(meterPids);
    await replay;
    const reports = summary!.reports;
    // Exactly once: every report of the scenario, each once (FINAL merges redelivered rows away).
    const distinct = await count(ch, `SELECT uniqExact(id) AS n FROM ${db}.reports`);
    const final = await count(ch, `SELECT count() AS n FROM ${db}.reports FINAL`);
    const exact = distinct === reports && final === reports;
    const order = await signalOrder(BROKERS, topics.signals);
    const fullDayS = Math.max(done.sink, done.detector);
    const finish = (Object.entries(done) as [string, number][]).sort((a, b) => b[1] - a[1]);
    // Consumers that finish within one sample of ingest kept up: the day waited for ingest.
    const boundBy = finish[0]![1] - done.ingest <= (2 * SAMPLE_MS) / 1000 ? 'ingest' : finish[0]![0];
    const events = reports + summary!.posts;
    const ingestPhase = cpuAccount(cpu0, cpuIngestDone!, events);
    const wholeRun = cpuAccount(cpuConsumers0 ?? cpu0, cpuEnd, events);
    const ingestCpuMs = ingestPhase.processesS.ingest! * 1000;
    console.log(
      `run ${run}: ${events} events (${reports} reports) in ${fullDayS.toFixed(1)} s; ingest done at ${done.ingest.toFixed(1)} s, ` +
        `sink at ${done.sink.toFixed(1)} s, detector at ${done.detector.toFixed(1)} s; bound by ${boundBy}; exact ${exact ? 'yes' : `NO (${distinct} distinct, ${final} final of ${reports})`}; ` +
        `${summary!.batches} requests; ingest used ${(ingestCpuMs / 1000 / done.ingest).toFixed(2)} cores (${((ingestCpuMs * 1000) / events).toFixed(0)} µs CPU an event); signals late on their partition ${order.late} of ${order.signals} (worst ${order.worstMs} ms); ` +
        `peak RSS ${JSON.stringify(peakRssMb)} MB; load ${load} at the start, ${loadAverage()} at the end`,
    );
    const memory = memoryOf(timeline);
    console.log(
      `run ${run} memory under load, peak MB in the middle third -> the last third of the run (growth): ` +
        SERVICES.map((name) => `${name} RSS ${describeFlatness(memory[name]!.rss)}, heap ${describeFlatness(memory[name]!.heap)}, external ${describeFlatness(memory[name]!.external)}`).join('; '),
    );
    for (const [label, a] of [['until ingest was done', ingestPhase], [CONSUMERS_AFTER ? `after ingest: ${[...DEFERRED].join(' and ')} on the backlog` : 'whole run', wholeRun]] as const) console.log(describeAccount(run, label, a));
    let floor: Record<string, number> | undefined;
    if (PEERS) {
      // The services stop first: their idle fetches would be metered as the broker's CPU.
      for (const name of SERVICES) if (procs[name]) await stopProcess(procs[name]!);
      for (const name of SERVICES) delete procs[name];
      const volume = await countDayVolume({ kafka, prefix, ch, db, events });
      console.log(`run ${run} ${describeVolume(volume)}`);
      const measured = await measurePeerFloor({ kafka, brokers: BROKERS.join(','), prefix, ch, db, volume, log: (line) => console.log(`run ${run} ${line}`) });
      // With the consumers deferred the whole-run account covers their phase only: the pipeline is both phases.
      const pipelineCpuUsPerEvent = CONSUMERS_AFTER ? ((ingestPhase.pipelineS + wholeRun.pipelineS) * 1e6) / events : wholeRun.pipelineCpuUsPerEvent;
      const f = peerFloor({ volume, ...measured, scale: SCALE, cores: wholeRun.cores, pipelineCpuUsPerEvent });
      console.log(`run ${run} ${describeFloor(f, wholeRun.cores, pipelineCpuUsPerEvent)}`);
      floor = floorFigures(f, volume);
    }
    return {
      fullDayS,
      events,
      reports,
      exact,
      ingestPerS: events / done.ingest,
      sinkPerS: reports / done.sink,
      detectorPerS: det0(timeline) / done.detector,
      done,
      boundBy,
      signalsLate: order.late,
      ingestCores: ingestCpuMs / 1000 / done.ingest,
      ingestCpuUsPerEvent: (ingestCpuMs * 1000) / events,
      ingestPhase,
      wholeRun,
      signals: order.signals,
      requests: summary!.batches,
      peakRssMb,
      memory,
      load,
      timeline,
      floor,
    };
  } finally {
    for (const name of ['ingest', 'detector', 'sink']) if (procs[name]) await stopProcess(procs[name]!);
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One line: each process's CPU seconds and cores, the pipeline's µs an event, the machine's busy share. */
function describeAccount(run: number, label: string, a: CpuAccount): string {
  const parts = Object.entries(a.processesS)
    .filter(([, s]) => Number.isFinite(s))
    .map(([name, s]) => `${name} ${s.toFixed(1)} s (${(s / a.wallS).toFixed(2)} cores)`);
  return (
    `run ${run} CPU, ${label} (${a.wallS.toFixed(1)} s wall, ${a.cores} cores = ${(a.cores * a.wallS).toFixed(0)} CPU s): ${parts.join(', ')}; ` +
    `pipeline ${a.pipelineS.toFixed(1)} s = ${a.pipelineCpuUsPerEvent.toFixed(0)} µs an event (${(a.pipelineS / a.wallS).toFixed(2)} cores); ` +
    `generator (this process) ${a.generatorS.toFixed(1)} s = ${a.generatorCpuUsPerEvent.toFixed(0)} µs an event (${(a.generatorS / a.wallS).toFixed(2)} cores); ` +
    `others on the machine ${a.othersS.toFixed(1)} s (${(a.othersS / a.wallS).toFixed(2)} cores); idle ${a.idleS.toFixed(1)} s; machine busy ${(a.machineBusyShare * 100).toFixed(0)} %`
  );
}

/** Signals the detector committed by the end (the last sample). */
const det0 = (timeline: Sample[]) => timeline[timeline.length - 1]?.detector ?? 0;

/**
 * The CPU account in e2e.json (medians over the runs): `<process>_cpu_s` over the whole run (until
 * the day was done), `pipeline_cpu_us_per_event` (ingest, detector, sink, broker, ClickHouse; the
 * generator apart as `generator_cpu_us_per_event`), `machine_busy_share`, `others_cores` (the rest
 * of the machine), and the same while ingest ran as `ingest_phase_*`.
 */
function cpuFigures(results: RunResult[]): Record<string, number> {
  const med = (f: (r: RunResult) => number, digits = 1) => Math.round(median(results.map(f)) * 10 ** digits) / 10 ** digits;
  const out: Record<string, number> = {};
  for (const [prefix, pick] of [['', (r: RunResult) => r.wholeRun], ['ingest_phase_', (r: RunResult) => r.ingestPhase]] as const) {
    for (const name of Object.keys(results[0]!.wholeRun.processesS)) out[`${prefix}${name}_cpu_s`] = med((r) => pick(r).processesS[name]!);
    out[`${prefix}generator_cpu_s`] = med((r) => pick(r).generatorS);
    out[`${prefix}pipeline_cpu_s`] = med((r) => pick(r).pipelineS);
    out[`${prefix}pipeline_cpu_us_per_event`] = med((r) => pick(r).pipelineCpuUsPerEvent, 0);
    out[`${prefix}generator_cpu_us_per_event`] = med((r) => pick(r).generatorCpuUsPerEvent, 0);
    out[`${prefix}pipeline_cores`] = med((r) => pick(r).pipelineS / pick(r).wallS, 2);
    out[`${prefix}generator_cores`] = med((r) => pick(r).generatorS / pick(r).wallS, 2);
    out[`${prefix}others_cores`] = med((r) => pick(r).othersS / pick(r).wallS, 2);
    out[`${prefix}machine_busy_share`] = med((r) => pick(r).machineBusyShare, 3);
    out[`${prefix}wall_s`] = med((r) => pick(r).wallS);
  }
  // A process that did not run in a phase (the consumers while ingest ran, with CONSUMERS=after) has no figure.
  for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k];
  return out;
}

/**
 * Memory under sustained load in e2e.json (medians over the runs): per service, the peak RSS of its
 * process tree in the middle third of the run (`<svc>_rss_mid_mb`), in the last third
 * (`<svc>_rss_late_mb`) and their difference (`<svc>_rss_growth_late_mb`: above 0, the memory
 * still grew late in the run), the median of each of those thirds (`<svc>_rss_level_mid_mb`,
 * `_level_late_mb`) and their difference (`<svc>_rss_level_growth_late_mb`: the steadier sign, as a
 * peak can differ by one garbage collector's swing); the same for the V8 heap in use (`<svc>_heap_*`) and for the memory
 * outside the heap (`<svc>_external_*`), to tell a growth of objects from one of buffers. A figure
 * that cannot be told (too few samples in a third) is left out.
 */
function memoryFigures(results: RunResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of SERVICES)
    for (const kind of ['rss', 'heap', 'external'] as const) {
      const fs = results.map((r) => r.memory[name]?.[kind]).filter((f): f is MemoryFlatness => f !== undefined);
      if (fs.length === 0) continue;
      out[`${name}_${kind}_mid_mb`] = Math.round(median(fs.map((f) => f.midMb)));
      out[`${name}_${kind}_late_mb`] = Math.round(median(fs.map((f) => f.lateMb)));
      out[`${name}_${kind}_growth_late_mb`] = Math.round(median(fs.map((f) => f.growthLateMb)));
      out[`${name}_${kind}_level_mid_mb`] = Math.round(median(fs.map((f) => f.levelMidMb)));
      out[`${name}_${kind}_level_late_mb`] = Math.round(median(fs.map((f) => f.levelLateMb)));
      out[`${name}_${kind}_level_growth_late_mb`] = Math.round(median(fs.map((f) => f.levelGrowthLateMb)));
    }
  return out;
}

/** The peer floor's figures (medians over the runs), when DOWNRADAR_BENCH_E2E_PEERS=1. */
function floorMedians(results: RunResult[]): Record<string, number> {
  const floors = results.map((r) => r.floor).filter((f): f is Record<string, number> => f !== undefined);
  const out: Record<string, number> = {};
  for (const key of Object.keys(floors[0] ?? {})) out[key] = median(floors.map((f) => f[key]!).filter(Number.isFinite));
  return out;
}

async function main(): Promise<void> {
  const ch = createClickHouse({ url: CLICKHOUSE_URL, requestTimeoutMs: 300_000 });
  try {
    console.log(`bench e2e: fb-2021-10-04 at scale ${SCALE}${FROM || TO ? ` (${FROM ?? 'start'} .. ${TO ?? 'end'})` : ''}, ${RUNS} run(s), ${PROCESSES ?? 1} process(es) per service, replay ${SHARDED ? `sharded by partition (${PARTITIONS})` : 'one mixed batch at a time'}, batches of ${BATCH ?? 2000}${PEERS ? ', then the peer floor' : ''}, load ${loadAverage()}`);
    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) results.push(await runOnce(run, ch));
    const med = (f: (r: RunResult) => number) => Math.round(median(results.map(f)) * 10) / 10;
    const slowest = results.reduce((a, b) => (b.fullDayS > a.fullDayS ? b : a));
    writeResult('e2e', {
      full_day_s: med((r) => r.fullDayS),
      events: results[0]!.events,
      reports: results[0]!.reports,
      exact: results.every((r) => r.exact) ? 1 : 0,
      scale: SCALE,
      ingest_events_per_s: Math.round(med((r) => r.ingestPerS)),
      sink_rows_per_s: Math.round(med((r) => r.sinkPerS)),
      detector_signals_per_s: Math.round(med((r) => r.detectorPerS)),
      ingest_done_s: med((r) => r.done.ingest),
      sink_done_s: med((r) => r.done.sink),
      detector_done_s: med((r) => r.done.detector),
      bound_by_ingest: slowest.boundBy === 'ingest' ? 1 : 0,
      bound_by_sink: slowest.boundBy === 'sink' ? 1 : 0,
      bound_by_detector: slowest.boundBy === 'detector' ? 1 : 0,
      processes_per_service: Number(PROCESSES ?? 1),
      sharded: SHARDED ? 1 : 0,
      replay_batch_size: BATCH ?? 2000,
      ingest_cores: Math.round(med((r) => r.ingestCores) * 100) / 100,
      ingest_cpu_us_per_event: Math.round(med((r) => r.ingestCpuUsPerEvent)),
      replay_requests: Math.round(med((r) => r.requests)),
      signals: results[0]!.signals,
      signals_late: Math.max(...results.map((r) => r.signalsLate)),
      ingest_peak_rss_mb: Math.max(...results.map((r) => r.peakRssMb.ingest!)),
      detector_peak_rss_mb: Math.max(...results.map((r) => r.peakRssMb.detector!)),
      sink_peak_rss_mb: Math.max(...results.map((r) => r.peakRssMb.sink!)),
      ...memoryFigures(results),
      ...cpuFigures(results),
      ...floorMedians(results),
      load_avg_1m: median(results.map((r) => r.load)),
      runs: RUNS,
    });
    // Each stage's count and lag over time (the slowest run), beside the figures.
    writeFileSync(`${RESULTS_DIR}/e2e-timeline.json`, JSON.stringify({ at: new Date().toISOString(), scale: SCALE, boundBy: slowest.boundBy, samples: slowest.timeline }, null, 1) + '\n');
  } finally {
    await ch.close();
  }
}

await main();
process.exit(0);
