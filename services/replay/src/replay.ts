/**
 * runReplay: generate a scenario's events and deliver them to a target, paced by emitAt.
 *
 * Pacing: event time `from` is mapped to the wall clock at the start; an event is due at
 * start + (emitAt - from) / speed. Events due within the next `lingerMs` are gathered into one
 * batch; then the replay sends the batch and sleeps until the next event is due. `speed: 'max'`
 * never sleeps and sends full batches. Up to `maxInFlight` batches are in flight at once.
 *
 * Order: events go to the target in emission order (reports and posts interleaved as generated),
 * and a target writes a batch in that order. An `ordered` target (Kafka) also writes batches in
 * the order they were sent. For any other target (the ingest API: concurrent requests, several
 * processes) two batches in flight at once may land in either order, so a batch is sent only once
 * every batch still in flight began at most `maxDisorderMs` before its last event. Either way
 * (without shards, below) no event is written more than `maxDisorderMs` behind one emitted after it,
 * which keeps a replay within the detector's allowed lateness (15 s) beyond the lateness the
 * scenario itself draws: without it a max-speed replay wrote about a third of its signals more
 * than 15 s out of event-time order, and which of them were late depended on timing.
 *
 * Shards (`partitions`, unordered targets): the detector orders by signals partition (one scorer
 * and one watermark per partition; the incident and trend stages wait for every partition's own
 * progress, so partitions read far apart in event time give the same windows, see
 * services/detector/src/stages/incident-grouper.ts). With `partitions` set, a batch (a time
 * slice) is split by the signals partition of each event (shards.ts) into one request per
 * partition, and each partition keeps exactly one request in flight: a partition's events are
 * written exactly in emission order (stricter than the disorder bound), and the requests of
 * different partitions keep several ingest processes busy (with one mixed batch in flight, only
 * one was). Partitions may run apart by up to `maxInFlight` slices; the disorder bound is not
 * applied between them. The one thing that crosses partitions is a post whose text ingest reads
 * as about a service other than the one the generator meant (shards.ts): bench:e2e counts how
 * many signals end up late on their partition (signal-order.ts). A slice ends when one
 * partition's part of it reaches `batchSize`.
 *
 * Stopping: an AbortSignal stops generation; what was generated is still sent, in-flight batches
 * are awaited, the target is closed, and the summary says `stopped: true`. A target error stops
 * the replay the same way and is rethrown after the cleanup.
 */
import type { Scenario } from '../../../schemas/scenario/index';
import { generateFromPlan } from './generator';
import { createHttpTarget } from './http-target';
import { createKafkaTarget, loadSignalMaker, type SignalMaker } from './kafka-target';
import { compilePlan, type Plan } from './plan';
import { partitionSharder } from './shards';
import { loadScenario } from './scenario-loader';
import { createNullTarget, type ReplayEvent, type ReplayTarget } from './target';

export type Speed = number | 'max';

