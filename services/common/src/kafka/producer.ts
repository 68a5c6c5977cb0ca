import type { Admin, Kafka, Message, Producer as KafkaProducer, RecordMetadata, RetryOptions } from 'kafkajs';
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
   * The caller gives up when it aborts. Messages still waiting in the queue are then taken out
   * and never sent (the promise rejects with InfraError code NOT_SENT); messages already in a
   * request to the broker cannot be recalled, and the promise settles with that request.
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
}

interface Pending {
  messages: OutMessage[];
  bytes: number;
  /**
   * The partition of each message, chosen once (kafkajs' partitioner places a message without a
   * key at random) when the batch is taken, so that the per-partition cap and the request agree.
   */
  partitions?: number[];
  /** In a request (or done): no longer in the queue. */
  taken?: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
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
 * An idempotent producer (acks=all, one request in flight, so retries never reorder or
 * duplicate) that coalesces concurrent sends into one batch request. Many HTTP requests each
 * waiting for their own ack would otherwise serialise behind the single in-flight request;
 * coalescing keeps throughput while every caller still learns exactly when its messages are safe.
 */
export function createProducer(opts: ProducerOptions): Producer {
  const lingerMs = opts.lingerMs ?? 0;
  const maxBatch = opts.maxBatchMessages ?? 20_000;
  const maxBytes = opts.maxBatchBytes ?? 900_000;
  const maxRequestBytes = opts.maxRequestBytes ?? 8 * 1024 * 1024;
  const newKafkaProducer = (): KafkaProducer =>
    opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: opts.retry ?? { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  let producer: KafkaProducer = newKafkaProducer();
  const compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  let queue: Pending[] = [];
  let queued = 0;
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let connected = false;
  let connecting: Promise<void> | null = null;
  let closing = false;
  const stats = { sentMessages: 0, sentBatches: 0, failedBatches: 0 };

  async function connect(): Promise<void> {
    if (connected) return;
    connecting ??= producer
      .connect()
      .then(() => {
        connected = true;
      })
      .catch((err) => {
        throw kafkaError(err, 'producer connect');
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  }

  function schedule(): void {
    if (inFlight || timer) return;
    if (lingerMs > 0) timer = setTimeout(flush, lingerMs);
    else timer = setTimeout(flush, 0);
  }

  /**
   * Sends whose caller may give up: one abort listener per signal (a batch of 10,000 events is
   * 10,000 sends with one signal), which takes every one of them still in the queue out of it.
   */
  const watched = new WeakMap<AbortSignal, Set<Pending>>();
  function watch(signal: AbortSignal, pending: Pending): void {
    let set = watched.get(signal);
    if (!set) {
      const mine = (set = new Set());
      watched.set(signal, mine);
      signal.addEventListener(
        'abort',
        () => {
          const withdrawn = new Set<Pending>();
          for (const p of mine) if (!p.taken) withdrawn.add(p);
          if (withdrawn.size === 0) return;
          queue = queue.filter((p) => !withdrawn.has(p));
          for (const p of withdrawn) {
            queued -= p.messages.length;
            p.reject(notSent());
          }
        },
        { once: true },
      );
    }
    set.add(pending);
    const { resolve, reject } = pending;
    pending.resolve = () => {
      set.delete(pending);
      resolve();
    };
    pending.reject = (err) => {
      set.delete(pending);
      reject(err);
    };
  }

  /**
   * The bytes of a queued part on each partition ("topic:partition"). Before the topic's
   * partition count is known (the first request fetches it), all of a topic's messages count as
   * one partition, which caps them as a whole request was capped before.
   */
  function partitionShares(p: Pending): Map<string, number> {
    const shares = new Map<string, number>();
    if (!p.partitions && p.messages.every((m) => partitionCounts.has(m.topic)))
      p.partitions = p.messages.map((m) => partitionOf(m.topic, partitionCounts.get(m.topic)!, { key: m.key, value: null }));
    p.messages.forEach((m, i) => {
      const k = `${m.topic}:${p.partitions ? p.partitions[i] : '?'}`;
      shares.set(k, (shares.get(k) ?? 0) + sizeOf(m));
    });
    return shares;
  }

  /**
   * The queued parts for the next request, in queue order: it stops at the first part that would
   * take the request over maxBatchMessages or maxRequestBytes, or one of its partitions over
   * maxBatchBytes (skipping it for a later part could put a partition's messages out of order).
   */
  function takeBatch(): Pending[] {
    const taken: Pending[] = [];
    const perPartition = new Map<string, number>();
    let n = 0;
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      const shares = partitionShares(next);
      if (n > 0) {
        if (n + next.messages.length > maxBatch || bytes + next.bytes > maxRequestBytes) break;
        let fits = true;
        for (const [k, b] of shares) if ((perPartition.get(k) ?? 0) + b > maxBytes) fits = false;
        if (!fits) break;
      }
      queue.shift();
      next.taken = true;
      n += next.messages.length;
      bytes += next.bytes;
      for (const [k, b] of shares) perPartition.set(k, (perPartition.get(k) ?? 0) + b);
      taken.push(next);
    }
    queued -= n;
    return taken;
  }

  function flush(): void {
    timer = null;
    if (inFlight || queue.length === 0) return;
    const batch = takeBatch();
    inFlight = (async () => {
      let count = 0;
      for (const p of batch) count += p.messages.length;
      let failure: InfraError;
      // What is still to be acknowledged, by topic and partition (all of it, at first).
      let unacknowledged: Map<string, PartitionMessages> | null = null;
      for (let attempt = 1; ; attempt++) {
        try {
          await connect();
          unacknowledged ??= await byPartition(batch);
          const topicMessages = toTopicMessages(unacknowledged);
          const acknowledged = await producer.sendBatch({ acks: -1, compression, topicMessages });
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
          for (const p of batch) p.resolve();
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
      for (const p of batch) p.reject(failure);
      // kafkajs' idempotent producer can leave its sequence numbers out of step with the
      // broker after a failed request ("out of order sequence number" on every later send).
      // A fresh producer gets a new producer id and starts clean; callers retry the failed
      // messages (they were not acknowledged, so nothing acknowledged is lost).
      const old = producer;
      producer = newKafkaProducer();
      connected = false;
      void old.disconnect().catch(() => undefined);
    })().finally(() => {
      inFlight = null;
      if (queue.length > 0) schedule();
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
  function partitionOf(topic: string, n: number, message: Message): number {
    const key = message.key;
    if (typeof key === 'string') return keyPartition(key, n);
    return partitioner({ topic, partitionMetadata: partitionsUp(n), message });
  }
  async function byPartition(batch: Pending[]): Promise<Map<string, PartitionMessages>> {
    const topics = [...new Set(batch.flatMap((p) => p.messages.map((m) => m.topic)))].filter((t) => !partitionCounts.has(t));
    if (topics.length > 0) {
      if (!admin) {
        const a = opts.kafka.admin();
        await a.connect();
        admin = a;
      }
      const md = await admin.fetchTopicMetadata({ topics });
      for (const t of md.topics) partitionCounts.set(t.name, t.partitions.length);
    }
    const out = new Map<string, PartitionMessages>();
    for (const p of batch)
      p.messages.forEach((m, i) => {
        const n = partitionCounts.get(m.topic);
        if (!n) throw new InfraError(`produce: no partitions known for topic ${m.topic}`, true, 'UNKNOWN_TOPIC');
        const message: Message = { key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) };
        const partition = p.partitions?.[i] ?? partitionOf(m.topic, n, message);
        const k = `${m.topic}:${partition}`;
        let entry = out.get(k);
        if (!entry) out.set(k, (entry = { topic: m.topic, partition, messages: [] }));
        message.partition = partition;
        entry.messages.push(message);
      });
    return out;
  }

  return {
    stats,
    connect,
    send(messages, sendOpts) {
      if (messages.length === 0) return Promise.resolve();
      const signal = sendOpts?.signal;
      if (signal?.aborted) return Promise.reject(notSent());
      // Split into parts that fit one request each.
      const parts: { messages: OutMessage[]; bytes: number }[] = [];
      let cur: OutMessage[] = [];
      let curBytes = 0;
      for (const m of messages) {
        const b = sizeOf(m);
        if (cur.length > 0 && (curBytes + b > maxBytes || cur.length >= maxBatch)) {
          parts.push({ messages: cur, bytes: curBytes });
          cur = [];
          curBytes = 0;
        }
        cur.push(m);
        curBytes += b;
      }
      parts.push({ messages: cur, bytes: curBytes });
      const promises = parts.map(
        (part) =>
          new Promise<void>((resolve, reject) => {
            const pending: Pending = { ...part, resolve, reject };
            queue.push(pending);
            queued += part.messages.length;
            if (signal) watch(signal, pending);
          }),
      );
      if (queued >= maxBatch && !inFlight) {
        if (timer) clearTimeout(timer);
        timer = null;
        flush();
      } else schedule();
      return promises.length === 1 ? promises[0]! : Promise.all(promises).then(() => undefined);
    },
    async close() {
      closing = true;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      while (inFlight || queue.length > 0) {
        if (!inFlight) flush();
        await inFlight?.catch(() => undefined);
      }
      if (connected) await producer.disconnect().catch(() => undefined);
      connected = false;
      await admin?.disconnect().catch(() => undefined);
      admin = null;
    },
  };
}
