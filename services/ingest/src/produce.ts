/**
 * The write path's last step: events to Kafka, acknowledged to the client only once Kafka has
 * every message of them (a report and its signal travel in one send).
 *
 * The events of the requests of one event-loop turn go in few sends ("groups"), each small enough
 * never to be cut for size by the producer, which writes or withdraws a send as a whole (see
 * GROUP_MAX_CHARS).
 * Inside a group the signals of one service within a few seconds of event time travel as one
 * SignalBatch message: the detector and the sink then pay Kafka's per-record cost once per batch
 * instead of once per signal (the profile of a replay through ingest showed kafkajs' per-record
 * encoding, partitioning and the per-send bookkeeping as the largest part of ingest's time).
 * Signals are handed over as objects, so the batches are written in the binary form
 * (common's signal-messages.ts; every reader takes both forms): about half the bytes of JSON for
 * kafkajs to encode and checksum, the broker to store, and no JSON.parse in the detector and the sink.
 */
import { SignalSlicer, type Logger, type OutMessage, type Producer, type TopicNames } from '@downradar/common';
import { HttpError } from '@downradar/common/http';
import type { PostEvent, ReportEvent, SignalEvent } from '../../../schemas/events/index';
import type { IngestMetrics } from './metrics';
import type { RecentIds } from './recent-ids';
import { ReportJsonWriter } from './report-json';

export interface Understanding {
  signalForReport(report: ReportEvent): SignalEvent;
  /** The post's signals and the language detected in its text (stored on the post as detectedLang). */
  readPost(post: PostEvent): { language: string; signals: SignalEvent[] };
}

/** A signal on its way to a signal batch, with a bound on its size there (groupEvents' budget). */
export interface OutgoingSignal {
  serviceId: string;
  at: number;
  signal: SignalEvent;
  /**
   * About its JSON length in characters, which groupEvents counted before signals went binary;
   * the binary form is shorter (no field names; produce.test.ts checks it for drawn signals).
   */
  chars: number;
}

/** What one event writes: its own message(s) and its signals (written as signal batches). */
export interface EventMessages {
  messages: OutMessage[];
  signals: OutgoingSignal[];
}

/** The field names, punctuation and numbers of a signal's JSON, then the lengths of its strings. */
const SIGNAL_FIXED_CHARS = 220;
export function outgoing(s: SignalEvent): OutgoingSignal {
  let chars = SIGNAL_FIXED_CHARS + s.id.length + s.sourceId.length + s.serviceId.length + s.problem.length + (s.country?.length ?? 0) + (s.reporterHash?.length ?? 0);
  for (const h of s.hashtags) chars += h.length + 3;
  for (const e of s.evidence ?? []) chars += e.length + 3;
  if (s.officialStatus) chars += JSON.stringify(s.officialStatus).length;
  return { serviceId: s.serviceId, at: s.at, signal: s, chars };
}

/** An event to store: its id (for the dedupe set and the retry join) and what it writes. */
export interface Pending extends EventMessages {
  id: string;
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
  /** The report for downradar.reports and its signal. */
  reportMessages(ev: ReportEvent): EventMessages;
  /** The post for downradar.posts (with the language its text is in) and its signals. */
  postMessages(ev: PostEvent): EventMessages;
}

/**
 * Characters of one group's messages (bytes of a value given as bytes: a report's JSON, a signal
 * batch). The producer splits a send into parts of at most 900 KB
 * (its maxBatchBytes, below the broker's 1 MiB record batch limit); a group stays well under it,
 * so it is never cut for size, only by partition among the producer's kafkajs producers, and the
 * producer sends a send whole or withdraws it whole: queued, sent and acknowledged, or withdrawn,
 * as a whole.
 */
export const GROUP_MAX_CHARS = 400_000;

/** The sends of a request: events in order, split into groups, signals batched per slice. */
export function groupEvents(events: readonly Pending[], signalsTopic: string, maxChars = GROUP_MAX_CHARS): { ids: string[]; messages: OutMessage[] }[] {
  const groups: { ids: string[]; messages: OutMessage[] }[] = [];
  let ids: string[] = [];
  let messages: OutMessage[] = [];
  let chars = 0;
  const slicer = new SignalSlicer(signalsTopic);
  const endGroup = () => {
    slicer.flush(messages);
    if (ids.length > 0) groups.push({ ids, messages });
    ids = [];
    messages = [];
    chars = 0;
  };
  for (const e of events) {
    let size = 0;
    for (const m of e.messages) size += m.value.length + (m.key?.length ?? 0) + 70;
    for (const s of e.signals) size += s.chars + s.serviceId.length + 71;
    if (ids.length > 0 && chars + size > maxChars) endGroup();
    ids.push(e.id);
    chars += size;
    for (const m of e.messages) messages.push(m);
    for (const s of e.signals) slicer.add(s, s.at, messages);
  }
  endGroup();
  return groups;
}

/**
 * The events of the requests that arrive in one turn of the event loop, sent together. Under
 * load many requests are parsed in the same turn (one single report each, or a few batches);
 * grouping them together writes one signal batch per service for all of them instead of one
 * message per request, and one send (one abort signal, one group of producer bookkeeping) for
 * the lot. Each request still waits for exactly the groups that hold its own events.
 */
