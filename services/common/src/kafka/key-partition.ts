/**
 * The partition kafkajs' default partitioner (murmur2 of the key, what createProducer uses) gives
 * a string key over `partitions` partitions, for code that must know where a key lands without
 * producing: the replay sends each signals partition's events as their own ordered stream
 * (services/replay/src/shards.ts).
 */
import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, { partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]>();

export function keyPartition(key: string, partitions: number): number {
  let partitionMetadata = metadata.get(partitions);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    metadata.set(partitions, partitionMetadata);
  }
  return partitioner({ topic: 'key-partition', partitionMetadata, message: { key, value: null } });
}
