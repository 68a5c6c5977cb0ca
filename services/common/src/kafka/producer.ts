import type { Kafka, Message, Producer as KafkaProducer, RetryOptions } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Logger } from '../logger';
import { InfraError, kafkaError } from './errors';

export interface OutMessage {
  topic: string;
  key: string | null;
  value: string;
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
   * Upper bound of bytes in one broker request. kafkajs writes one record batch per partition
   * and the broker refuses batches over message.max.bytes (1 MiB by default), so larger sends
   * are split into several requests; the caller's promise settles when all of them did.
   */
  maxBatchBytes?: number;
  /** Retries of a failed send (each a whole new send, see createProducer). Keep it short where a caller waits (HTTP 503 quickly). */
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
  const retry = { initialRetryTime: 100, retries: 5, maxRetryTime: 2000, ...opts.retry };
  /**
   * kafkajs does not retry inside a send: the retries happen here, each one a whole new send.
   * kafkajs' own retry of a sendBatch re-sends only to brokers that have not answered yet; when
   * a partition's leader moves to a broker that already answered for its own partitions (a
   * broker stopping in a cluster), that partition's messages are never sent again and the send
   * still succeeds: four acknowledged reports were missing from Kafka after a rolling restart of
   * the three brokers (cluster drills). A new send covers every partition; those whose request
   * had failed go again with the same sequence numbers (the broker keeps one copy), those
   * written before the failure once more (a duplicate that the stores collapse by event id).
   */
  const newKafkaProducer = (): KafkaProducer =>
    opts.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 0 },
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

  function takeBatch(): Pending[] {
    const taken: Pending[] = [];
    let n = 0;
    let bytes = 0;
    while (queue.length > 0 && (n === 0 || (n + queue[0]!.messages.length <= maxBatch && bytes + queue[0]!.bytes <= maxBytes))) {
      const p = queue.shift()!;
      p.taken = true;
      n += p.messages.length;
      bytes += p.bytes;
      taken.push(p);
    }
    queued -= n;
    return taken;
  }

  function flush(): void {
    timer = null;
    if (inFlight || queue.length === 0) return;
    const batch = takeBatch();
    inFlight = (async () => {
      const byTopic = new Map<string, Message[]>();
      let count = 0;
      for (const p of batch)
        for (const m of p.messages) {
          let list = byTopic.get(m.topic);
          if (!list) byTopic.set(m.topic, (list = []));
          list.push({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) });
          count++;
        }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      let failure: InfraError;
      for (let attempt = 1; ; attempt++) {
        try {
          await connect();
          await producer.sendBatch({ acks: -1, compression, topicMessages });
          stats.sentMessages += count;
          stats.sentBatches++;
          if (attempt > 1) opts.logger?.warn({ attempts: attempt, messages: count }, 'produce succeeded after sending the same request again');
          for (const p of batch) p.resolve();
          return;
        } catch (err) {
          failure = kafkaError(err, 'produce');
          // Within the retry budget: any error a retry can fix. Beyond it, only with
          // retryFailedRequests (the caller has been told; the request goes on until it is in).
          const withinBudget = attempt <= retry.retries;
          if (closing || !repeatable(err, failure) || (!withinBudget && !opts.retryFailedRequests)) break;
          if (!withinBudget && (attempt === retry.retries + 1 || attempt % 20 === 0))
            opts.logger?.warn({ err: failure.message, messages: count, attempt }, 'produce failed; sending the same request again');
          const wait = withinBudget ? retry.initialRetryTime * 2 ** (attempt - 1) : 100 * 2 ** Math.min(attempt, 5);
          await new Promise((r) => setTimeout(r, Math.min(withinBudget ? retry.maxRetryTime : 2000, wait)));
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
    },
  };
}
