/**
 * The partition kafkajs' default partitioner gives a string key over `partitions` partitions:
 * murmur2 of the key modulo the count, whatever the topic. createProducer places keyed messages
 * with it, and the replay uses it to send each signals partition's events as their own ordered
 * stream without producing (services/replay/src/shards.ts).
 */
// First, before kafkajs loads: three of its producer's hot functions made cheaper (kafkajs-speedups.ts).
import './kafkajs-speedups';
import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, { partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]>();
/**
 * The partitions of recent keys, per partition count: most messages are keyed by one of a few
 * hundred service ids, and hashing each again (with the partitioner's per-call bookkeeping) was a
 * visible part of a produce batch's cost. Bounded: keys that are ids (posts) would otherwise pile up.
 */
const known = new Map<number, Map<string, number>>();

export function keyPartition(key: string, partitions: number): number {
  let byKey = known.get(partitions);
  if (!byKey) known.set(partitions, (byKey = new Map()));
  let p = byKey.get(key);
  if (p === undefined) {
    let partitionMetadata = metadata.get(partitions);
    if (!partitionMetadata) {
      partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      metadata.set(partitions, partitionMetadata);
    }
    p = partitioner({ topic: 'key-partition', partitionMetadata, message: { key, value: null } });
    if (byKey.size >= 10_000) byKey.clear();
    byKey.set(key, p);
  }
  return p;
}
