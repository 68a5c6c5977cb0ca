// First, before kafkajs loads: three of its producer's hot functions made cheaper (kafkajs-speedups.ts).
import './kafkajs-speedups';
import type { Admin, ICustomPartitioner, Kafka, Message, Producer as KafkaProducer, RecordMetadata, RetryOptions } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Logger } from '../logger';
import { InfraError, kafkaError } from './errors';
import { keyPartition } from './key-partition';

export interface OutMessage {
  topic: string;
  key: string | null;
  /** Text (JSON) or bytes (the binary signals form). */
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface SendOptions {
  /**
   * The caller gives up when it aborts. A send none of whose messages is in a request yet is
   * then taken out of the queue and never sent (the promise rejects with InfraError code
   * NOT_SENT); a send with messages already in a request to the broker cannot be recalled: all
   * of it is sent (never half of it), and the promise settles when all of it did.
   */
  signal?: AbortSignal;
}

export interface Producer {
  /** Resolves only once the broker acknowledged every message (acks=all); rejects with InfraError. */
  send(messages: OutMessage[], opts?: SendOptions): Promise<void>;
  connect(): Promise<void>;
  /** Flushes what is queued, then disconnects. */
  close(): Promise<void>;
  readonly stats: { sentMessages: number; sentBatches: number; failedBatches: number };
}

export interface ProducerOptions {
  kafka: Kafka;
  logger?: Logger;
  /** How long to wait for more messages before a send goes out; 0 = next tick. */
  lingerMs?: number;
  /**
   * After a lane's request is acknowledged, send what queued while it was on the wire on the next
   * turn of the event loop (setImmediate) instead of lingering lingerMs again: those messages have
   * already waited a round trip, and the requests that arrive in the same turn as the
   * acknowledgement still join them. With one producer this lets the batch size follow the
   * broker's round trip instead of adding a linger (at least 1 ms: node's setTimeout) to every
   * request. Off by default: then a queue left after an acknowledgement waits lingerMs again.
   */
  flushOnAck?: boolean;
  /** Upper bound of messages in one broker request. */
  maxBatchMessages?: number;
  /**
   * Upper bound of bytes of one partition in one broker request. kafkajs writes one record batch
   * per partition and the broker refuses a batch over message.max.bytes (1 MiB by default), so
   * a send larger than this is split into parts of at most this many bytes, and a request takes
   * queued parts only while each partition's share stays under it; the caller's promise settles
   * when all its parts did.
   */
  maxBatchBytes?: number;
  /**
   * Upper bound of bytes in one broker request over all its partitions. The broker's limit for a
   * whole request is socket.request.max.bytes (100 MiB by default), far above what is useful:
   * this bounds how long one acknowledgement takes. Default 8 MiB; at most maxBatchBytes means
   * one request is capped as a whole (what this producer did before per-partition caps).
   */
  maxRequestBytes?: number;
  /** kafkajs retry for one request. Keep it short where a caller waits (HTTP 503 quickly). */
  retry?: RetryOptions;
  compression?: 'none' | 'gzip';
  /**
   * When a request fails for a reason a retry can fix (broker gone, connection reset, timeout),
   * send the very same request again, with the same producer id and sequence numbers, until the
   * broker takes it, instead of failing its callers. The broker drops a copy it already wrote
   * (idempotence), so a request that reached the log just before the connection died is not
   * written twice, which a caller's own retry under a new producer id would do. Callers keep
   * waiting; they bound the wait with SendOptions.signal. Off by default: callers that retry
   * whole operations themselves want the failure.
   */
  retryFailedRequests?: boolean;
  /**
   * Idempotent kafkajs producers sending at once, each with its own connection and one request
   * in flight; partition p of every topic is always sent by producer p mod this, so each
   * partition keeps its order (default DEFAULT_PRODUCERS; 1 = one request in flight in all).
   */
  producers?: number;
}

/** One caller's send: settles when every one of its parts did. */
interface SendState {
  /** Its messages until they are placed on partitions (the partition counts are known). */
  messages: OutMessage[] | null;
  parts: Pending[];
  /** Parts not settled yet. */
  open: number;
  /** One of its parts went into a request: from then on none is withdrawn (see SendOptions). */
  started: boolean;
  settled: boolean;
  failure?: unknown;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A part of a send for one producer's queue: at most maxBatchBytes and maxBatchMessages. */
interface Pending {
  messages: OutMessage[];
  /** The partition of each message, chosen once when the send was placed (kafkajs places a message without a key at random). */
  partitions: number[];
  bytes: number;
  send: SendState;
}

/**
 * Errors after which the same request must not be sent again: the broker no longer knows this
 * producer's sequence (the request would be refused forever), or the request itself is wrong.
 */
const NOT_REPEATABLE = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_REQUIRED_ACKS',
]);

