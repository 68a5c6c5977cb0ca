/**
 * Where the scoring stage's consumed offsets go: into the transaction, or to the group later.
 *
 * The offset a partition has been scored up to is part of its checkpoint (`p<N>/offset`, written
 * in every transaction with the outputs), and a restored PartitionScorer skips every message below
 * it. So the consumer group's committed offset is only where reading resumes after a restart or a
 * rebalance, not what makes the outputs exactly once: a group offset behind the checkpoint means
 * messages read again and skipped, never published twice. Putting the offsets into a transaction
 * costs the broker two requests (AddOffsetsToTxn, TxnOffsetCommit), a transaction-log append and a
 * marker on the offsets partition; in a live stream, where a transaction holds a few dozen signal
 * messages, that is a large share of each transaction.
 *
 * So a transaction carries its offsets only when the partition's group offset is older than
 * `intervalMs` (the first transaction after an assignment always), when the batch is large (a
 * backlog: the cost is spread over many messages), and when the batch ends a backlog (the batch
 * before it left messages behind it in Kafka, this one none: signals.consumer.ts), so that a
 * backlog's end reaches the group at once. Between transactions the stage commits every partition's checkpointed offset that the
 * group does not have to it in one plain OffsetCommit (GroupOffsets.pending), every 0.2 s
 * (GROUP_COMMIT_EVERY_MS in signals.consumer.ts) and in stop() before leaving the group: the
 * group's offsets trail the checkpoints by about 0.2 s, and a live stream costs the broker at
 * most five plain commits a second instead of two requests more in every transaction.
 */

/** A batch of this many messages or more always commits its offsets in its transaction. */
export const OFFSETS_ALWAYS_FROM_MESSAGES = 1000;

/** Whether a scoring transaction of `messages` messages carries the consumed offsets. */
export function offsetsInTransaction(intervalMs: number, groupOffsetAt: number | undefined, nowMs: number, messages: number): boolean {
  return intervalMs === 0 || messages >= OFFSETS_ALWAYS_FROM_MESSAGES || groupOffsetAt === undefined || nowMs - groupOffsetAt >= intervalMs;
}

/** What this instance knows of its partitions' offsets in the consumer group. */
export class GroupOffsets {
  private readonly known = new Map<number, { offset: string; at: number }>();

  /** After an assignment or a restore: the group's offset is unknown (the next transaction carries it). */
  forget(partition: number): void {
    this.known.delete(partition);
  }

  /** When the partition's group offset was last committed (undefined: not known since its assignment or restore). */
  committedAt(partition: number): number | undefined {
    return this.known.get(partition)?.at;
  }

  /** The group now has `offset` for the partition (a transaction or a plain commit succeeded). */
  committed(partition: number, offset: string, nowMs: number): void {
    this.known.set(partition, { offset, at: nowMs });
  }

  /**
   * A plain commit issued at `issuedAt` succeeded. When a transaction committed an offset of the
   * partition since, the plain commit may have landed after it and put the group back: then the
   * group's offset counts as unknown, and the next plain commit sets it again.
   */
  committedBefore(partition: number, offset: string, issuedAt: number): void {
    const k = this.known.get(partition);
    if (k !== undefined && k.at >= issuedAt) this.known.delete(partition);
    else this.known.set(partition, { offset, at: issuedAt });
  }

  /**
   * The partitions whose checkpointed offset (`checkpointed`, committed with their last
   * transaction) the group does not have yet, with that offset.
   */
  pending(checkpointed: ReadonlyMap<number, string>): { partition: number; offset: string }[] {
    const out: { partition: number; offset: string }[] = [];
    for (const [partition, offset] of checkpointed) {
      if (this.known.get(partition)?.offset !== offset) out.push({ partition, offset });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }
}
