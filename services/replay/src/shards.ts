/**
 * Which Kafka partition an event's signals land on, so that a replay can send different
 * partitions' events concurrently and each partition's events one request after the other.
 *
 * Ingest keys a report (downradar.reports) and its signals (downradar.signals) by service id, and
 * partitions with kafkajs' default partitioner (murmur2 of the key modulo the partition count,
 * services/common/src/kafka/producer.ts). A post's own message is keyed by its id, but what the
 * detector orders by is its signals, keyed by the services ingest reads in its text: the
 * generator's truth says which service a post is about, and that is the shard it goes with.
 * A post that ingest reads as about another service than the generator meant (or several) may
 * reach that service's partition out of turn, by up to the distance the shards run apart
 * (replay.ts); bench:e2e counts the signals that end up late on their partition.
 */
import { keyPartition } from '@downradar/common/kafka/key-partition';
import type { ReplayEvent } from './target';

export { keyPartition };

/** The key whose partition an event's signals follow: the service of a report or of a post's truth. */
export function shardKeyOf(e: ReplayEvent): string {
  if (e.kind === 'report') return e.report.serviceId;
  return e.truth?.serviceId ?? e.post.id ?? '';
}

/** A function from event to shard (its signals partition; keyPartition keeps recent keys' partitions). */
export function partitionSharder(partitions: number): (e: ReplayEvent) => number {
  if (!(Number.isInteger(partitions) && partitions >= 1)) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return (e) => (partitions === 1 ? 0 : keyPartition(shardKeyOf(e), partitions));
}
