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
import { encodeSignalRecord, NotEncodable, SignalSlicer, type Logger, type OutMessage, type Producer, type SignalRecord, type TopicNames } from '@downradar/common';
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

/**
 * A signal on its way to a signal batch, with a bound on its size there (groupEvents' budget).
 * Encoded when it is made (`record`: the bytes it will have in its batch), so that a request's
 * signals wait for the end of the turn as bytes rather than as objects; a signal the binary form
 * cannot carry (a bug) stays an object (`signal`), which the batch then writes as JSON.
 */
export type OutgoingSignal = {
  serviceId: string;
  at: number;
  /**
   * About its JSON length in characters, which groupEvents counted before signals went binary;
   * the binary form is shorter (no field names; produce.test.ts checks it for drawn signals).
   */
  chars: number;
} & ({ record: SignalRecord } | { signal: SignalEvent });

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
  let record: SignalRecord;
  try {
    record = encodeSignalRecord(s);
  } catch (err) {
    if (err instanceof NotEncodable) return { serviceId: s.serviceId, at: s.at, chars, signal: s };
    throw err;
  }
  return { serviceId: s.serviceId, at: s.at, chars, record };
}

/**
 * The post's JSON for downradar.posts: `JSON.stringify({ ...ev, detectedLang })`, written as the
 * post's own JSON with the field put before its closing brace, without the copy of the post. The
 * same string when the post is a plain object with some field written and no detectedLang or
 * toJSON key of its own (every post ingest makes: PostInput allows neither); any other object is
 * copied as before (produce.test.ts compares the two over drawn posts).
 */
