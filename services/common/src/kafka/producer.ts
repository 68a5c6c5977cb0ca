import type { Kafka, Message, Producer as KafkaProducer, RetryOptions } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Logger } from '../logger';
import { kafkaError } from './errors';

export interface OutMessage {
  topic: string;
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface Producer {
  /** Resolves only once the broker acknowledged every message (acks=all); rejects with InfraError. */
  send(messages: OutMessage[]): Promise<void>;
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
  /** kafkajs retry for one request. Keep it short where a caller waits (HTTP 503 quickly). */
  retry?: RetryOptions;
  compression?: 'none' | 'gzip';
}

interface Pending {
  messages: OutMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

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

  function takeBatch(): Pending[] {
    const taken: Pending[] = [];
    let n = 0;
    let bytes = 0;
    while (queue.length > 0 && (n === 0 || (n + queue[0]!.messages.length <= maxBatch && bytes + queue[0]!.bytes <= maxBytes))) {
      const p = queue.shift()!;
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
      try {
        await connect();
        await producer.sendBatch({
          acks: -1,
          compression,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        stats.sentMessages += count;
        stats.sentBatches++;
        for (const p of batch) p.resolve();
      } catch (err) {
        stats.failedBatches++;
        const e = kafkaError(err, 'produce');
        opts.logger?.warn({ err: e.message, messages: count }, 'produce failed');
        for (const p of batch) p.reject(e);
        // kafkajs' idempotent producer can leave its sequence numbers out of step with the
        // broker after a failed request ("out of order sequence number" on every later send).
        // A fresh producer gets a new producer id and starts clean; callers retry the failed
        // messages (they were not acknowledged, so nothing acknowledged is lost).
        const old = producer;
        producer = newKafkaProducer();
        connected = false;
        void old.disconnect().catch(() => undefined);
      }
    })().finally(() => {
      inFlight = null;
      if (queue.length > 0) schedule();
    });
  }

  return {
    stats,
    connect,
    send(messages) {
      if (messages.length === 0) return Promise.resolve();
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
            queue.push({ ...part, resolve, reject });
            queued += part.messages.length;
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
