/**
 * Where the detector's start-up goes, wall and CPU, from the spawn of its process:
 *
 *   listening   its HTTP server answers /healthz (modules loaded, service built, port bound)
 *   started     its "detector started" log line (topics ensured, both groups joined)
 *   resumed     the scoring stage's "signals partitions assigned" log line (its partitions assigned
 *               and their checkpoints restored: scoring resumes; the detector must log at info)
 *   ready       /readyz answers 200: the same moment, or later when the first batch, fetched at
 *               once, keeps the event loop from answering until it is scored
 *   first       the scoring group's first committed offset (the first transaction)
 *   done        the last signal committed
 *
 * with the CPU its process tree had spent by each (from /proc), and the times of the stages' log
 * lines (the detector runs at log level info here). `measureStartup` is what bench/detector.bench.ts
 * reports as detector_startup_*; run alone it starts the detector RUNS times on a small backlog:
 *
 *   set -a; source <env>; set +a
 *   npx tsx bench/lib/detector-startup.ts [signals=20000] [runs=3]
 *
 * A second start on the same prefix (DOWNRADAR_BENCH_STARTUP_RESTART=1) restores the checkpoints
 * the first one wrote: the time to resume scoring after a crash or a deploy.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Kafka } from '@downradar/common';
import { groupLag } from '../../services/detector/src/testing/testkit';
import { treeCpuS } from './cpu';
import { REPO_ROOT, startServiceProcess, stopProcess } from './processes';

export interface StartupMark {
  /** Seconds from the spawn. */
  wallS: number;
  /** CPU seconds of the detector's process tree by then. */
  cpuS: number;
  /** Messages of the signals topic not committed by the scoring group then. */
  lag: number;
}

export interface StartupRun {
  listening: StartupMark;
  ready: StartupMark;
  /** The first committed offset of the scoring group (undefined: nothing to consume). */
  first: StartupMark | undefined;
  /** Every message committed. */
  done: StartupMark;
  /** Seconds from the spawn of the stages' log lines (first of each message). */
  logLines: Record<string, number>;
  /** Seconds from the spawn to the scoring stage's assignment done (its log line), if it logged at info. */
  resumedS: number | undefined;
}

/** The scoring stage's log line when its partitions are assigned and restored (stages/signals.consumer.ts). */
export const RESUMED_LINE = 'signals partitions assigned';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns the detector (env: its variables, the topic prefix among them) and polls /healthz, /readyz and
 * the group's lag until `messages` are committed; the caller stops it (onChild hands it over). On a
 * failure it is stopped here.
 */
