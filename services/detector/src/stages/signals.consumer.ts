/**
 * The scoring stage: downradar.signals in (group downradar-detector), and for every batch of a
 * partition ONE Kafka transaction out:
 *   - the ScoreEvents of the windows the batch closed     -> downradar.scores  (key serviceId)
 *   - the instance's TrendEvents                           -> downradar.trends  (key hashtag)
 *   - dead letters (invalid, late, future events)          -> downradar.dlq     (key origin)
 *   - the partition's progress and closed windows          -> <prefix>.detector-windows (incident stage)
 *   - the checkpoint entries that changed                  -> downradar.detector-state (compacted)
 *   - the consumed offset, when due (group-offsets.ts)     -> the group's offsets
 * so a crash at any point either published all of it or none of it, and the restarted detector
 * resumes from the checkpoint, which holds the offset it was taken at (messages below it, read
 * again from an older group offset, are skipped): every score, trend and dead letter is published
 * exactly once. The group's offsets follow the checkpoints within about 0.2 s: in a small
 * transaction only once a second a partition, otherwise committed to the group between
 * transactions (group-offsets.ts says why).
 *
 * Each partition has its own core detector (partition-scorer.ts) and its own transactional
 * producer (transactions.ts explains the per-partition transactional id). On an assignment the
 * new partitions' producers are connected first (fencing any previous owner), then their
 * checkpoints are read back from the state topic. A failed transaction is aborted and the
 * partition is rebuilt from its checkpoint; kafkajs then delivers the unresolved batch again.
 *
 * A clock tick advances idle partitions (the core's idle timeout closes windows when no signal
 * comes) and announces partitions that never had a signal, so the incident stage stops waiting
 * for them. Both only for a partition that has been read to its end (its end offset from the
 * admin client): a partition with a backlog (a restart, a stall of this process) is not idle,
 * its windows close on its signals' event time and nothing else, so what is late and what an
 * empty partition holds back does not depend on how long this process took to get to it.
 */
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '@downradar/common/logger';
import type { TopicNames } from '@downradar/common/kafka/topics';
import { readSignalMessage } from '@downradar/common/kafka/signal-messages';
import type { DlqRecord, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { assembleEntries, entriesUnder, type CheckpointDiff } from './checkpoint';
import type { DetectorConfig } from '../core/config';
import type { HashtagLookup, ServiceInfoLookup } from '../core/facts';
import type { DetectorMetrics } from '../metrics';
import { PartitionScorer, type AdvanceResult, type Announcement, type IngestResult, type PartitionEnds } from './partition-scorer';
import { Serial, whileHeartbeating } from '../kafka/serial';
import { restoreFailureLevel, restoreRetryDelayMs } from '../kafka/restore-retry';
import { partitionCount, readStateTopic } from '../kafka/state-topic';
import { commitTransaction, connectTransactionalProducer, isFenced, transactionalIdFor, type TxnMessage } from '@downradar/common/kafka/transactions';
import { TrendTracker } from './trend-tracker';
import { GroupOffsets, offsetsInTransaction } from './group-offsets';
import type { ClosedWindow } from './window-progress';

/** How often the checkpointed offsets the group does not have yet are committed to it (one OffsetCommit). */
export const GROUP_COMMIT_EVERY_MS = 200;

export interface ScoringStageOptions {
  kafka: Kafka;
  logger: Logger;
  metrics: DetectorMetrics;
  topics: TopicNames;
  windowsTopic: string;
  groupId: string;
  instance: string;
  core: DetectorConfig;
  serviceInfo: ServiceInfoLookup;
  hashtagInfo: HashtagLookup;
  tickMs: number;
  emptyPartitionIdleMs: number;
  maxBatchBytes: number;
  /** Longest the broker holds a fetch that finds nothing new (it answers as soon as something comes). */
  fetchWaitMs: number;
  /** Bytes the broker waits for (up to fetchWaitMs) before it answers a fetch (1 = the first record). */
  fetchMinBytes?: number;
  /** How often at most a small transaction carries its partition's offsets (0 = every transaction). */
  offsetCommitMs: number;
  sessionTimeoutMs: number;
}

interface Task {
  scorer: PartitionScorer;
  producer: Producer;
}

export interface ScoringStatus {
  joined: boolean;
  partitions: number[];
  partitionCount: number;
  tasks: { partition: number; nextOffset: string | null; watermark: number | null; closedUpTo: number | null; services: number }[];
}

export class ScoringStage {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly tasks = new Map<number, Task>();
  private trends: TrendTracker;
  private trendsDirty = true;
  private readonly serial = new Serial();
  private assigned: number[] = [];
  private signalsPartitions = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private groupCommitTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private joined = false;
  /** Group generations seen (each GROUP_JOIN) and the last successful heartbeat: see fencedWithoutRebalance. */
  private generation = 0;
  private lastHeartbeatAt = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly groupOffsets = new GroupOffsets();
  /** Partitions whose last batch left messages behind it in Kafka (a backlog being read). */
  private readonly behind = new Set<number>();
  /** The plain commit of offsets to the group in flight (commitGroupOffsets). */
  private groupCommit: Promise<void> | undefined;

  constructor(private readonly o: ScoringStageOptions) {
    this.trends = this.newTrendTracker();
  }

  private newTrendTracker(): TrendTracker {
    return new TrendTracker(this.o.instance, this.o.core, this.o.hashtagInfo);
  }

  get ready(): boolean {
    return this.joined && !this.stopping;
  }

  async start(): Promise<void> {
    const { kafka, topics } = this.o;
    this.signalsPartitions = await partitionCount(kafka, topics.signals);
    const consumer = kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      rebalanceTimeout: this.o.sessionTimeoutMs * 2,
      heartbeatInterval: Math.max(500, Math.floor(this.o.sessionTimeoutMs / 10)),
      maxBytesPerPartition: this.o.maxBatchBytes,
      maxBytes: Math.max(this.o.maxBatchBytes, 64 * 1024 * 1024),
      maxWaitTimeInMs: this.o.fetchWaitMs,
      minBytes: this.o.fetchMinBytes ?? 1,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    this.admin = kafka.admin();
    await this.admin.connect();
    consumer.on(consumer.events.HEARTBEAT, () => (this.lastHeartbeatAt = Date.now()));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.generation++;
      const partitions = [...(e.payload.memberAssignment[topics.signals] ?? [])].sort((a, b) => a - b);
      void this.serial.run(() => this.onAssignment(partitions)).catch((err) => this.fatal(err, 'assignment'));
    });
    consumer.on(consumer.events.CRASH, (e) => this.o.logger.error({ err: String(e.payload.error), restart: e.payload.restart }, 'scoring consumer crashed'));
    await consumer.connect();
    await consumer.subscribe({ topic: topics.signals, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, pause, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        await whileHeartbeating(heartbeat, () => this.serial.run(async () => {
          if (this.stopping || !isRunning() || isStale()) return;
          const task = this.tasks.get(batch.partition);
          if (task === undefined) {
            pause(); // lost or being rebuilt: resumed on the next assignment or rebuild
            return;
          }
          let ok = false;
          try {
            // Messages of the partition already in Kafka past this batch: > 0 while a backlog lasts.
            const behind = BigInt(batch.highWatermark) - BigInt(batch.messages[batch.messages.length - 1]!.offset) - 1n;
            ok = await this.processBatch(task, batch.messages, behind > 0n);
          } catch (err) {
            // Not a Kafka failure (those are handled in commit): the detector may be half-way
            // through the batch. Same remedy: back to the checkpoint, the batch comes again.
            await this.failed(task, err);
          }
          if (ok) resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
        }));
      },
    });
    this.tickTimer = setInterval(() => void this.serial.run(() => this.tick()).catch((err) => this.o.logger.error({ err: String(err) }, 'tick failed')), this.o.tickMs);
    this.tickTimer.unref();
    if (this.o.offsetCommitMs > 0) {
      this.groupCommitTimer = setInterval(() => void this.serial.run(async () => void this.commitGroupOffsets()), GROUP_COMMIT_EVERY_MS);
      this.groupCommitTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.groupCommitTimer) clearInterval(this.groupCommitTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    // The batch in hand finishes (its transaction commits; no new one starts, see eachBatch), then
    // the group gets the checkpointed offsets, then fetching stops.
    await this.serial.run(async () => {
      await this.commitGroupOffsets(); // one in flight: wait for it, then commit what is left
      await this.commitGroupOffsets();
    }).catch(() => undefined);
    await this.consumer?.stop().catch(() => undefined);
    await this.serial.idle();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await Promise.all([...this.tasks.values()].map((t) => t.producer.disconnect().catch(() => undefined)));
    this.tasks.clear();
    this.o.metrics.partitionsOwned.set(0);
  }

  status(): ScoringStatus {
    return {
      joined: this.joined,
      partitions: [...this.assigned],
      partitionCount: this.signalsPartitions,
      tasks: [...this.tasks.values()]
        .sort((a, b) => a.scorer.partition - b.scorer.partition)
        .map((t) => ({
          partition: t.scorer.partition,
          nextOffset: t.scorer.nextOffset === null ? null : t.scorer.nextOffset.toString(),
          watermark: t.scorer.detector.watermark() ?? null,
          closedUpTo: t.scorer.detector.closedUpTo() ?? null,
          services: t.scorer.detector.serviceIds().length,
        })),
    };
  }

  /** The partition scorer that has seen this service, if this instance owns it. */
  scorerOf(serviceId: string): PartitionScorer | undefined {
    for (const t of this.tasks.values()) if (t.scorer.detector.serviceIds().includes(serviceId)) return t.scorer;
    return undefined;
  }

  /** Runs `f` between batches (the detectors are not being changed meanwhile). */
  inspect<T>(f: () => T): Promise<T> {
    return this.serial.run(async () => f());
  }

  // ---------------------------------------------------------------------------------------------

  private async onAssignment(partitions: number[]): Promise<void> {
    if (this.stopping) return;
    this.assigned = partitions;
    const wanted = new Set(partitions);
    for (const [p, t] of this.tasks) {
      if (wanted.has(p)) continue;
      this.tasks.delete(p);
      await t.producer.disconnect().catch(() => undefined);
    }
    const missing = partitions.filter((p) => !this.tasks.has(p));
    await this.restoreOrRetry(missing, 1);
    this.resume(this.assigned.filter((p) => this.tasks.has(p)));
    this.joined = true;
    this.o.metrics.partitionsOwned.set(this.tasks.size);
    this.o.logger.info({ partitions, restored: missing }, 'signals partitions assigned');
  }

  /**
   * Connects the partitions' producers (fencing any previous owner), then restores them and, when
   * its in-memory state may be ahead of its checkpoint, the trend tracker.
   */
  private async rebuild(partitions: number[]): Promise<void> {
    const { kafka, topics, logger, metrics } = this.o;
    if (partitions.length === 0 && !this.trendsDirty) return;
    const t0 = performance.now();
    const producers = new Map<number, Producer>();
    try {
      await Promise.all(
        partitions.map(async (p) => producers.set(p, await connectTransactionalProducer(kafka, transactionalIdFor(this.o.groupId, topics.signals, p)))),
      );
      const prefixes = [...partitions.map((p) => PartitionScorer.prefixOf(p)), ...(this.trendsDirty ? [TrendTracker.prefixOf(this.o.instance)] : [])];
      const read = await readStateTopic(kafka, topics.detectorState, {
        groupPrefix: this.o.groupId,
        logger,
        keep: (key) => prefixes.some((pre) => key.startsWith(pre)),
      });
      const entries = assembleEntries(read.latest);
      const now = Date.now();
      for (const p of partitions) {
        const scorer = new PartitionScorer(topics.signals, p, this.o.core, this.o.serviceInfo, this.o.hashtagInfo, now);
        scorer.restore(entriesUnder(entries, PartitionScorer.prefixOf(p)));
        this.tasks.set(p, { scorer, producer: producers.get(p)! });
        this.groupOffsets.forget(p);
      }
      if (this.trendsDirty) {
        const trends = this.newTrendTracker();
        trends.restore(entriesUnder(entries, TrendTracker.prefixOf(this.o.instance)));
        this.trends = trends;
        this.trendsDirty = false;
      }
      metrics.restoreDuration.observe({ stage: 'scoring' }, performance.now() - t0);
      logger.info({ partitions, keys: entries.size, bytes: read.bytes, ms: Math.round(performance.now() - t0) }, 'checkpoints restored');
    } catch (err) {
      for (const p of partitions) {
        if (this.tasks.get(p)?.producer === producers.get(p)) continue;
        await producers.get(p)?.disconnect().catch(() => undefined);
      }
      throw err;
    }
    this.resume(partitions);
  }

  private resume(partitions: number[]): void {
    if (partitions.length > 0) this.consumer?.resume([{ topic: this.o.topics.signals, partitions }]);
  }

  private async processBatch(task: Task, messages: KafkaMessage[], behind = false): Promise<boolean> {
    const now = Date.now();
    const ingest = task.scorer.ingest(messages, readSignalMessage, now);
    this.o.metrics.signalsSkipped.inc(ingest.skipped);
    if (ingest.nextOffset === undefined) return true; // all seen before
    this.trends.add(ingest.withHashtags);
    const adv = task.scorer.advance(now, false); // event time only: the clock is the tick's, for caught-up partitions
    const trendEvents = this.trends.advance(this.trendFrontier(now));
    const announce = task.scorer.announcement(now, this.o.emptyPartitionIdleMs); // no end offsets here: never idle
    const p = task.scorer.partition;
    // The batch that ends a backlog carries its offsets, so the group has the backlog's end at once.
    const endsBacklog = !behind && this.behind.has(p);
    if (behind) this.behind.add(p);
    else this.behind.delete(p);
    const withOffsets = endsBacklog || offsetsInTransaction(this.o.offsetCommitMs, this.groupOffsets.committedAt(p), now, messages.length);
    const ok = await this.commit(task, ingest, adv, trendEvents, withOffsets, announce);
    if (ok) this.o.metrics.signalsConsumed.inc(messages.length - ingest.skipped);
    return ok;
  }

  private async tick(): Promise<void> {
    if (this.stopping || this.tasks.size === 0) return;
    const ends = await this.signalsEnds();
    const now = Date.now();
    const tasks = [...this.tasks.values()].sort((a, b) => a.scorer.partition - b.scorer.partition);
    const advanced = tasks.map((task) => {
      const e = ends?.get(task.scorer.partition);
      return { task, ends: e, adv: task.scorer.advance(now, task.scorer.caughtUp(e)) };
    });
    const trendEvents = this.trends.advance(this.trendFrontier(now));
    let trendsPending = trendEvents.length > 0;
    for (const { task, ends: e, adv } of advanced) {
      const announce = task.scorer.announcement(now, this.o.emptyPartitionIdleMs, e);
      if (adv.scores.length === 0 && announce === undefined && !trendsPending) continue;
      await this.commit(task, undefined, adv, trendsPending ? trendEvents : [], false, announce);
      trendsPending = false;
    }
  }

  /**
   * Gives the group every partition's checkpointed offset it does not have yet, in one plain
   * OffsetCommit. Called between batches (in the Serial, every GROUP_COMMIT_EVERY_MS), when each
   * task's next offset is the one its last committed transaction checkpointed. Not awaited: kafkajs retries a
   * failed commit for up to half a minute (a rebalance, a broker away), which must not hold the
   * batches up. One commit at a time; a commit that ends after a transaction committed a newer
   * offset of its partition may have overwritten it, so that partition counts as not known and
   * the next round commits it again. A failure is left to the next round: the checkpoints, not the
   * group's offsets, say what was processed. `stop()` awaits it.
   */
  private commitGroupOffsets(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined || this.o.offsetCommitMs === 0) return Promise.resolve();
    if (this.groupCommit !== undefined) return this.groupCommit;
    const checkpointed = new Map<number, string>();
    for (const [p, t] of this.tasks) if (t.scorer.nextOffset !== null) checkpointed.set(p, t.scorer.nextOffset.toString());
    const due = this.groupOffsets.pending(checkpointed);
    if (due.length === 0) return Promise.resolve();
    const issuedAt = Date.now();
    const commit = consumer
      .commitOffsets(due.map(({ partition, offset }) => ({ topic: this.o.topics.signals, partition, offset })))
      .then(() => {
        for (const { partition, offset } of due) this.groupOffsets.committedBefore(partition, offset, issuedAt);
        this.o.metrics.offsetCommits.inc({ how: 'group' });
      })
      .catch((err: unknown) => this.o.logger.debug({ err: (err as Error).message }, 'group offsets not committed; next round'))
      .finally(() => (this.groupCommit = undefined));
    this.groupCommit = commit;
    return commit;
  }

  /**
   * The signals partitions' offsets as the broker has them now (undefined when it does not
   * answer: then no partition counts as caught up, which only delays the idle clock).
   */
  private async signalsEnds(): Promise<Map<number, PartitionEnds> | undefined> {
    if (this.admin === undefined) return undefined;
    try {
      const offsets = await this.admin.fetchTopicOffsets(this.o.topics.signals);
      return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
    } catch (err) {
      this.o.logger.debug({ err: (err as Error).message }, 'signals offsets not available; partitions not idle this tick');
      return undefined;
    }
  }

  /**
   * Trends close a window when every partition this instance owns has closed it (see
   * trend-tracker.ts). A partition that never had a signal holds them back for the same grace
   * period as the incident stage: right after an assignment it may just not have been read yet.
   */
  private trendFrontier(now: number): number | undefined {
    let min: number | undefined;
    for (const t of this.tasks.values()) {
      if (t.scorer.empty) {
        if (now - t.scorer.assignedAt >= this.o.emptyPartitionIdleMs) continue;
        return undefined;
      }
      const c = t.scorer.detector.closedUpTo();
      if (c === undefined) return undefined;
      if (min === undefined || c < min) min = c;
    }
    return min;
  }

  private async commit(
    task: Task,
    ingest: IngestResult | undefined,
    adv: AdvanceResult,
    trendEvents: TrendEvent[],
    withOffsets: boolean,
    announce: Announcement | undefined,
  ): Promise<boolean> {
    const { topics, metrics } = this.o;
    const p = task.scorer.partition;
    const messages: TxnMessage[] = [];
    for (const s of adv.scores) messages.push({ topic: topics.scores, key: s.serviceId, value: JSON.stringify(s) });
    for (const t of trendEvents) messages.push({ topic: topics.trends, key: t.hashtag, value: JSON.stringify(t) });
    const dead: DlqRecord[] = ingest?.dlq ?? [];
    for (const d of dead) messages.push({ topic: topics.dlq, key: d.origin, value: JSON.stringify(d) });
    for (const value of task.scorer.progressMessages(adv, announce, this.signalsPartitions, this.o.instance)) {
      messages.push({ topic: this.o.windowsTopic, key: `p${p}`, value });
    }
    const diffs: CheckpointDiff[] = [task.scorer.checkpoint(), this.trends.checkpoint()];
    let stateBytes = 0;
    for (const d of diffs) {
      stateBytes += d.bytes;
      for (const r of d.records) messages.push({ topic: topics.detectorState, key: r.key, value: r.value });
    }
    const offsets =
      withOffsets && ingest?.nextOffset !== undefined
        ? { consumerGroupId: this.o.groupId, topic: topics.signals, partition: p, offset: ingest.nextOffset }
        : undefined;
    if (messages.length === 0 && offsets === undefined) return true;
    try {
      const r = await commitTransaction(task.producer, messages, offsets);
      for (const d of diffs) d.commit();
      if (offsets !== undefined) {
        this.groupOffsets.committed(p, offsets.offset, r.committedAt);
        metrics.offsetCommits.inc({ how: 'transaction' });
      }
      if (announce !== undefined) task.scorer.announced = announce;
      metrics.transactions.inc({ stage: 'scoring', result: 'committed' });
      metrics.transactionDuration.observe({ stage: 'scoring' }, r.durationMs);
      metrics.checkpointBytes.inc(stateBytes);
      metrics.scores.inc(adv.scores.length);
      metrics.windowsClosed.inc(adv.windows.length);
      metrics.trends.inc(trendEvents.length);
      metrics.trendLate.set(this.trends.late);
      for (const d of dead) metrics.deadLetters.inc({ code: d.code });
      if (adv.windows.length > 0) metrics.scoreLatency.observe(r.committedAt - adv.closedAt);
      return true;
    } catch (err) {
      metrics.transactions.inc({ stage: 'scoring', result: 'aborted' });
      await this.failed(task, err);
      return false;
    }
  }

  /**
   * A transaction failed and was aborted: the partition's detector (and the trend tracker) are
   * ahead of what was committed. Throw them away and restore from the checkpoint; kafkajs
   * delivers the unresolved batch again. When another producer fenced ours, the partition
   * belongs to another instance now: wait for the rebalance that says so (or, when none comes,
   * see fencedWithoutRebalance).
   */
  private async failed(task: Task, err: unknown): Promise<void> {
    const p = task.scorer.partition;
    const fenced = isFenced(err);
    this.o.logger.warn({ partition: p, fenced, err: (err as Error).message }, fenced ? 'fenced: partition taken over by another instance' : 'transaction aborted; restoring the partition from its checkpoint');
    this.tasks.delete(p);
    this.trendsDirty = true;
    this.consumer?.pause([{ topic: this.o.topics.signals, partitions: [p] }]);
    await task.producer.disconnect().catch(() => undefined);
    if (fenced) {
      this.fencedWithoutRebalance(p, this.generation, Date.now());
      return;
    }
    await this.restoreOrRetry([p], 1);
  }

  /**
   * A fence is not always a takeover: after a broker restart the transaction coordinator aborts
   * a transaction that outlived its timeout by bumping the producer's epoch, and our next request
   * is refused as fenced although no other instance exists. Waiting for a rebalance would then
   * stall the partition for good. A takeover comes with a new group generation, which this
   * instance learns at its next heartbeat; so once a heartbeat has succeeded after the fence
   * with the generation unchanged, the partition is still ours and is restored.
   */
  private fencedWithoutRebalance(p: number, generation: number, fencedAt: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.serial
        .run(async () => {
          if (this.stopping || this.generation !== generation || !this.assigned.includes(p) || this.tasks.has(p)) return;
          if (this.lastHeartbeatAt <= fencedAt) return this.fencedWithoutRebalance(p, generation, fencedAt);
          this.o.logger.warn({ partition: p }, 'fenced, but the group did not change: the coordinator aborted our transaction; restoring the partition');
          await this.restoreOrRetry([p], 1);
        })
        .catch((e) => this.fatal(e, 'restore'));
    }, this.o.sessionTimeoutMs);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /**
   * Restores the partitions, and while that fails (the broker restarting: a kill -9 and a
   * restart under load took 27 s in a drill), tries again with a growing pause, for as long as
   * they are still assigned here. Giving up after a retry or two killed the detector for good
   * whenever the broker was down longer than that; nothing restarts it.
   */
  private async restoreOrRetry(partitions: number[], attempt: number): Promise<void> {
    const wanted = partitions.filter((p) => this.assigned.includes(p) && !this.tasks.has(p));
    if (this.stopping || wanted.length === 0) return;
    try {
      await this.rebuild(wanted);
      if (attempt > 1) this.o.logger.info({ partitions: wanted, attempt }, 'partitions restored after earlier failures');
    } catch (e) {
      const delayMs = restoreRetryDelayMs(attempt);
      this.o.logger[restoreFailureLevel(attempt)]({ partitions: wanted, attempt, err: (e as Error).message }, `restore failed; retrying in ${delayMs / 1000} s`);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.serial.run(() => this.restoreOrRetry(wanted, attempt + 1)).catch((e2) => this.fatal(e2, 'restore'));
      }, delayMs);
      timer.unref();
      this.retryTimers.add(timer);
    }
  }

  private fatal(err: unknown, what: string): void {
    // An assignment or restore in flight when stop() began can fail on the way down (its topics
    // gone, its connection closed); the process is stopping anyway, and exiting would cut its drain short.
    if (this.stopping) {
      this.o.logger.info({ err: (err as Error)?.message ?? String(err) }, `scoring stage: ${what} failed while stopping`);
      return;
    }
    this.o.logger.fatal({ err: (err as Error)?.message ?? String(err) }, `scoring stage: ${what} failed`);
    // Crash-only: a process that cannot restore its state must not keep consuming.
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}

export type { ClosedWindow, ScoreEvent };
