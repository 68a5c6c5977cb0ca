/**
 * Kafka transactions: outputs, checkpoints and consumed offsets committed together, or not at all.
 * The detector commits its scores with its checkpoints and offsets; the live sources commit the
 * posts they read with the cursor of their source (services/sources).
 *
 * Transactional ids are per INPUT PARTITION (`<group>-<topic>-<partition>`), as Kafka Streams did
 * before KIP-447: kafkajs 2.2 commits transactional offsets without the consumer group's
 * generation, so the only fence against a zombie owner of a partition (an instance that paused
 * past its session timeout and does not know the partition moved) is that the new owner
 * initialises a producer with the same transactional id, which aborts the zombie's open
 * transaction and makes its next commit fail with a fencing error. A restarted instance fences
 * its own predecessor the same way.
 */
// First, before kafkajs loads: three of its producer's hot functions made cheaper (kafkajs-speedups.ts).
import './kafkajs-speedups';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { kafkaError } from './errors';

/** A producer with a transactional id (connectTransactionalProducer): kafkajs' own, whose transactions common's Producer does not offer. */
export type TransactionalProducer = Producer;

export interface TxnMessage {
  topic: string;
  key: string | null;
  /** null = tombstone (compacted topics); bytes for the binary signals form. */
  value: string | Buffer | null;
  timestamp?: string;
}

export interface TxnOffsets {
  consumerGroupId: string;
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: string;
}

export interface TxnResult {
  messages: number;
  bytes: number;
  /** When the commit returned (processing time): what the alert latency is measured to. */
  committedAt: number;
  durationMs: number;
}

/** kafkajs builds one record batch per partition per request; the broker refuses batches over 1 MiB. */
const MAX_REQUEST_CHARS = 700_000;

export function transactionalIdFor(groupId: string, topic: string, partition: number): string {
  return `${groupId}-${topic}-${partition}`;
}

export async function connectTransactionalProducer(kafka: Kafka, transactionalId: string): Promise<TransactionalProducer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    transactionTimeout: 60_000,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Without a limit, as kafkajs wants for idempotent producers (a limit can break the sequence
    // numbers; an outage longer than transactionTimeout aborts the transaction instead). Starting
    // small matters: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until
    // its markers are written (milliseconds), and kafkajs' usual 100-300 ms first back-off would
    // land on the alert latency.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 5, maxRetryTime: 1000, factor: 0.2, multiplier: 2 },
  });
  try {
    await producer.connect(); // InitProducerId: fences the previous owner of this id
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    throw kafkaError(err, `transactional producer ${transactionalId} connect`);
  }
  return producer;
}

/** True when another producer took over this transactional id: this one must stop for good. */
export function isFenced(err: unknown): boolean {
  for (let e = err as { type?: string; name?: string; cause?: unknown; message?: string } | undefined; e; e = e.cause as typeof e) {
    if (e.type === 'PRODUCER_FENCED' || e.type === 'INVALID_PRODUCER_EPOCH' || e.name === 'KafkaJSProducerFencedError') return true;
    if (typeof e.message === 'string' && /fenced|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/i.test(e.message)) return true;
  }
  return false;
}

/**
 * One transaction: every message, then the offsets, then commit. On any error the transaction
 * is aborted (best effort) and the error rethrown as InfraError; the caller restores its state
 * from the last committed checkpoint.
 */
export async function commitTransaction(producer: Producer, messages: readonly TxnMessage[], offsets?: TxnOffsets): Promise<TxnResult> {
  const t0 = performance.now();
  const txn = await producer.transaction();
  let bytes = 0;
  try {
    let request = new Map<string, Message[]>();
    let requestChars = 0;
    const flush = async () => {
      if (request.size === 0) return;
      const topicMessages = [...request].map(([topic, msgs]) => ({ topic, messages: msgs }));
      request = new Map();
      requestChars = 0;
      await txn.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages });
    };
    for (const m of messages) {
      const size = (m.value?.length ?? 0) + (m.key?.length ?? 0) + 70;
      if (requestChars > 0 && requestChars + size > MAX_REQUEST_CHARS) await flush();
      let list = request.get(m.topic);
      if (list === undefined) request.set(m.topic, (list = []));
      list.push({ key: m.key, value: m.value, ...(m.timestamp ? { timestamp: m.timestamp } : {}) });
      requestChars += size;
      bytes += size;
    }
    await flush();
    if (offsets) {
      await txn.sendOffsets({
        consumerGroupId: offsets.consumerGroupId,
        topics: [{ topic: offsets.topic, partitions: [{ partition: offsets.partition, offset: offsets.offset }] }],
      });
    }
    await txn.commit();
  } catch (err) {
    await txn.abort().catch(() => undefined);
    throw kafkaError(err, 'transaction');
  }
  const committedAt = Date.now();
  return { messages: messages.length, bytes, committedAt, durationMs: performance.now() - t0 };
}