export function postJson(ev: PostEvent, detectedLang: string): string {
  if (Object.getPrototypeOf(ev) === Object.prototype && !Object.hasOwn(ev, 'detectedLang') && !Object.hasOwn(ev, 'toJSON')) {
    const own = JSON.stringify(ev);
    if (own.length > 2) return `${own.slice(0, -1)},"detectedLang":${JSON.stringify(detectedLang)}}`;
  }
  return JSON.stringify({ ...ev, detectedLang });
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
  /** The report for downradar.reports and its signal, to store under `id` (the report's id unless given). */
  reportMessages(ev: ReportEvent, id?: string): Pending;
  /** The post for downradar.posts (with the language its text is in) and its signals, to store under `id`. */
  postMessages(ev: PostEvent, id: string): Pending;
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
 *
 * A request's own events are one run of `events` (store() appends them in one go), and a group
 * is a run of `events` too (groupEvents keeps their order): a request finds its groups by
 * positions, with no per-event bookkeeping. Only an id that joins an earlier request's event (the
 * same id twice in a turn, or a client's retry while the first send is on its way) is looked up by
 * id, in `positions`, built on the first such join.
 */
interface Collection {
  events: Pending[];
  /** The sends of the groups handed to the producer, in order, and where each ends in `events` (exclusive). */
  groupSends: Promise<void>[];
  groupEnds: number[];
  /** The ids of each group handed over, in order (what `positions` is built from). */
  groupIds: string[][];
  /** Position of each handed-over id: made on the first join of an id of this collection. */
  positions: Map<string, number> | null;
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

const notHandedOver = () => new Error('the event could not be handed to the producer');

/** The send of the group holding position i of a collection that was handed over (undefined: i was not handed over). */
function groupAt(c: Collection, i: number): Promise<void> | undefined {
  const ends = c.groupEnds;
  for (let g = 0; g < ends.length; g++) if (i < ends[g]!) return c.groupSends[g];
  return undefined;
}

/** The send that holds id in collection c (handed over), or undefined when its group never was. */
function sendOfId(c: Collection, id: string): Promise<void> | undefined {
  if (!c.positions) {
    const positions = new Map<string, number>();
    let i = 0;
    for (const ids of c.groupIds) for (const x of ids) positions.set(x, i++);
    c.positions = positions;
  }
  const i = c.positions.get(id);
  return i === undefined ? undefined : groupAt(c, i);
}

export function createProduce(deps: ProduceDeps): Produce {
  const { producer, topics, understanding, recent, metrics, logger } = deps;

  /**
   * Events collected and not settled yet, by id: the collection that holds each. A request with
   * an id already here joins that event instead of collecting it again: the same id twice in one
   * turn is written once, and a client that retries an id (after a 503) while the first send is
   * still in a request to the broker waits for that send instead of writing the event a second
   * time: that request may already be in the log (the broker died before answering), and the
   * producer repeats it with the same sequence numbers, so the broker keeps one copy. An id leaves
   * when its group settles, or at once when it could not be handed to the producer.
   */
  const unsettled = new Map<string, Collection>();
  let collecting: Collection | null = null;

  function collection(): Collection {
    if (collecting) return collecting;
    let markSent!: () => void;
    const sent = new Promise<void>((r) => (markSent = r));
    const c: Collection = { events: [], groupSends: [], groupEnds: [], groupIds: [], positions: null, sent, markSent, giveUp: new AbortController(), waiting: 0, unsettledGroups: 0 };
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
      // The events not handed over are nobody's: a retry must collect them anew, not join them.
      const handed = c.groupEnds.length > 0 ? c.groupEnds[c.groupEnds.length - 1]! : 0;
      for (let i = handed; i < c.events.length; i++) {
        const id = c.events[i]!.id;
        if (unsettled.get(id) === c) unsettled.delete(id);
      }
    } finally {
      // Nothing reads the collected events once they are handed over (the producer has their
      // messages, groupSends their sends): let the events and their signal objects go now
      // rather than when the last request of the collection is answered, after Kafka's
      // acknowledgement. Kept that long, a batch's objects outlived the young generation while
      // the next batches were parsed, and the garbage collector copied and promoted them.
      c.events = [];
      c.markSent();
    }
  }

  function send(c: Collection): void {
    let end = 0;
    for (const group of groupEvents(c.events, topics.signals)) {
      const own = producer.send(group.messages, { signal: c.giveUp.signal });
      end += group.ids.length;
      c.groupSends.push(own);
      c.groupEnds.push(end);
      c.groupIds.push(group.ids);
      c.unsettledGroups++;
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
          for (const id of group.ids) if (unsettled.get(id) === c) unsettled.delete(id);
        });
    }
  }

  /**
   * The sends that hold a request's events: the groups of its own run [start, end) of c's
   * events, and, for each id it joined (pairs of collection and id), the group holding that id.
   * A joined id whose group was never handed to the producer fails the request.
   */
  async function sendsOf(c: Collection | null, start: number, end: number, joined: (Collection | string)[] | null): Promise<void> {
    const waits = new Set<Promise<void>>();
    if (c) {
      await c.sent;
      if (c.failed) throw c.failed;
      const ends = c.groupEnds;
      if (end > start)
        for (let g = 0, from = 0; g < ends.length && from < end; from = ends[g++]!) if (ends[g]! > start) waits.add(c.groupSends[g]!);
    }
    if (joined)
      for (let k = 0; k < joined.length; k += 2) {
        const u = joined[k] as Collection;
        await u.sent;
        const own = sendOfId(u, joined[k + 1] as string);
        if (!own) throw u.failed ?? notHandedOver();
        waits.add(own);
      }
    await Promise.all(waits);
  }

  /**
   * After produceTimeoutMs the client gets a 503 and retries with the same id. Groups still
   * queued are withdrawn (never written) once no request waits for them any more; groups
   * already sent stay in `unsettled`.
   */
  async function store(events: Pending[]): Promise<void> {
    const started = performance.now();
    let c: Collection | null = null;
    let start = 0;
    let joined: (Collection | string)[] | null = null;
    for (const e of events) {
      const u = unsettled.get(e.id);
      if (u) {
        // This turn's collection: the request waits for it like its own (it is not withdrawn
        // while this request still waits).
        if (u === collecting && !c) {
          c = u;
          start = c.events.length;
        }
        (joined ??= []).push(u, e.id);
        continue;
      }
      if (!c) {
        c = collection();
        start = c.events.length;
      }
      unsettled.set(e.id, c);
      c.events.push(e);
    }
    const end = c ? c.events.length : 0;
    if (c) c.waiting++;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sendsOf(c, start, end, joined),
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
  function reportMessages(ev: ReportEvent, id = ev.id): Pending {
    return { id, messages: [{ topic: topics.reports, key: ev.serviceId, value: reportJson.write(ev) }], signals: [outgoing(understanding.signalForReport(ev))] };
  }

  function postMessages(ev: PostEvent, id: string): Pending {
    const { language, signals } = understanding.readPost(ev);
    return { id, messages: [{ topic: topics.posts, key: ev.id, value: postJson(ev, language) }], signals: signals.map(outgoing) };
  }

  return { store, reportMessages, postMessages };
}