function repeatable(err: unknown, e: InfraError): boolean {
  if (!e.retriable) return false;
  for (let c: unknown = err, depth = 0; c && depth < 5; depth++) {
    const x = c as { type?: string; originalError?: unknown; cause?: unknown };
    if (x.type && NOT_REPEATABLE.has(x.type)) return false;
    c = x.originalError ?? x.cause;
  }
  return true;
}

const notSent = () => new InfraError('produce: given up before it was sent (nothing was written)', true, 'NOT_SENT');

const sizeOf = (m: OutMessage) => m.value.length + (m.key?.length ?? 0) + 70;

interface PartitionMessages {
  topic: string;
  partition: number;
  messages: Message[];
}

/** Partition metadata for kafkajs' partitioner, n partitions all with a leader (it reads ids and the count only). */
const allUp = new Map<number, { partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]>();
function partitionsUp(n: number) {
  let list = allUp.get(n);
  if (!list) allUp.set(n, (list = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))));
  return list;
}

function toTopicMessages(parts: Map<string, PartitionMessages>): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, messages } of parts.values()) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(...messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** The partitions of `sent` that the broker's answer does not acknowledge. */
export function missingFrom(sent: Map<string, PartitionMessages>, acknowledged: RecordMetadata[]): Map<string, PartitionMessages> {
  const got = new Set(acknowledged.filter((r) => !r.errorCode).map((r) => `${r.topicName}:${r.partition}`));
  return new Map([...sent].filter(([k]) => !got.has(k)));
}

/**
 * One entry per (topic, partition) of a part or a request, found for each of its messages by a
 * scan of the few topics seen so far and an index into that topic's array by partition, instead
 * of a "topic:partition" string built or looked up and a map lookup a message. `entries` holds them in the order they were first asked for: the order in which the
 * partitions first occur in the messages, the order a map filled message by message has.
 */
export class PartitionTable<T> {
  private readonly topics: string[] = [];
  private readonly byTopic: (T | undefined)[][] = [];
  readonly entries: T[] = [];
  constructor(private readonly make: (topic: string, partition: number) => T) {}

  entry(topic: string, partition: number): T {
    const topics = this.topics;
    let t = 0;
    while (t < topics.length && topics[t] !== topic) t++;
    if (t === topics.length) {
      topics.push(topic);
      this.byTopic.push([]);
    }
    const slots = this.byTopic[t]!;
    let e = slots[partition];
    if (e === undefined) {
      e = slots[partition] = this.make(topic, partition);
      this.entries.push(e);
    }
    return e;
  }
}

/**
 * kafkajs' partitioner for this producer's requests: every message handed to kafkajs carries the
 * partition chosen when it was placed (partitionOf), which kafkajs' default partitioner returns
 * too, but only after filtering the partition list and a lookup by topic, for every message. A
 * message without a partition (none here) gets the default partitioner's choice.
 */
const placedPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const p = args.message.partition;
    return p !== null && p !== undefined ? p : fallback(args);
  };
};

/** Producers (requests in flight) when ProducerOptions.producers is not given. */
export const DEFAULT_PRODUCERS = 2;

