import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../logger';
import { kafkaError } from './errors';

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /**
   * Offsets of this partition already in Kafka past these messages when they were fetched (the
   * high watermark minus the next offset): 0 on a live stream, a handful more on a transactional
   * topic (commit markers, an open transaction), the backlog when the fetch or the chunk was cut
   * by a size limit.
   */
  lag?: number;
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger?: Logger;
  fromBeginning?: boolean;
  /** How many partitions are handled at once. */
  concurrency?: number;
  /**
   * Handles one partition's batch. Offsets are committed only after this promise resolves,
   * i.e. after the handler's writes were acknowledged. A rejection is retried with backoff
   * while the partition is paused: nothing is skipped.
   */
  handleBatch(batch: ConsumedBatch): Promise<void>;
  /** Max messages handed to handleBatch at once (a kafkajs batch is split into chunks). */
  maxChunk?: number;
  /**
   * How long the broker waits for a silent member before it takes its partitions (default 30 s).
   * Also how long a group that a restarted broker remembers waits for its members from before
   * the crash. Heartbeats go out every 3 s at most (a third of this when shorter), also while
   * handleBatch works, so a long write does not cost the partitions.
   */
  sessionTimeoutMs?: number;
  /** Fetch sizing: bigger fetches mean bigger downstream batches (ClickHouse prefers few large inserts). */
  maxBytes?: number;
  maxBytesPerPartition?: number;
  /** Let the broker wait up to this long for minBytes to accumulate (latency vs batch size). */
  minBytes?: number;
  maxWaitTimeInMs?: number;
  onRetry?(err: unknown, attempt: number): void;
  /** Called when partitions are revoked or assigned (for state checkpoints). */
  onAssign?(assignment: Record<string, number[]>): void;
}

export interface ConsumerRunner {
  readonly consumer: Consumer;
  readonly stats: { batches: number; messages: number; retries: number; committed: number };
  /** Stops fetching, lets the batch in hand finish (and commit), then leaves the group. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one consumer loop of downradar (after PostHog's): at-least-once, offsets resolved and
 * committed only after the handler's work is acknowledged, per-partition pause as the
 * backpressure valve while a downstream (ClickHouse, Kafka) refuses, drain on shutdown.
 * Duplicates after a crash are possible by design; every sink dedupes on the event id.
 */
export async function runConsumer(opts: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const sessionTimeout = opts.sessionTimeoutMs ?? 30_000;
  const heartbeatInterval = Math.max(500, Math.min(3000, Math.floor(sessionTimeout / 3)));
  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout,
    heartbeatInterval,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxBytes: opts.maxBytes ?? 10 * 1024 * 1024,
    minBytes: opts.minBytes ?? 1,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100,
    allowAutoTopicCreation: false,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  const stats = { batches: 0, messages: 0, retries: 0, committed: 0 };
  let stopping = false;
  // Batches in hand, and who waits for them to end. kafkajs drops commitOffsets once its own
  // stop() has begun, so stop() waits for these before calling it: the last commit gets through.
  let inHand = 0;
  let drained: (() => void)[] = [];
  const maxChunk = opts.maxChunk ?? 5000;

  if (opts.onAssign) {
    consumer.on(consumer.events.GROUP_JOIN, (e) => opts.onAssign!(e.payload.memberAssignment));
  }

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning ?? true });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw kafkaError(err, `consumer ${opts.groupId} subscribe`);
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.concurrency ?? 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isRunning, isStale }) => {
      // kafkajs heartbeats only between fetches and when asked: keep the membership alive while a
      // handler waits on its downstream (heartbeat() sends only once the interval is due).
      const beat = setInterval(() => void heartbeat().catch(() => undefined), heartbeatInterval);
      inHand++;
      try {
        await consumeBatch();
      } finally {
        clearInterval(beat);
        if (--inHand === 0) {
          for (const done of drained) done();
          drained = [];
        }
      }
      async function consumeBatch() {
        const { topic, partition } = batch;
        for (let i = 0; i < batch.messages.length; i += maxChunk) {
          if (stopping || !isRunning() || isStale()) return;
          const messages = batch.messages.slice(i, i + maxChunk);
          let attempt = 0;
          let resume: (() => void) | null = null;
          for (;;) {
            try {
              const lag = Number(BigInt(batch.highWatermark) - BigInt(messages[messages.length - 1]!.offset) - 1n);
              await opts.handleBatch({ topic, partition, messages, lag, heartbeat });
              break;
            } catch (err) {
              attempt++;
              stats.retries++;
              opts.onRetry?.(err, attempt);
              opts.logger?.warn({ topic, partition, attempt, err: (err as Error)?.message }, 'batch failed, partition paused, retrying');
              resume ??= pause();
              if (stopping || !isRunning() || isStale()) return; // not committed: redelivered later
              await sleep(Math.min(10_000, 100 * 2 ** Math.min(attempt, 7)));
              await heartbeat().catch(() => undefined);
            }
          }
          if (resume) resume();
          const last = messages[messages.length - 1]!;
          resolveOffset(last.offset);
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(last.offset) + 1n).toString() }]);
          stats.batches++;
          stats.messages += messages.length;
          stats.committed = Number(last.offset) + 1;
          await heartbeat().catch(() => undefined);
        }
      }
    },
  });

  return {
    consumer,
    stats,
    async stop() {
      stopping = true;
      // The chunk in hand finishes and commits; no further chunk starts (consumeBatch checks).
      if (inHand > 0) await new Promise<void>((done) => drained.push(done));
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    },
  };
}
