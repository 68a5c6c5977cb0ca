/**
 * The write path's last step: events to Kafka, acknowledged to the client only once Kafka has
 * every message of them (a report and its signal travel in one send).
 */
import type { Logger, OutMessage, Producer, TopicNames } from '@downradar/common';
import { HttpError } from '@downradar/common/http';
import type { PostEvent, ReportEvent, SignalEvent } from '../../../schemas/events/index';
import type { IngestMetrics } from './metrics';
import type { RecentIds } from './recent-ids';

export interface Understanding {
  signalForReport(report: ReportEvent): SignalEvent;
  /** The post's signals and the language detected in its text (stored on the post as detectedLang). */
  readPost(post: PostEvent): { language: string; signals: SignalEvent[] };
}

/** An event to store: its id (for the dedupe set and the retry join) and its messages. */
export interface Pending {
  id: string;
  messages: OutMessage[];
}

export interface ProduceDeps {
  producer: Producer;
  topics: TopicNames;
  understanding: Understanding;
  recent: RecentIds;
  produceTimeoutMs: number;
  metrics: IngestMetrics;
  logger: Logger;
}

export interface Produce {
  /** Resolves once Kafka acknowledged every event; a 503 HttpError when it did not in time. */
  store(events: Pending[]): Promise<void>;
  /** The report on downradar.reports and its signal on downradar.signals. */
  reportMessages(ev: ReportEvent): OutMessage[];
  /** The post on downradar.posts (with the language its text is in) and its signals. */
  postMessages(ev: PostEvent): OutMessage[];
}

export function createProduce(deps: ProduceDeps): Produce {
  const { producer, topics, understanding, recent, metrics, logger } = deps;

  /**
   * Sends on their way, by event id. A client that retries an id (after a 503) while the first
   * send is still in a request to the broker waits for that send instead of writing the event a
   * second time: that request may already be in the log (the broker died before answering), and
   * the producer repeats it with the same sequence numbers, so the broker keeps one copy.
   */
  const unsettled = new Map<string, Promise<void>>();

  /**
   * After produceTimeoutMs the client gets a 503 and retries with the same id: events still
   * queued are withdrawn (never written), events already sent stay in `unsettled`.
   */
  async function store(events: Pending[]): Promise<void> {
    const started = performance.now();
    const giveUp = new AbortController();
    const sends = events.map(({ id, messages }) => {
      let send = unsettled.get(id);
      if (!send) {
        const own = producer.send(messages, { signal: giveUp.signal });
        unsettled.set(id, own);
        own
          .then(
            () => recent.add(id),
            () => undefined,
          )
          .finally(() => {
            if (unsettled.get(id) === own) unsettled.delete(id);
          });
        send = own;
      }
      return send;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(sends),
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error('timed out waiting for Kafka')), deps.produceTimeoutMs);
        }),
      ]);
    } catch (err) {
      giveUp.abort();
      logger.warn({ err: (err as Error).message }, 'Kafka did not acknowledge');
      throw new HttpError(503, 'KAFKA_UNAVAILABLE', 'Kafka did not confirm the event in time; retry later with the same id (it is stored once)', undefined, { 'retry-after': '5' });
    } finally {
      clearTimeout(timer);
      metrics.produceMs.observe(performance.now() - started);
    }
  }

  function reportMessages(ev: ReportEvent): OutMessage[] {
    const signal = understanding.signalForReport(ev);
    return [
      { topic: topics.reports, key: ev.serviceId, value: JSON.stringify(ev) },
      { topic: topics.signals, key: signal.serviceId, value: JSON.stringify(signal) },
    ];
  }

  function postMessages(ev: PostEvent): OutMessage[] {
    const { language, signals } = understanding.readPost(ev);
    const out: OutMessage[] = [{ topic: topics.posts, key: ev.id, value: JSON.stringify({ ...ev, detectedLang: language }) }];
    for (const s of signals) out.push({ topic: topics.signals, key: s.serviceId, value: JSON.stringify(s) });
    return out;
  }

  return { store, reportMessages, postMessages };
}