/** One idempotent kafkajs producer, the partitions p with p mod producers = index, and its queue. */
interface Lane {
  index: number;
  /** Created on first use: a lane whose partitions nothing is sent to costs no connection. */
  producer: KafkaProducer | null;
  connected: boolean;
  connecting: Promise<void> | null;
  queue: Pending[];
  /** Messages in the queue. */
  queued: number;
  inFlight: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  /** The flush on the next turn after an acknowledgement (flushOnAck). */
  soon: NodeJS.Immediate | null;
}

/**
 * Idempotent producers (acks=all, one request in flight each, so retries never reorder or
 * duplicate) that coalesce concurrent sends into few batch requests. Many HTTP requests each
 * waiting for their own ack would otherwise serialise behind one in-flight request; coalescing
 * keeps throughput while every caller still learns exactly when its messages are safe.
 *
 * There are `producers` of them (default DEFAULT_PRODUCERS), each with its own connection and
 * producer id, and each owns a fixed set of partitions: partition p of every topic is sent by
 * producer p mod `producers`. A partition's messages therefore still go one request at a time,
 * in the order they were sent, while requests for other partitions are on the wire at the same
 * time (the profile of ingest showed it idle half the time, waiting for the acknowledgement of
 * its one request). A send whose messages span producers resolves once all of them acknowledged.
 */