interface Collection {
  events: Pending[];
  /** Ids collected so far: a second request with the same id in the same turn joins the first. */
  ids: Set<string>;
  /** The send of each id, from the moment the collection was handed to the producer. */
  sendOf: Map<string, Promise<void>>;
  sent: Promise<void>;
  markSent(): void;
  /** Set when the collection could not be handed to the producer: its requests fail (503), never succeed. */
  failed?: Error;
  /** Withdraws the groups still queued; used once no request waits for the collection any more. */
  giveUp: AbortController;
  /** Requests waiting for some group of this collection. */
  waiting: number;
  /** Groups handed to the producer and not settled yet: only those can still be withdrawn. */
  unsettledGroups: number;
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
  let collecting: Collection | null = null;

  function collection(): Collection {
    if (collecting) return collecting;
    let markSent!: () => void;
    const sent = new Promise<void>((r) => (markSent = r));
    const c: Collection = { events: [], ids: new Set(), sendOf: new Map(), sent, markSent, giveUp: new AbortController(), waiting: 0, unsettledGroups: 0 };
    collecting = c;
    setImmediate(() => dispatch(c));
    return c;
  }

  function dispatch(c: Collection): void {
    collecting = null;
    try {
      send(c);
    } catch (err) {
      c.failed = err as Error;
      logger.error({ err: c.failed.message }, 'could not hand events to the producer');
    } finally {
      // Nothing reads the collected events once they are handed over (the producer has their
      // messages, sendOf their sends): let the events, their signal objects and the id set go now
      // rather than when the last request of the collection is answered, after Kafka's
      // acknowledgement. Kept that long, a batch's objects outlived the young generation while
      // the next batches were parsed, and the garbage collector copied and promoted them.
      c.events = [];
      c.ids = new Set();
      c.markSent();
    }
  }

  function send(c: Collection): void {
    for (const group of groupEvents(c.events, topics.signals)) {
      const own = producer.send(group.messages, { signal: c.giveUp.signal });
      c.unsettledGroups++;
      for (const id of group.ids) {
        unsettled.set(id, own);
        c.sendOf.set(id, own);
      }
      // Registered before any request waits on `own`, so this runs before they resume.
      own
        .then(
          () => {
            c.unsettledGroups--;
            for (const id of group.ids) recent.add(id);
          },
          () => {
            c.unsettledGroups--;
          },
        )
        .finally(() => {
          for (const id of group.ids) if (unsettled.get(id) === own) unsettled.delete(id);
        });
    }
  }

  /** The sends that hold these events: earlier ones still unsettled, and this turn's collection. */
  async function sendsOf(events: Pending[], earlier: Set<Promise<void>>, c: Collection | null): Promise<void> {
    if (c) {
      await c.sent;
      if (c.failed) throw c.failed;
      for (const e of events) {
        const own = c.sendOf.get(e.id);
        if (own) earlier.add(own);
      }
    }
    await Promise.all(earlier);
  }

  /**
   * After produceTimeoutMs the client gets a 503 and retries with the same id. Groups still
   * queued are withdrawn (never written) once no request waits for them any more; groups
   * already sent stay in `unsettled`.
   */
  async function store(events: Pending[]): Promise<void> {
    const started = performance.now();
    const earlier = new Set<Promise<void>>();
    let c: Collection | null = null;
    for (const e of events) {
      const u = unsettled.get(e.id);
      if (u) {
        earlier.add(u);
        continue;
      }
      c ??= collection();
      if (c.ids.has(e.id)) continue;
      c.ids.add(e.id);
      c.events.push(e);
    }
    if (c) c.waiting++;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sendsOf(events, earlier, c),
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error('timed out waiting for Kafka')), deps.produceTimeoutMs);
        }),
      ]);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'Kafka did not acknowledge');
      throw new HttpError(503, 'KAFKA_UNAVAILABLE', 'Kafka did not confirm the event in time; retry later with the same id (it is stored once)', undefined, { 'retry-after': '5' });
    } finally {
      clearTimeout(timer);
      // The last request to stop waiting withdraws what is still queued: nobody would learn of it.
      // Only when something is left: aborting builds a DOMException with a stack trace, which the
      // profile of single POSTs showed on every collection although all its groups had settled.
      if (c && --c.waiting === 0 && c.unsettledGroups > 0) c.giveUp.abort();
      metrics.produceMs.observe(performance.now() - started);
    }
  }

  // The report's JSON as bytes, the same bytes as JSON.stringify's (report-json.ts).
  const reportJson = new ReportJsonWriter();
  function reportMessages(ev: ReportEvent): EventMessages {
    return { messages: [{ topic: topics.reports, key: ev.serviceId, value: reportJson.write(ev) }], signals: [outgoing(understanding.signalForReport(ev))] };
  }

  function postMessages(ev: PostEvent): EventMessages {
    const { language, signals } = understanding.readPost(ev);
    return { messages: [{ topic: topics.posts, key: ev.id, value: JSON.stringify({ ...ev, detectedLang: language }) }], signals: signals.map(outgoing) };
  }

  return { store, reportMessages, postMessages };
}
