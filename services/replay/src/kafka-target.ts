/**
 * Kafka as a replay target: what ingest would write, written directly. Reports become
 * ReportEvents on downradar.reports (keyed by serviceId, reporter id hashed the way ingest hashes
 * it), posts become PostEvents on downradar.posts (keyed by post id), and, when a signal maker is
 * given, their signals go to downradar.signals keyed by serviceId, as ingest does, several
 * signals of one service in one message (a SignalBatch) where a few seconds of emission time hold
 * several. The replay therefore drives the detector, the sink and the dashboard without the
 * ingest service. Everything is written in emission order, up to signalBatchSpanMs.
 *
 * The producer is the shared one of services/common (idempotent, acks=all, coalescing); the
 * signal maker is services/nlp's `createUnderstanding()`, loaded lazily by loadSignalMaker() so
 * that a replay of reports and posts works without it.
 */
import { createKafka, createProducer, ensureTopics, reportEvent, reporterHasher, reporterSalt, signalMessages, SIGNAL_BATCH_SPAN_MS, topicNames, type OutMessage } from '@downradar/common';
import type { PostEvent, ReportEvent, SignalEvent } from '../../../schemas/events/index';
import { ReplayTargetError, type ReplayEvent, type ReplayTarget } from './target';

/** What the kafka target needs from text understanding (a subset of @downradar/nlp's Understanding). */
export interface SignalMaker {
  signalForReport(report: ReportEvent): SignalEvent;
  signalsForPost(post: PostEvent, receivedAt?: number): SignalEvent[];
  /** When offered (services/nlp does), the detected language is stored on the post as ingest stores it. */
  readPost?(post: PostEvent, receivedAt?: number): { language: string; signals: SignalEvent[] };
}

export interface KafkaTargetOptions {
  brokers: string[];
  /** topic prefix (default "downradar": downradar.reports, ...) */
  topicPrefix?: string;
  clientId?: string;
  /** when given, signals are written too (what ingest does with services/nlp) */
  toSignals?: SignalMaker | null;
  /** salt for reporter ids; default DOWNRADAR_REPORTER_SALT, else the one ingest keeps in .data/reporter-salt */
  reporterSalt?: string;
  /** create missing topics first (default true) */
  ensureTopics?: boolean;
  partitions?: number;
  /**
   * Signals are written as one message per service per this many ms of emission time (default
   * DEFAULT_SIGNAL_BATCH_SPAN_MS). It is how far, at most, a signal is written behind signals
   * emitted after it, so it must stay well below the detector's allowed lateness (15 s).
   */
  signalBatchSpanMs?: number;
  now?: () => number;
}

/**
 * common's SIGNAL_BATCH_SPAN_MS (5 s, a third of the detector's allowed lateness), as ingest and
 * the sources use. At the 2021 day's full scale (about 160 events a second, 500 a second at its
 * peak) a slice holds hundreds of signals, tens per service.
 */
export const DEFAULT_SIGNAL_BATCH_SPAN_MS = SIGNAL_BATCH_SPAN_MS;

/**
 * @downradar/nlp's createUnderstanding(), or null with the reason when the package does not
 * provide it (yet). Training the problem model takes a moment, so this is done once per replay.
 */
