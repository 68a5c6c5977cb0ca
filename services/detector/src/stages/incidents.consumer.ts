/**
 * The incident stage: `<prefix>.detector-windows` in (group downradar-incidents, every partition to
 * ONE member: single-owner-assigner.ts), incidents across all services out.
 *
 * The scoring stage runs per signals partition; grouping needs every service's score of a window
 * at once. This stage puts the windows back in event-time order up to the watermark of all
 * signals partitions (incident-grouper.ts; for partitions announced idle it reads the signals
 * partitions' end offsets right before grouping), feeds the core's IncidentManager, and
 * commits ONE transaction: the IncidentEvents to
 * downradar.alerts (key incidentId), its checkpoint (key `incidents` on the state topic) and its
 * consumed offset. A batch that publishes incident events commits at once; one that publishes
 * nothing (most: a window is grouped only once the last partition has closed it, and most windows
 * change no incident) is committed with the next batch that does, or `quietCommitMs` after it, or
 * when the stage stops. Exactly once still holds: such a batch has no output, so a crash before
 * its commit is a crash before any transaction: the restart restores the last committed
 * checkpoint, reads the windows topic again from its offset and, grouping being deterministic
 * (README, "Ordering"), publishes what the uncommitted batches would have published, once. Every instance runs this stage; only the assigned one works, and when it goes
 * away the next rebalance hands the topic (and, through the checkpoint, the open incidents) to
 * another.
 */
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '@downradar/common/logger';
import type { TopicNames } from '@downradar/common/kafka/topics';
import { assembleEntries, CheckpointWriter, parseEntries } from './checkpoint';
import type { DetectorConfig } from '../core/config';
import type { ServiceInfoLookup } from '../core/facts';
import { IncidentManager, incidentManagerOptions } from '../core/incidents';
import { IncidentGrouper, type GroupedEvent, type GrouperState } from './incident-grouper';
import type { DetectorMetrics } from '../metrics';
import { Serial, whileHeartbeating } from '../kafka/serial';
import { restoreFailureLevel, restoreRetryDelayMs } from '../kafka/restore-retry';
import { singleOwnerAssigner } from '../kafka/single-owner-assigner';
import { readStateTopic } from '../kafka/state-topic';
import { commitTransaction, connectTransactionalProducer, isFenced, transactionalIdFor, type TxnMessage } from '@downradar/common/kafka/transactions';
import { parseProgress } from './window-progress';

export const INCIDENTS_STATE_KEY = 'incidents';

interface IncidentCheckpoint {
  grouper: GrouperState;
  /** The offset committed with it: where reading resumes after a restore. */
  offset: string | null;
}

export interface IncidentStageOptions {
  kafka: Kafka;
  logger: Logger;
  metrics: DetectorMetrics;
  topics: TopicNames;
  windowsTopic: string;
  groupId: string;
  core: DetectorConfig;
  serviceInfo: ServiceInfoLookup;
  sessionTimeoutMs: number;
  /** Longest a batch without incident events waits for its commit (0 = every batch commits at once). */
  quietCommitMs?: number;
  /** Longest the broker holds a fetch that finds nothing new (it answers as soon as something comes). */
  fetchWaitMs?: number;
}

export interface IncidentStatus {
  active: boolean;
  processedUpTo: number | null;
  pendingWindows: number;
  lateScores: number;
  progress: { partition: number; closedUpTo: number | null; idle: boolean }[];
  openIncidents: ReturnType<IncidentGrouper['openIncidents']>;
}

export class IncidentStage {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  /** Grouping waited because the signals end offsets could not be read: try again on a timer. */
  private heldBack = false;
  private heldTimer: NodeJS.Timeout | undefined;
  private grouper: IncidentGrouper | undefined;
  private writer = new CheckpointWriter('', (k) => k === INCIDENTS_STATE_KEY);
  private readonly serial = new Serial();
  private stopping = false;
  private joined = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Whether the last assignment gave this instance the windows partition (grouping is its job). */
  private owns = false;
  /** Group generations seen (each GROUP_JOIN) and the last successful heartbeat: see fencedWithoutRebalance. */
  private generation = 0;
  private lastHeartbeatAt = 0;
  /** When the oldest batch not committed yet was processed (undefined: all committed). */
  private uncommittedSince: number | undefined;

