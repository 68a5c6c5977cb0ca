/**
 * A slower cadence for some topics on a live stream (config sinkDetectorIntervalMs): the
 * detector's outputs (scores, alerts, trends).
 *
 * Every insert makes a part in its table, a directory of one or two files per column (scores 19
 * columns, incident_events 22 and its incidents view 20), however few its rows; on the live day
 * these topics are a few % of the rows and about a third of the parts (README, "clickhouse in the live day, session 17").
 * With the sink's 2 s flush interval every group carried a few of their rows. Here a partition of
 * such a topic is paused (kafkajs pause: its next fetches leave it out) as soon as a live batch of
 * it is in hand, and every intervalMs all the partitions paused here are resumed, so each one's
 * messages come in one fetch per interval and go in with that group.
 *
 * Nothing about acknowledgement changes: the paused partition's batch in hand is inserted and
 * committed as before, and pausing only stops fetching further messages (a fetch that returns for
 * a partition paused meanwhile drops that partition's data, and kafkajs fetches it again from the
 * resolved offset after the resume). A batch that is behind (BEHIND_MESSAGES of its partition
 * already in Kafka: catching up, a replay) does not pause its partition, so a backlog is read at
 * full speed. The other topics are never paused here.
 */
import type { Logger } from '@downradar/common';

/** What the cadence needs of a kafkajs consumer. */
export interface PausableConsumer {
  pause(topicPartitions: { topic: string; partitions: number[] }[]): void;
  resume(topicPartitions: { topic: string; partitions: number[] }[]): void;
}

export interface TopicCadenceOptions {
  /** The topics (full names) read at the slower cadence. */
  topics: readonly string[];
  /** How often their paused partitions are resumed (> 0). */
  intervalMs: number;
  /** A batch with at least this many messages behind it in its partition is a backlog: never paused. */
  behindMessages: number;
  /** The group members of this process (all of them pause and resume: a partition has one owner). */
  consumers(): PausableConsumer[];
  logger?: Logger;
}

export interface TopicCadence {
  /** Call as a batch is handed over (before its insert): pauses its partition if it is one of the slow topics and live. */
  onBatch(batch: { topic: string; partition: number; lag?: number }): void;
  /** Starts the resume timer. */
  start(): void;
  /** Stops the timer and resumes what it paused. */
  stop(): void;
  /** The partitions paused now, as "topic:partition" (for tests and logs). */
  paused(): string[];
}

export function createTopicCadence(opts: TopicCadenceOptions): TopicCadence {
  if (!(opts.intervalMs > 0)) throw new Error(`topic cadence: intervalMs must be > 0 (got ${opts.intervalMs})`);
  const slow = new Set(opts.topics);
  /** topic -> partitions paused here since the last resume. */
  const pausedHere = new Map<string, Set<number>>();
  let timer: ReturnType<typeof setInterval> | null = null;

  function each(op: (c: PausableConsumer) => void): void {
    for (const c of opts.consumers()) {
      try {
        op(c);
      } catch (err) {
        // A member not running (yet, or any more): it owns no partitions to pause or resume.
        opts.logger?.debug({ err: (err as Error)?.message }, 'topic cadence: pause/resume skipped on a member');
      }
    }
  }

  function resumeAll(): void {
    if (pausedHere.size === 0) return;
    const list = [...pausedHere].map(([topic, parts]) => ({ topic, partitions: [...parts] }));
    pausedHere.clear();
    each((c) => c.resume(list));
  }

  return {
    onBatch(batch) {
      if (!slow.has(batch.topic) || (batch.lag ?? 0) >= opts.behindMessages) return;
      let parts = pausedHere.get(batch.topic);
      if (parts?.has(batch.partition)) return;
      if (!parts) pausedHere.set(batch.topic, (parts = new Set()));
      parts.add(batch.partition);
      each((c) => c.pause([{ topic: batch.topic, partitions: [batch.partition] }]));
    },
    start() {
      if (timer) return;
      timer = setInterval(resumeAll, opts.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      resumeAll();
    },
    paused: () => [...pausedHere].flatMap(([topic, parts]) => [...parts].map((p) => `${topic}:${p}`)),
  };
}