export async function loadSignalMaker(): Promise<{ maker: SignalMaker | null; reason?: string }> {
  try {
    const mod = (await import('@downradar/nlp')) as { createUnderstanding?: () => SignalMaker };
    if (typeof mod.createUnderstanding !== 'function') return { maker: null, reason: '@downradar/nlp does not export createUnderstanding' };
    return { maker: mod.createUnderstanding() };
  } catch (err) {
    return { maker: null, reason: `@downradar/nlp could not be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
}

/**
 * Messages per produce request. The broker refuses a partition's record batch above
 * message.max.bytes (1 MB by default); replay messages are 250-450 bytes and a batch keyed by
 * service id can land on one partition, so requests stay well under that.
 */
export const MAX_MESSAGES_PER_REQUEST = 1500;

export async function createKafkaTarget(opts: KafkaTargetOptions): Promise<ReplayTarget> {
  const prefix = opts.topicPrefix ?? 'downradar';
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: opts.brokers, clientId: opts.clientId ?? 'downradar-replay' });
  try {
    if (opts.ensureTopics ?? true)
      await ensureTopics(kafka, { prefix, partitions: opts.partitions ?? 6, only: ['reports', 'posts', 'signals'], timeoutMs: 15_000 });
  } catch (err) {
    throw new ReplayTargetError(`Kafka at ${opts.brokers.join(',')} is not reachable: ${(err as Error).message} (is the stack up? npm run stack:status)`, true, undefined, {
      cause: err,
    });
  }
  const producer = createProducer({ kafka, lingerMs: 0, maxBatchMessages: MAX_MESSAGES_PER_REQUEST });
  await producer.connect();
  const hashReporter = reporterHasher(reporterSalt(opts.reporterSalt ?? process.env.DOWNRADAR_REPORTER_SALT));
  const now = opts.now ?? Date.now;
  const maker = opts.toSignals ?? null;
  const stats = { reports: 0, posts: 0, signals: 0 };
  // toSignals: null means "decided: no signals" (the caller says why); absent means nobody thought of it
  const notes: string[] = opts.toSignals === undefined ? ['signals not written (no signal maker): the detector sees nothing from this replay'] : [];

  const sliceMs = opts.signalBatchSpanMs ?? DEFAULT_SIGNAL_BATCH_SPAN_MS;

  return {
    name: 'kafka',
    // One producer: each partition always on the same kafkajs producer, one idempotent request in
    // flight each and FIFO queues, so every partition's messages are written in the order send()
    // is called (they are queued synchronously, before the first await). Partitions are what the
    // order is about: the detector's lateness is per partition.
    ordered: true,
    stats,
    notes,
    async send(events: readonly ReplayEvent[]) {
      const receivedAt = now();
      const messages: OutMessage[] = [];
      let reports = 0;
      let posts = 0;
      let signals = 0;
      // The signals of one slice of emission time, written as one message per service (a
      // SignalBatch) at the slice's end: within a partition a signal is then written at most the
      // slice's span after signals emitted after it.
      let slice: SignalEvent[] = [];
      let sliceStart = 0;
      const endSlice = () => {
        if (slice.length === 0) return;
        for (const m of signalMessages(topics.signals, slice)) messages.push(m);
        signals += slice.length;
        slice = [];
      };
      for (const e of events) {
        if (slice.length > 0 && e.emitAt - sliceStart > sliceMs) endSlice();
        if (slice.length === 0) sliceStart = e.emitAt;
        if (e.kind === 'report') {
          const ev = reportEvent(e.report, { receivedAt, source: 'replay', hashReporter });
          messages.push({ topic: topics.reports, key: ev.serviceId, value: JSON.stringify(ev) });
          if (maker) slice.push(maker.signalForReport(ev));
          reports++;
        } else {
          const ev: PostEvent = { ...e.post, receivedAt };
          const read = maker?.readPost ? maker.readPost(ev, receivedAt) : { language: undefined, signals: maker ? maker.signalsForPost(ev, receivedAt) : [] };
          messages.push({ topic: topics.posts, key: ev.id, value: JSON.stringify(read.language ? { ...ev, detectedLang: read.language } : ev) });
          for (const sig of read.signals) slice.push(sig);
          posts++;
        }
      }
      endSlice();
      try {
        // the producer coalesces chunks into requests of at most MAX_MESSAGES_PER_REQUEST
        const chunks: Promise<void>[] = [];
        for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_REQUEST)
          chunks.push(producer.send(messages.slice(i, i + MAX_MESSAGES_PER_REQUEST)));
        await Promise.all(chunks);
      } catch (err) {
        throw new ReplayTargetError(`producing to Kafka failed: ${(err as Error).message}`, true, undefined, { cause: err });
      }
      stats.reports += reports;
      stats.posts += posts;
      stats.signals += signals;
    },
    async close() {
      await producer.close();
    },
  };
}