export interface ReplayOptions {
  /** a shipped scenario id, a file path, or a loaded scenario */
  scenario: string | Scenario;
  /** 'http' (ingest API), 'kafka' (straight to the topics), 'none' (generate and pace only), or a target */
  target: 'http' | 'kafka' | 'none' | ReplayTarget;
  /** 1 = real time, 60 = an hour per minute, 'max' = as fast as the target takes it (default 'max') */
  speed?: Speed;
  scale?: number;
  from?: number | string;
  to?: number | string;
  seed?: number;
  idPrefix?: string;
  /** events per batch (default 2000; ingest takes up to 10,000 lines) */
  batchSize?: number;
  /** batches (time slices) in flight at once (default 4) */
  maxInFlight?: number;
  /**
   * Unordered targets: the signals topic's partition count. When set, each batch is sent as one
   * request per partition, one request in flight per partition (see the module comment).
   */
  partitions?: number;
  /**
   * Most emission time (ms) by which the target may write an event behind one emitted after it
   * (default DEFAULT_MAX_DISORDER_MS): bounds how far apart the batches in flight at once to a
   * target that is not `ordered` may begin and end (with `partitions`: not between partitions, each
   * of which is written in exact order), and the Kafka target's signal batches.
   */
  maxDisorderMs?: number;
  /** paced replays gather events due within this many ms into one batch (default 250) */
  lingerMs?: number;
  ingestUrl?: string;
  apiKey?: string;
  brokers?: string[];
  topicPrefix?: string;
  /** kafka target: 'auto' writes signals when @downradar/nlp provides them, 'on' requires it, 'off' never (default 'auto') */
  signals?: 'auto' | 'on' | 'off' | SignalMaker;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  progressIntervalMs?: number;
  /** notes for the operator (retries, disabled signals) */
  onNote?: (line: string) => void;
  /** injectable clock for tests */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** 5 s: a third of the detector's allowed lateness (DOWNRADAR_DETECTOR_ALLOWED_LATENESS_MS, 15 s). */
export const DEFAULT_MAX_DISORDER_MS = 5_000;

export interface ReplayProgress {
  scenarioId: string;
  /** emitAt of the last event handed to the target (ms) */
  eventTime: number;
  /** 0..1 of the event-time span */
  fraction: number;
  reports: number;
  posts: number;
  late: number;
  /** acknowledged by the target */
  sent: number;
  /** events per wall second since the last progress call */
  rate: number;
  elapsedMs: number;
}

export interface ReplaySummary {
  scenarioId: string;
  target: string;
  scale: number;
  speed: Speed;
  seed: number;
  from: string;
  to: string;
  /** events generated and handed to the target */
  reports: number;
  posts: number;
  late: number;
  /** events the target acknowledged */
  sent: number;
  /** requests to the target (with `partitions`, one per partition present in a batch) */
  batches: number;
  durationMs: number;
  eventsPerSecond: number;
  /** event time reached (ms) */
  eventTime: number;
  stopped: boolean;
  targetStats: Readonly<Record<string, number>>;
  notes: string[];
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function resolveTarget(opts: ReplayOptions, notes: string[], maxDisorderMs: number): Promise<ReplayTarget> {
  if (typeof opts.target === 'object') return opts.target;
  if (opts.target === 'none') return createNullTarget();
  if (opts.target === 'http') {
    return createHttpTarget({
      ingestUrl: opts.ingestUrl ?? 'http://127.0.0.1:8081',
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      onRetry: (r) => opts.onNote?.(`retrying ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}: ${r.reason.slice(0, 120)})`),
    });
  }
  let maker: SignalMaker | null = null;
  const mode = opts.signals ?? 'auto';
  if (typeof mode === 'object') maker = mode;
  else if (mode === 'off') notes.push('signals not written (--signals off): the detector sees nothing from this replay');
  else {
    const loaded = await loadSignalMaker();
    if (!loaded.maker) {
      if (mode === 'on') throw new Error(`--signals on: ${loaded.reason}`);
      notes.push(`signals not written: ${loaded.reason}`);
    }
    maker = loaded.maker;
  }
  return createKafkaTarget({
    brokers: opts.brokers ?? ['127.0.0.1:9092'],
    ...(opts.topicPrefix ? { topicPrefix: opts.topicPrefix } : {}),
    toSignals: maker,
    signalBatchSpanMs: maxDisorderMs,
  });
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  const scenario = typeof opts.scenario === 'string' ? loadScenario(opts.scenario) : opts.scenario;
  const plan: Plan = compilePlan(scenario, {
    ...(opts.scale !== undefined ? { scale: opts.scale } : {}),
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.idPrefix !== undefined ? { idPrefix: opts.idPrefix } : {}),
  });
  const speed: Speed = opts.speed ?? 'max';
  if (speed !== 'max' && !(speed > 0)) throw new RangeError(`speed must be a positive number or 'max', got ${speed}`);
  const batchSize = opts.batchSize ?? 2000;
  const maxInFlight = opts.maxInFlight ?? 4;
  const lingerMs = opts.lingerMs ?? 250;
  const maxDisorderMs = opts.maxDisorderMs ?? DEFAULT_MAX_DISORDER_MS;
  if (!(maxDisorderMs >= 0)) throw new RangeError(`maxDisorderMs must be >= 0, got ${maxDisorderMs}`);
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? abortableSleep;
  const signal = opts.signal;
  const notes: string[] = [];
  const target = await resolveTarget(opts, notes, maxDisorderMs);
  const ordered = target.ordered === true;
  const shardOf = !ordered && opts.partitions !== undefined && opts.partitions > 1 ? partitionSharder(opts.partitions) : null;
  /** Per shard: the last request sent (settled or not); the next one of the shard waits for it. */
  const shardTail = new Map<number, Promise<void>>();
  /** Events per shard in the open batch. */
  const shardFill = new Map<number, number>();
  for (const n of notes) opts.onNote?.(n);