export async function measureStartup(o: {
  kafka: Kafka;
  env: NodeJS.ProcessEnv;
  port: number;
  groupId: string;
  signalsTopic: string;
  messages: number;
  /** Log lines whose times are wanted (pino's msg), when the detector logs at info. */
  logMessages?: readonly string[];
  onChild?: (child: ChildProcess) => void;
  /** Called at every poll with the detector's pid (the benchmark samples its memory). */
  onPoll?: (pid: number) => void;
}): Promise<StartupRun> {
  const spawnedAt = Date.now();
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  let child: ChildProcess | undefined;
  let pid: number | undefined;
  let lag = o.messages;
  const mark = (): StartupMark => ({ wallS: since(), cpuS: pid ? treeCpuS(pid) : 0, lag });
  let listening: StartupMark | undefined;
  let ready: StartupMark | undefined;
  let first: StartupMark | undefined;
  const started = startServiceProcess('detector', o.env, `http://127.0.0.1:${o.port}/healthz`, 120_000);
  void started.then((c) => {
    child = c;
    pid = c.pid;
    listening ??= mark();
    o.onChild?.(c);
  }).catch(() => undefined);
  try {
    for (;;) {
      if (pid !== undefined) o.onPoll?.(pid);
      if (listening !== undefined && ready === undefined) {
        const r = await fetch(`http://127.0.0.1:${o.port}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        if (r?.ok) ready = mark();
      }
      if (ready !== undefined || o.messages > 0) {
        lag = await groupLag(o.kafka, o.groupId, o.signalsTopic).catch(() => lag);
        if (first === undefined && lag < o.messages) first = mark();
      }
      if (ready !== undefined && lag === 0) break;
      if (since() > 300) throw new Error(`detector start-up: not done after 300 s (lag ${lag})`);
      await sleep(ready === undefined ? 20 : 50);
    }
    const done = mark();
    await started;
    const logLines = logTimes(`${REPO_ROOT}/.data/logs/bench-detector.log`, spawnedAt, [...(o.logMessages ?? []), RESUMED_LINE]);
    return { listening: listening!, ready: ready!, first, done, logLines, resumedS: logLines[RESUMED_LINE] };
  } catch (err) {
    if (child) await stopProcess(child);
    throw err;
  }
}

/** Seconds from `from` (epoch ms) to the first pino line with each message. */
function logTimes(file: string, from: number, messages: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as { msg?: string; time?: number };
      const key = l.msg === undefined ? undefined : messages.find((m) => l.msg!.startsWith(m));
      if (key !== undefined && l.time !== undefined && out[key] === undefined) out[key] = (Date.parse(String(l.time)) - from) / 1000;
    } catch {
      // not a log line
    }
  }
  return out;
}

export const fmtMark = (m: StartupMark | undefined): string => (m === undefined ? '-' : `${m.wallS.toFixed(2)} s (CPU ${m.cpuS.toFixed(2)} s)`);

// ---------------------------------------------------------------------------------------------

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createKafka, deleteTopicsWithPrefix, ensureTopics, signalMessages, topicNames, createProducer } = await import('@downradar/common');
  const { loadCatalog } = await import('../../schemas/catalog/index');
  const { generateSignals } = await import('../../services/detector/src/testing/simulate');
  const { loadAverage } = await import('./peers');
  const { median } = await import('@downradar/common/bench-results');
  const N = Number(process.argv[2] ?? 20_000);
  const RUNS = Number(process.argv[3] ?? 3);
  const RESTART = process.env.DOWNRADAR_BENCH_STARTUP_RESTART === '1';
  const brokers = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const port = Number(process.env.DOWNRADAR_DETECTOR_PORT ?? 18_084);
  const kafka = createKafka({ brokers, clientId: 'bench-detector-startup' });
  /** The signals in binary messages of 250, through one producer; returns the messages written. */
  const produceSignals = async (topic: string, signals: Parameters<typeof signalMessages>[1]): Promise<number> => {
    const producer = createProducer({ kafka });
    await producer.connect();
    let messages = 0;
    try {
      for (let i = 0; i < signals.length; i += 250) {
        const m = signalMessages(topic, signals.slice(i, i + 250));
        messages += m.length;
        await producer.send(m);
      }
    } finally {
      await producer.close();
    }
    return messages;
  };
  const LINES = ['Server listening', 'detector started', 'signals partitions assigned', 'checkpoints restored', 'incidents partition assigned'];
  const rows: StartupRun[] = [];
  console.log(`uptime: load ${loadAverage()}`);
  for (let run = 0; run < RUNS; run++) {
    const prefix = `bench-detector-startup-${Date.now().toString(36)}-${run}`;
    const topics = topicNames(prefix);
    await ensureTopics(kafka, { prefix, partitions: 6 });
    const services = loadCatalog().services.slice(0, 40).map((s) => s.id);
    const signals = generateSignals({ seed: run + 1, services, count: N, startAt: Date.UTC(2021, 9, 4, 15, 0), perSecond: 500, reporters: 100_000, postShare: 0.4, hashtags: 2000, jitterMs: 5000 });
    const messages = await produceSignals(topics.signals, signals);
    const env: NodeJS.ProcessEnv = {
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_KAFKA_PARTITIONS: '6',
      DOWNRADAR_DETECTOR_PORT: String(port),
      DOWNRADAR_DETECTOR_INSTANCE: 'bench',
      DOWNRADAR_DETECTOR_GROUP_ID: `${prefix}-detector`,
      DOWNRADAR_DETECTOR_INCIDENTS_GROUP_ID: `${prefix}-incidents`,
      DOWNRADAR_DETECTOR_IDLE_TIMEOUT_MS: '0',
      DOWNRADAR_DETECTOR_SESSION_TIMEOUT_MS: '10000',
      DOWNRADAR_LOG_LEVEL: 'info',
    };
    try {
      let child: ChildProcess | undefined;
      let r = await measureStartup({ kafka, env, port, groupId: `${prefix}-detector`, signalsTopic: topics.signals, messages, logMessages: LINES, onChild: (c) => (child = c) });
      if (RESTART) {
        await stopProcess(child!);
        // The same backlog again on top, so that the restarted detector has checkpoints to read and work to do.
        const later = generateSignals({ seed: run + 101, services, count: N, startAt: Date.UTC(2021, 9, 4, 15, 0) + (N / 500) * 1000 + 60_000, perSecond: 500, reporters: 100_000, postShare: 0.4, hashtags: 2000, jitterMs: 5000 });
        const more = await produceSignals(topics.signals, later);
        r = await measureStartup({ kafka, env, port, groupId: `${prefix}-detector`, signalsTopic: topics.signals, messages: more, logMessages: LINES, onChild: (c) => (child = c) });
      }
      await stopProcess(child!);
      rows.push(r);
      const lines = Object.entries(r.logLines).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ');
      console.log(`run ${run}${RESTART ? ' (restart)' : ''} (load ${loadAverage()}): listening ${fmtMark(r.listening)}, ready ${fmtMark(r.ready)}, first commit ${fmtMark(r.first)}, done ${fmtMark(r.done)}; log: ${lines}`);
    } finally {
      await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
    }
  }
  const med = (f: (r: StartupRun) => number) => median(rows.map(f)).toFixed(2);
  console.log(
    `median of ${RUNS}: listening ${med((r) => r.listening.wallS)} s (CPU ${med((r) => r.listening.cpuS)}), ready ${med((r) => r.ready.wallS)} s (CPU ${med((r) => r.ready.cpuS)}), ` +
      `first commit ${med((r) => r.first?.wallS ?? NaN)} s (CPU ${med((r) => r.first?.cpuS ?? NaN)}), done ${med((r) => r.done.wallS)} s; load ${loadAverage()}`,
  );
  process.exit(0);
}