  constructor(private readonly o: IncidentStageOptions) {}

  private newManager(): IncidentManager {
    return new IncidentManager(incidentManagerOptions(this.o.core, this.o.serviceInfo));
  }

  get ready(): boolean {
    return this.joined && !this.stopping;
  }

  async start(): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      partitionAssigners: [singleOwnerAssigner],
      sessionTimeout: this.o.sessionTimeoutMs,
      rebalanceTimeout: this.o.sessionTimeoutMs * 2,
      heartbeatInterval: Math.max(500, Math.floor(this.o.sessionTimeoutMs / 10)),
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxWaitTimeInMs: this.o.fetchWaitMs ?? 50,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    this.admin = this.o.kafka.admin();
    await this.admin.connect();
    // Retries grouping held back for want of the signals end offsets, and commits what waited quietCommitMs.
    const quietMs = this.o.quietCommitMs ?? 0;
    this.heldTimer = setInterval(
      () => {
        if (this.stopping) return;
        const due = this.uncommittedSince !== undefined && Date.now() - this.uncommittedSince >= quietMs;
        if (!this.heldBack && !due) return;
        void this.serial
          .run(async () => {
            if (!this.stopping && this.grouper !== undefined && this.producer !== undefined) await this.processBatch([]);
          })
          .catch((err) => this.o.logger.warn({ err: (err as Error).message }, 'held-back grouping retry failed'));
      },
      Math.min(1000, Math.max(50, Math.floor(quietMs / 2))),
    );
    this.heldTimer.unref();
    consumer.on(consumer.events.HEARTBEAT, () => (this.lastHeartbeatAt = Date.now()));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.generation++;
      const owns = (e.payload.memberAssignment[this.o.windowsTopic] ?? []).includes(0);
      void this.serial.run(() => this.onAssignment(owns)).catch((err) => this.fatal(err));
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.windowsTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, pause, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        await whileHeartbeating(heartbeat, () => this.serial.run(async () => {
          if (this.stopping || !isRunning() || isStale()) return;
          if (this.grouper === undefined || this.producer === undefined) {
            pause();
            return;
          }
          let ok = false;
          try {
            ok = await this.processBatch(batch.messages);
          } catch (err) {
            this.o.logger.error({ err: (err as Error).message }, 'incident batch failed; restoring the incident stage');
            await this.release();
            await this.reacquire();
          }
          if (ok) resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
        }));
      },
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heldTimer) clearInterval(this.heldTimer);
    await this.consumer?.stop().catch(() => undefined);
    await this.serial.idle();
    // What was grouped since the last commit: committed now, so a restart does not read it again.
    if (this.uncommittedSince !== undefined && this.grouper !== undefined && this.producer !== undefined) {
      await this.serial.run(() => this.processBatch([], true)).catch(() => undefined);
    }
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.grouper = undefined;
    this.o.metrics.groupingActive.set(0);
  }

  status(): IncidentStatus {
    const g = this.grouper;
    return {
      active: g !== undefined,
      processedUpTo: g?.processedThrough ?? null,
      pendingWindows: g?.pendingWindows() ?? 0,
      lateScores: g?.lateScores ?? 0,
      progress: g?.progressView() ?? [],
      openIncidents: g?.openIncidents() ?? [],
    };
  }

  private async onAssignment(owns: boolean): Promise<void> {
    if (this.stopping) return;
    this.joined = true;
    this.owns = owns;
    if (!owns) {
      if (this.grouper !== undefined) this.o.logger.info('incident grouping handed to another instance');
      await this.release();
      return;
    }
    if (this.grouper !== undefined && this.producer !== undefined) {
      if (this.uncommittedSince === undefined) return; // still ours, state in memory is the committed one
      // Still ours, but the consumer resumes at the committed offset, behind what was grouped since:
      // back to the checkpoint that goes with that offset.
      await this.release();
    }
    await this.reacquire();
  }

  private async release(): Promise<void> {
    this.grouper = undefined;
    this.uncommittedSince = undefined;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.o.metrics.groupingActive.set(0);
  }

  /** Fences any previous grouper, restores the checkpoint and rewinds to its offset. */
  private async acquire(): Promise<void> {
    const { kafka, topics, logger, metrics } = this.o;
    const t0 = performance.now();
    const producer = await connectTransactionalProducer(kafka, transactionalIdFor(this.o.groupId, this.o.windowsTopic, 0));
    try {
      const read = await readStateTopic(kafka, topics.detectorState, {
        groupPrefix: this.o.groupId,
        logger,
        keep: (key) => key === INCIDENTS_STATE_KEY || key.startsWith(`${INCIDENTS_STATE_KEY}#`),
      });
      const entries = assembleEntries(read.latest);
      const parsed = parseEntries(entries)[INCIDENTS_STATE_KEY] as IncidentCheckpoint | undefined;
      const grouper = new IncidentGrouper(this.o.core.windowMs, this.newManager(), () => this.newManager());
      grouper.restore(parsed?.grouper);
      this.writer.seed(entries);
      this.grouper = grouper;
      this.producer = producer;
      if (parsed?.offset != null) this.consumer?.seek({ topic: this.o.windowsTopic, partition: 0, offset: parsed.offset });
      this.consumer?.resume([{ topic: this.o.windowsTopic, partitions: [0] }]);
      metrics.groupingActive.set(1);
      metrics.openIncidents.set(grouper.openIncidents().length);
      metrics.restoreDuration.observe({ stage: 'incidents' }, performance.now() - t0);
      logger.info({ processedUpTo: grouper.processedThrough, offset: parsed?.offset ?? null, open: grouper.openIncidents().length }, 'incident grouping active');
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Groups a batch and commits it, unless it publishes nothing and the oldest uncommitted batch is
   * younger than quietCommitMs (`force`: commit whatever is uncommitted).
   */
  private async processBatch(messages: KafkaMessage[], force = false): Promise<boolean> {
    const grouper = this.grouper!;
    const { metrics, logger, topics } = this.o;
    for (const m of messages) {
      const progress = parseProgress(m.value);
      if (progress === undefined) {
        logger.warn({ offset: m.offset }, 'not a window message; skipped');
        continue;
      }
      grouper.accept(progress, m.offset);
    }
    // Read after the messages above: an idle partition written to since its announcement is
    // waited for (incident-grouper.ts explains why this makes grouping independent of timing).
    const idle = grouper.idlePartitions();
    const ends = idle.length > 0 ? await this.signalsEnds() : undefined;
    this.heldBack = idle.length > 0 && ends === undefined;
    const now = Date.now();
    const drained = grouper.drain(now, ends);
    const changed = messages.length > 0 || drained.windowsProcessed > 0 || drained.windowsSkipped > 0;
    if (!changed && this.uncommittedSince === undefined) return true;
    if (drained.events.length === 0 && !force) {
      this.uncommittedSince ??= now;
      if (now - this.uncommittedSince < (this.o.quietCommitMs ?? 0)) {
        metrics.transactionsDeferred.inc({ stage: 'incidents' });
        return true;
      }
    }
    const out: TxnMessage[] = drained.events.map((g: GroupedEvent) => ({ topic: topics.alerts, key: g.event.incidentId, value: JSON.stringify(g.event) }));
    const offset = grouper.commitOffset() ?? null;
    const checkpoint: IncidentCheckpoint = { grouper: grouper.toJSON(), offset };
    const diff = this.writer.diff({ [INCIDENTS_STATE_KEY]: checkpoint });
    for (const r of diff.records) out.push({ topic: topics.detectorState, key: r.key, value: r.value });
    try {
      const r = await commitTransaction(
        this.producer!,
        out,
        offset === null ? undefined : { consumerGroupId: this.o.groupId, topic: this.o.windowsTopic, partition: 0, offset },
      );
      diff.commit();
      this.uncommittedSince = undefined;
      metrics.transactions.inc({ stage: 'incidents', result: 'committed' });
      metrics.transactionDuration.observe({ stage: 'incidents' }, r.durationMs);
      metrics.checkpointBytes.inc(diff.bytes);
      for (const g of drained.events) {
        metrics.incidentEvents.inc({ type: g.event.type });
        metrics.alertLatency.observe(Math.max(0, r.committedAt - g.windowClosedAt));
      }
      metrics.groupingLateScores.set(grouper.lateScores);
      metrics.pendingWindows.set(grouper.pendingWindows());
      metrics.openIncidents.set(grouper.openIncidents().length);
      if (drained.events.length > 0) logger.info({ events: drained.events.map((g) => `${g.event.eventId} ${g.event.type}`) }, 'incident events published');
      return true;
    } catch (err) {
      metrics.transactions.inc({ stage: 'incidents', result: 'aborted' });
      const fenced = isFenced(err);
      logger.warn({ fenced, err: (err as Error).message }, fenced ? 'fenced: another instance groups incidents now' : 'transaction aborted; restoring the incident stage');
      await this.release();
      if (fenced) this.fencedWithoutRebalance(this.generation, Date.now());
      else await this.reacquire();
      return false;
    }
  }

  private async signalsEnds(): Promise<Map<number, bigint> | undefined> {
    try {
      const offsets = await this.admin!.fetchTopicOffsets(this.o.topics.signals);
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'signals end offsets not available; windows held back until they are');
      return undefined;
    }
  }

  /**
   * Acquires the grouping, and while that fails (the broker restarting), tries again with a
   * growing pause for as long as this instance still owns it: giving up after one retry killed
   * the detector for good whenever the broker was down longer than a few seconds.
   */
  private async reacquire(attempt = 1): Promise<void> {
    if (this.stopping || !this.owns || this.grouper !== undefined) return;
    try {
      await this.acquire();
      if (attempt > 1) this.o.logger.info({ attempt }, 'incident stage restored after earlier failures');
    } catch (err) {
      const delayMs = restoreRetryDelayMs(attempt);
      this.o.logger[restoreFailureLevel(attempt)]({ attempt, err: (err as Error).message }, `incident stage restore failed; retrying in ${delayMs / 1000} s`);
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.serial.run(() => this.reacquire(attempt + 1)).catch((e) => this.fatal(e)), delayMs);
      this.retryTimer.unref();
    }
  }

  /**
   * A fence is not always a takeover: after a broker restart the transaction coordinator aborts
   * a transaction that outlived its timeout by bumping the producer's epoch. A takeover comes
   * with a new group generation, learnt at the next heartbeat; so once a heartbeat has succeeded
   * after the fence with the generation unchanged, the grouping is still ours and is restored.
   */
  private fencedWithoutRebalance(generation: number, fencedAt: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      void this.serial
        .run(async () => {
          if (this.stopping || this.generation !== generation || !this.owns || this.grouper !== undefined) return;
          if (this.lastHeartbeatAt <= fencedAt) return this.fencedWithoutRebalance(generation, fencedAt);
          this.o.logger.warn('fenced, but the group did not change: the coordinator aborted our transaction; restoring the incident stage');
          await this.reacquire();
        })
        .catch((e) => this.fatal(e));
    }, this.o.sessionTimeoutMs);
    this.retryTimer.unref();
  }

  private fatal(err: unknown): void {
    // A restore that was in flight when stop() began can fail on the way down (its topics gone,
    // its connection closed); the process is stopping anyway, and exiting would cut its drain short.
    if (this.stopping) {
      this.o.logger.info({ err: (err as Error)?.message ?? String(err) }, 'incident stage: an operation in flight failed while stopping');
      return;
    }
    this.o.logger.fatal({ err: (err as Error)?.message ?? String(err) }, 'incident stage failed');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}