export function createProducer(opts: ProducerOptions): Producer {
  const lingerMs = opts.lingerMs ?? 0;
  const flushOnAck = opts.flushOnAck ?? false;
  const maxBatch = opts.maxBatchMessages ?? 20_000;
  const maxBytes = opts.maxBatchBytes ?? 900_000;
  const maxRequestBytes = opts.maxRequestBytes ?? 8 * 1024 * 1024;
  const producerCount = opts.producers ?? DEFAULT_PRODUCERS;
  if (!Number.isInteger(producerCount) || producerCount < 1) throw new Error(`producers must be a whole number >= 1, got ${producerCount}`);
  const newKafkaProducer = (): KafkaProducer =>
    opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: placedPartitioner,
      retry: opts.retry ?? { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  const lanes: Lane[] = Array.from({ length: producerCount }, (_, index) => ({ index, producer: null, connected: false, connecting: null, queue: [], queued: 0, inFlight: null, timer: null, soon: null }));
  const compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  /** Sends waiting for their topics' partition counts, in the order they were made. */
  let unplaced: SendState[] = [];
  let learning: Promise<void> | null = null;
  let closing = false;
  const stats = { sentMessages: 0, sentBatches: 0, failedBatches: 0 };

  function connectLane(lane: Lane): Promise<void> {
    if (lane.connected) return Promise.resolve();
    const producer = (lane.producer ??= newKafkaProducer());
    lane.connecting ??= producer
      .connect()
      .then(() => {
        if (lane.producer === producer) lane.connected = true;
      })
      .catch((err) => {
        throw kafkaError(err, 'producer connect');
      })
      .finally(() => {
        lane.connecting = null;
      });
    return lane.connecting;
  }

  function schedule(lane: Lane): void {
    if (lane.inFlight || lane.timer || lane.soon) return;
    lane.timer = setTimeout(() => flush(lane), lingerMs);
  }

  function cancelTimers(lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    if (lane.soon) clearImmediate(lane.soon);
    lane.soon = null;
  }

  function settlePart(part: Pending, err?: unknown): void {
    const s = part.send;
    if (s.settled) return;
    if (err !== undefined) s.failure ??= err;
    if (--s.open > 0) return;
    s.settled = true;
    if (s.failure !== undefined) s.reject(s.failure);
    else s.resolve();
  }

  /**
   * Sends whose caller may give up: one abort listener per signal (a batch of 10,000 events is
   * 10,000 sends with one signal), which withdraws every one of them that has no part in a
   * request yet. A send with a part already in a request is sent whole (none of its parts is
   * withdrawn): a caller that gave up and retries then finds it written, never half written.
   */
  const watched = new WeakMap<AbortSignal, Set<SendState>>();
  function watch(signal: AbortSignal, s: SendState): void {
    let set = watched.get(signal);
    if (!set) {
      const mine = (set = new Set());
      watched.set(signal, mine);
      signal.addEventListener('abort', () => withdraw(mine), { once: true });
    }
    set.add(s);
    const { resolve, reject } = s;
    s.resolve = () => {
      set.delete(s);
      resolve();
    };
    s.reject = (err) => {
      set.delete(s);
      reject(err);
    };
  }

  function withdraw(sends: Set<SendState>): void {
    const withdrawn = new Set<SendState>();
    for (const s of sends) if (!s.started && !s.settled) withdrawn.add(s);
    if (withdrawn.size === 0) return;
    unplaced = unplaced.filter((s) => !withdrawn.has(s));
    for (const lane of lanes) {
      if (!lane.queue.some((p) => withdrawn.has(p.send))) continue;
      lane.queue = lane.queue.filter((p) => {
        if (!withdrawn.has(p.send)) return true;
        lane.queued -= p.messages.length;
        return false;
      });
    }
    for (const s of withdrawn) {
      s.settled = true;
      s.reject(notSent());
    }
  }

  /**
   * The partition counts of the topics of the sends waiting for them; then those sends are
   * placed, in order. A failure fails them (or, with retryFailedRequests, is tried again).
   */
  function learnPartitions(): void {
    if (learning) return;
    learning = (async () => {
      for (let attempt = 1; ; attempt++) {
        const topics = [...new Set(unplaced.flatMap((s) => s.messages!.map((m) => m.topic)))].filter((t) => !partitionCounts.has(t));
        try {
          if (topics.length > 0) {
            if (!admin) {
              const a = opts.kafka.admin();
              await a.connect();
              admin = a;
            }
            const md = await admin.fetchTopicMetadata({ topics });
            for (const t of md.topics) if (t.partitions.length > 0) partitionCounts.set(t.name, t.partitions.length);
            const missing = topics.filter((t) => !partitionCounts.has(t));
            if (missing.length > 0) throw new InfraError(`produce: no partitions known for topic ${missing.join(', ')}`, true, 'UNKNOWN_TOPIC');
          }
          break;
        } catch (err) {
          const failure = kafkaError(err, 'produce');
          if (!opts.retryFailedRequests || closing || !repeatable(err, failure)) {
            opts.logger?.warn({ err: failure.message, topics }, 'produce failed: could not learn the partitions');
            const failed = unplaced;
            unplaced = [];
            for (const s of failed) {
              s.settled = true;
              s.reject(failure);
            }
            return;
          }
          if (attempt === 1 || attempt % 20 === 0) opts.logger?.warn({ err: failure.message, topics, attempt }, 'could not learn the partitions; trying again');
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
        }
      }
      const ready = unplaced;
      unplaced = [];
      for (const s of ready) place(s);
    })().finally(() => {
      learning = null;
      if (unplaced.length > 0) learnPartitions();
    });
  }

  /** Splits a send into parts by producer (its partitions' owner) and size, and queues them. */
  function place(s: SendState): void {
    const messages = s.messages!;
    s.messages = null;
    const byLane = new Map<Lane, { messages: OutMessage[]; partitions: number[] }>();
    for (const m of messages) {
      const partition = partitionOf(m.topic, partitionCounts.get(m.topic)!, m.key);
      const lane = lanes[partition % producerCount]!;
      let mine = byLane.get(lane);
      if (!mine) byLane.set(lane, (mine = { messages: [], partitions: [] }));
      mine.messages.push(m);
      mine.partitions.push(partition);
    }
    for (const [lane, mine] of byLane) {
      let part: Pending | null = null;
      mine.messages.forEach((m, i) => {
        const b = sizeOf(m);
        if (!part || (part.messages.length > 0 && (part.bytes + b > maxBytes || part.messages.length >= maxBatch))) {
          part = { messages: [], partitions: [], bytes: 0, send: s };
          s.parts.push(part);
          s.open++;
          lane.queue.push(part);
        }
        part.messages.push(m);
        part.partitions.push(mine.partitions[i]!);
        part.bytes += b;
        lane.queued++;
      });
      if (lane.queued >= maxBatch && !lane.inFlight) flush(lane);
      else schedule(lane);
    }
  }

  /**
   * "topic:partition", one string per partition made once: the key of a partition's share of a
   * part and of its messages in a request (looked up once per partition of each, messages find
   * their partition through a PartitionTable).
   */
  const partitionKeys = new Map<string, string[]>();
  function partitionKey(topic: string, partition: number): string {
    let keys = partitionKeys.get(topic);
    if (!keys) partitionKeys.set(topic, (keys = []));
    return (keys[partition] ??= `${topic}:${partition}`);
  }

  /** The bytes of a queued part on each partition ("topic:partition"), in the order the partitions first occur in it. */
  function partitionShares(p: Pending): Map<string, number> {
    const { messages, partitions } = p;
    const table = new PartitionTable((topic, partition) => ({ key: partitionKey(topic, partition), bytes: 0 }));
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      table.entry(m.topic, partitions[i]!).bytes += sizeOf(m);
    }
    const shares = new Map<string, number>();
    for (const { key, bytes } of table.entries) shares.set(key, bytes);
    return shares;
  }

  /**
   * The queued parts for a lane's next request, in queue order: it stops at the first part that
   * would take the request over maxBatchMessages or maxRequestBytes, or one of its partitions
   * over maxBatchBytes (skipping it for a later part could put a partition's messages out of order).
   */
  function takeBatch(lane: Lane): Pending[] {
    const taken: Pending[] = [];
    const perPartition = new Map<string, number>();
    let n = 0;
    let bytes = 0;
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      const shares = partitionShares(next);
      if (n > 0) {
        if (n + next.messages.length > maxBatch || bytes + next.bytes > maxRequestBytes) break;
        let fits = true;
        for (const [k, b] of shares) if ((perPartition.get(k) ?? 0) + b > maxBytes) fits = false;
        if (!fits) break;
      }
      lane.queue.shift();
      next.send.started = true;
      n += next.messages.length;
      bytes += next.bytes;
      for (const [k, b] of shares) perPartition.set(k, (perPartition.get(k) ?? 0) + b);
      taken.push(next);
    }
    lane.queued -= n;
    return taken;
  }

  /** The messages of a request by topic and partition ("topic:partition"), in the order the partitions first occur in it. */
  function byPartition(batch: Pending[]): Map<string, PartitionMessages> {
    const table = new PartitionTable<PartitionMessages>((topic, partition) => ({ topic, partition, messages: [] }));
    for (const p of batch) {
      const { messages, partitions } = p;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const partition = partitions[i]!;
        table.entry(m.topic, partition).messages.push(m.headers ? { key: m.key, value: m.value, partition, headers: m.headers } : { key: m.key, value: m.value, partition });
      }
    }
    const out = new Map<string, PartitionMessages>();
    for (const entry of table.entries) out.set(partitionKey(entry.topic, entry.partition), entry);
    return out;
  }

  function flush(lane: Lane): void {
    cancelTimers(lane);
    if (lane.inFlight || lane.queue.length === 0) return;
    const batch = takeBatch(lane);
    lane.inFlight = (async () => {
      let count = 0;
      for (const p of batch) count += p.messages.length;
      let failure: InfraError;
      // What is still to be acknowledged, by topic and partition (all of it, at first).
      let unacknowledged = byPartition(batch);
      for (let attempt = 1; ; attempt++) {
        try {
          await connectLane(lane);
          const topicMessages = toTopicMessages(unacknowledged);
          const acknowledged = await lane.producer!.sendBatch({ acks: -1, compression, topicMessages });
          // kafkajs can resolve a send without having written some of its partitions: its retry
          // re-sends only to brokers that had not answered yet, so the messages of a partition
          // whose leader moved to a broker that had answered (a broker stopping in a cluster)
          // are never sent again. The rolling-restart drill lost four acknowledged reports that
          // way. Every partition must be in the answer; the messages of those that are not go
          // again, in a new send (the broker keeps one copy of what it may already hold).
          unacknowledged = missingFrom(unacknowledged, acknowledged);
          if (unacknowledged.size > 0) {
            opts.logger?.warn({ partitions: [...unacknowledged.keys()].slice(0, 10), attempt }, 'kafkajs acknowledged a send without some of its partitions; sending them again');
            if (attempt >= 50) throw new InfraError(`produce: partitions ${[...unacknowledged.keys()].join(', ')} never acknowledged`, true, 'UNACKNOWLEDGED');
            continue;
          }
          stats.sentMessages += count;
          stats.sentBatches++;
          if (attempt > 1) opts.logger?.warn({ attempts: attempt, messages: count }, 'produce succeeded after sending the same request again');
          for (const p of batch) settlePart(p);
          return;
        } catch (err) {
          failure = kafkaError(err, 'produce');
          if (!opts.retryFailedRequests || closing || !repeatable(err, failure)) break;
          if (attempt === 1 || attempt % 20 === 0) opts.logger?.warn({ err: failure.message, messages: count, attempt }, 'produce failed; sending the same request again');
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
        }
      }
      stats.failedBatches++;
      opts.logger?.warn({ err: failure.message, messages: count }, 'produce failed');
      for (const p of batch) settlePart(p, failure);
      // kafkajs' idempotent producer can leave its sequence numbers out of step with the
      // broker after a failed request ("out of order sequence number" on every later send).
      // A fresh producer gets a new producer id and starts clean; callers retry the failed
      // messages (they were not acknowledged, so nothing acknowledged is lost).
      const old = lane.producer;
      lane.producer = newKafkaProducer();
      lane.connected = false;
      void old?.disconnect().catch(() => undefined);
    })().finally(() => {
      lane.inFlight = null;
      if (lane.queue.length === 0) return;
      if (flushOnAck) lane.soon ??= setImmediate(() => flush(lane));
      else schedule(lane);
    });
  }

  /**
   * The partition of every message, chosen here with kafkajs' own default partitioner (the
   * partition kafkajs would pick), so that the answer can be checked partition by partition.
   */
  const partitionCounts = new Map<string, number>();
  let admin: Admin | null = null;
  const partitioner = Partitioners.DefaultPartitioner();
  /** A keyed message's partition depends on its key and the partition count only (key-partition.ts). */
  function partitionOf(topic: string, n: number, key: string | null): number {
    if (typeof key === 'string') return keyPartition(key, n);
    return partitioner({ topic, partitionMetadata: partitionsUp(n), message: { key, value: null } });
  }

  return {
    stats,
    async connect() {
      await Promise.all(lanes.map(connectLane));
    },
    send(messages, sendOpts) {
      if (messages.length === 0) return Promise.resolve();
      const signal = sendOpts?.signal;
      if (signal?.aborted) return Promise.reject(notSent());
      return new Promise<void>((resolve, reject) => {
        const s: SendState = { messages, parts: [], open: 0, started: false, settled: false, resolve, reject };
        if (signal) watch(signal, s);
        // Behind sends still waiting for partition counts, so that no partition's order changes.
        if (unplaced.length === 0 && messages.every((m) => partitionCounts.has(m.topic))) place(s);
        else {
          unplaced.push(s);
          learnPartitions();
        }
      });
    },
    async close() {
      closing = true;
      for (;;) {
        if (unplaced.length > 0) learnPartitions();
        if (learning) {
          await learning;
          continue;
        }
        const busy = lanes.filter((l) => l.inFlight || l.queue.length > 0);
        if (busy.length === 0) break;
        for (const lane of busy) if (!lane.inFlight) flush(lane);
        await Promise.all(busy.map((l) => l.inFlight?.catch(() => undefined)));
      }
      await Promise.all(
        lanes.map(async (lane) => {
          cancelTimers(lane);
          if (lane.connected) await lane.producer?.disconnect().catch(() => undefined);
          lane.connected = false;
        }),
      );
      await admin?.disconnect().catch(() => undefined);
      admin = null;
    },
  };
}