  const span = plan.to - plan.from;
  const counts = { reports: 0, posts: 0, late: 0, sent: 0, batches: 0 };
  let eventTime = plan.from;
  let batch: ReplayEvent[] = [];
  let batchOpenedAt = 0;
  /** In send order; each leaves when its send settles. */
  const inFlight: { done: Promise<void>; firstEmitAt: number }[] = [];
  let failure: unknown = null;
  const started = now();
  let lastProgress = { at: started, handed: 0 };
  const progressEvery = opts.progressIntervalMs ?? 1000;

  const progress = (force = false) => {
    if (!opts.onProgress) return;
    const t = now();
    if (!force && t - lastProgress.at < progressEvery) return;
    const handed = counts.reports + counts.posts;
    const dt = (t - lastProgress.at) / 1000;
    opts.onProgress({
      scenarioId: scenario.id,
      eventTime,
      fraction: Math.min(1, Math.max(0, (eventTime - plan.from) / span)),
      reports: counts.reports,
      posts: counts.posts,
      late: counts.late,
      sent: counts.sent,
      rate: dt > 0 ? (handed - lastProgress.handed) / dt : 0,
      elapsedMs: t - started,
    });
    lastProgress = { at: t, handed };
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    const firstEmitAt = b[0]!.emitAt;
    const lastEmitAt = b[b.length - 1]!.emitAt;
    // An unordered target may write this batch before any batch still in flight.
    if (!ordered && !shardOf) while (inFlight.length > 0 && lastEmitAt - inFlight[0]!.firstEmitAt > maxDisorderMs) await inFlight[0]!.done;
    const sendPart = (part: ReplayEvent[]) => {
      counts.batches++;
      return target.send(part).then(
        () => {
          counts.sent += part.length;
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
    };
    let done: Promise<void>;
    if (!shardOf) done = sendPart(b);
    else {
      shardFill.clear();
      const parts = new Map<number, ReplayEvent[]>();
      for (const e of b) {
        const s = shardOf(e);
        let part = parts.get(s);
        if (!part) parts.set(s, (part = []));
        part.push(e);
      }
      const sends: Promise<void>[] = [];
      for (const [s, part] of parts) {
        // After the shard's previous request, whatever became of it (a failure stops the replay).
        const tail = (shardTail.get(s) ?? Promise.resolve()).then(() => (failure ? undefined : sendPart(part)));
        shardTail.set(s, tail);
        sends.push(tail);
      }
      done = Promise.all(sends).then(() => undefined);
    }
    const entry = { firstEmitAt, done };
    inFlight.push(entry);
    void entry.done.finally(() => inFlight.splice(inFlight.indexOf(entry), 1));
    while (inFlight.length >= maxInFlight) await inFlight[0]!.done;
  };

  try {
    for (const e of generateFromPlan(plan)) {
      if (signal?.aborted || failure) break;
      if (speed !== 'max') {
        const due = started + (e.emitAt - plan.from) / speed;
        const wait = due - now();
        if (wait > lingerMs || (batch.length > 0 && now() - batchOpenedAt > lingerMs)) {
          await flush();
          progress();
          await sleep(due - now(), signal);
          if (signal?.aborted || failure) break;
        }
      }
      if (batch.length === 0) batchOpenedAt = now();
      batch.push(e);
      if (e.kind === 'report') {
        counts.reports++;
        if (e.emitAt > e.report.at) counts.late++;
      } else {
        counts.posts++;
        if (e.emitAt > e.post.at) counts.late++;
      }
      eventTime = e.emitAt;
      let full = batch.length >= batchSize;
      if (shardOf) {
        const s = shardOf(e);
        const n = (shardFill.get(s) ?? 0) + 1;
        shardFill.set(s, n);
        full = n >= batchSize;
      }
      if (full) {
        await flush();
        progress();
      }
    }
    if (!failure) await flush();
  } finally {
    await Promise.all(inFlight.map((f) => f.done));
    progress(true);
    await target.close().catch((err: unknown) => {
      failure ??= err;
    });
  }
  if (failure) throw failure;

  const durationMs = now() - started;
  return {
    scenarioId: scenario.id,
    target: target.name,
    scale: plan.scale,
    speed,
    seed: plan.seed,
    from: new Date(plan.from).toISOString(),
    to: new Date(plan.to).toISOString(),
    reports: counts.reports,
    posts: counts.posts,
    late: counts.late,
    sent: counts.sent,
    batches: counts.batches,
    durationMs,
    eventsPerSecond: durationMs > 0 ? (counts.sent / durationMs) * 1000 : 0,
    eventTime,
    stopped: Boolean(signal?.aborted),
    targetStats: { ...target.stats },
    notes: [...notes, ...target.notes],
  };
}
