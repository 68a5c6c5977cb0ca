/**
 * Reading a topic back from the beginning to where it ends now: the compacted state topics
 * (the detector's checkpoints, the live sources' cursors) are read this way at start.
 *
 * `readStateTopic` reads from the beginning to the end offsets it finds when it starts,
 * read_committed, with a throwaway consumer group that commits nothing. The end is recognised
 * through kafkajs' END_BATCH_PROCESS event, which also fires for batches that hold only
 * transaction markers or aborted records: their offsets never reach a handler, so waiting for
 * "the last message" would wait forever on a transactional topic.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../logger';
import { kafkaError } from './errors';

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

