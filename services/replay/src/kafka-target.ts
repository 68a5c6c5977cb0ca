/**
 * Kafka as a replay target: what ingest would write, written directly. Reports become
 * ReportEvents on downradar.reports (keyed by serviceId, reporter id hashed the way ingest hashes
 * it), posts become PostEvents on downradar.posts (keyed by post id), and, when a signal maker is
 * given, their signals go to downradar.signals keyed by serviceId, as ingest does. The replay
 * therefore drives the detector, the sink and the dashboard without the ingest service.
 *
 * The producer is the shared one of services/common (idempotent, acks=all, coalescing); the
 * signal maker is services/nlp's `createUnderstanding()`, loaded lazily by loadSignalMaker() so
 * that a replay of reports and posts works without it.
 */
import { createKafka, createProducer, ensureTopics, reportEvent, reporterHasher, reporterSalt, topicNames, type OutMessage } from '@downradar/common';
import type { PostEvent, PostInput, ReportEvent, SignalEvent } from '../../../schemas/events/index';
import type { ReplayReport } from './generator';
import { ReplayTargetError, type ReplayTarget } from './target';

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
  now?: () => number;
}

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

  return {
    name: 'kafka',
    stats,
    notes,
    async send(reports: ReplayReport[], posts: PostInput[]) {
      const receivedAt = now();
      const messages: OutMessage[] = [];
      let signals = 0;
      for (const r of reports) {
        const ev = reportEvent(r, { receivedAt, source: 'replay', hashReporter });
        messages.push({ topic: topics.reports, key: ev.serviceId, value: JSON.stringify(ev) });
        if (maker) {
          const s = maker.signalForReport(ev);
          messages.push({ topic: topics.signals, key: s.serviceId, value: JSON.stringify(s) });
          signals++;
        }
      }
      for (const p of posts) {
        const ev: PostEvent = { ...p, receivedAt };
        const read = maker?.readPost ? maker.readPost(ev, receivedAt) : { language: undefined, signals: maker ? maker.signalsForPost(ev, receivedAt) : [] };
        messages.push({ topic: topics.posts, key: ev.id, value: JSON.stringify(read.language ? { ...ev, detectedLang: read.language } : ev) });
        for (const s of read.signals) {
          messages.push({ topic: topics.signals, key: s.serviceId, value: JSON.stringify(s) });
          signals++;
        }
      }
      try {
        // the producer coalesces chunks into requests of at most MAX_MESSAGES_PER_REQUEST
        const chunks: Promise<void>[] = [];
        for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_REQUEST)
          chunks.push(producer.send(messages.slice(i, i + MAX_MESSAGES_PER_REQUEST)));
        await Promise.all(chunks);
      } catch (err) {
        throw new ReplayTargetError(`producing to Kafka failed: ${(err as Error).message}`, true, undefined, { cause: err });
      }
      stats.reports += reports.length;
      stats.posts += posts.length;
      stats.signals += signals;
    },
    async close() {
      await producer.close();
    },
  };
}
