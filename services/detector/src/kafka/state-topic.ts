/**
 * Reading the compacted state topic back, and the detector's own topic.
 *
 * `readStateTopic` reads downradar.detector-state from the beginning to the end offsets it finds
 * when it starts, read_committed, with a throwaway consumer group that commits nothing. The end
 * is recognised through kafkajs' END_BATCH_PROCESS event, which also fires for batches that
 * hold only transaction markers or aborted records: their offsets never reach a handler, so
 * waiting for "the last message" would wait forever on a transactional topic.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { kafkaError, type Logger } from '@downradar/common';

export interface StateReadResult {
  /** Latest value per key (tombstoned keys removed), as written. */
  latest: Map<string, string>;
  records: number;
  bytes: number;
  durationMs: number;
}

export async function readStateTopic(
  kafka: Kafka,
  topic: string,
  opts: { groupPrefix: string; logger?: Logger; timeoutMs?: number; keep?: (key: string) => boolean },
): Promise<StateReadResult> {
  const t0 = performance.now();
  const latest = new Map<string, string>();
  let bytes = 0;
  const records = await readToEnd(kafka, topic, opts, (m) => {
    const key = m.key?.toString('utf8');
    if (key === undefined || (opts.keep && !opts.keep(key))) return;
    if (m.value === null) latest.delete(key);
    else {
      const text = m.value.toString('utf8');
      bytes += text.length;
      latest.set(key, text);
    }
  });
  opts.logger?.debug({ topic, records, keys: latest.size, bytes }, 'state topic read');
  return { latest, records, bytes, durationMs: performance.now() - t0 };
}

/**
 * Reads a topic from the beginning to the end offsets it finds when it starts (read_committed),
 * calling `onMessage` for each message in partition order. Returns how many it read.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  opts: { groupPrefix: string; timeoutMs?: number },
  onMessage: (m: KafkaMessage, partition: number) => void,
): Promise<number> {
  let records = 0;
  const admin = kafka.admin();
  let ends: Map<number, bigint>;
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  } catch (err) {
    throw kafkaError(err, `read ${topic}: end offsets`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (ends.size === 0) return 0;

  const consumer = kafka.consumer({
    groupId: `${opts.groupPrefix}-restore-${randomBytes(6).toString('hex')}`,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const remaining = new Set(ends.keys());
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const reached = (partition: number, lastOffset: string | null | undefined) => {
    const end = ends.get(partition);
    if (end === undefined || lastOffset === null || lastOffset === undefined) return;
    if (BigInt(lastOffset) >= end - 1n && remaining.delete(partition) && remaining.size === 0) finished();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reached(e.payload.partition, e.payload.lastOffset));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        for (const m of batch.messages) {
          if (end !== undefined && BigInt(m.offset) >= end) break; // past the end we were asked for
          records++;
          onMessage(m, batch.partition);
        }
      },
    });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`read ${topic}: not at the end after ${timeoutMs} ms (partitions left: ${[...remaining].join(', ')})`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    throw kafkaError(err, `read ${topic}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records;
}

/** Creates a topic with one partition if it is missing (the windows topic needs a total order). */
export async function ensureSinglePartitionTopic(kafka: Kafka, topic: string, retentionMs: number): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await admin.listTopics();
        if (!existing.includes(topic)) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: String(retentionMs) }] }],
          });
        }
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = meta.topics[0]?.partitions.length ?? 0;
        if (partitions !== 1) throw new Error(`${topic} has ${partitions} partitions; the incident stage needs exactly 1 (a total order of windows)`);
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true || /does not host|not available|UNKNOWN_TOPIC/i.test(String((err as Error).message));
        if (!retriable || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  } catch (err) {
    throw kafkaError(err, `ensure ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Partitions of a topic (from metadata). */
export async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? 0;
  } catch (err) {
    throw kafkaError(err, `metadata of ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
