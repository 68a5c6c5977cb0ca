import type { Kafka } from 'kafkajs';
import { TOPIC_DEFINITIONS, topicNames, type TopicDefinition, type TopicKey } from './topics';
import { kafkaError } from './errors';

export interface EnsureTopicsOptions {
  prefix?: string;
  partitions?: number;
  /** Replicas of each new topic (DOWNRADAR_KAFKA_REPLICATION_FACTOR; 1 on one broker, 3 on the cluster). */
  replicationFactor?: number;
  /** min.insync.replicas of each new topic (DOWNRADAR_KAFKA_MIN_INSYNC_REPLICAS; 2 on the cluster). */
  minInsyncReplicas?: number;
  only?: TopicKey[];
  timeoutMs?: number;
}

/**
 * Create every topic of the table that does not exist yet, and wait until the broker serves
 * their metadata (subscribing to a topic a KRaft broker does not host yet fails).
 * Idempotent: existing topics are left as they are (their replication is not changed).
 */
export async function ensureTopics(kafka: Kafka, opts: EnsureTopicsOptions = {}): Promise<{ created: string[]; existing: string[] }> {
  // While other topics are created or deleted, a KRaft broker briefly answers
  // "does not host this topic-partition": retry the whole step until the deadline.
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopicsOnce(kafka, opts);
    } catch (err) {
      if (Date.now() > deadline || !(err as { retriable?: boolean }).retriable) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}

async function ensureTopicsOnce(kafka: Kafka, opts: EnsureTopicsOptions): Promise<{ created: string[]; existing: string[] }> {
  const names = topicNames(opts.prefix);
  const partitions = opts.partitions ?? 6;
  const replicationFactor = opts.replicationFactor ?? 1;
  const minInsync = opts.minInsyncReplicas ?? 1;
  if (minInsync > replicationFactor) throw new Error(`min.insync.replicas ${minInsync} is more than the replication factor ${replicationFactor}: no acks=all write could succeed`);
  const replication = [{ name: 'min.insync.replicas', value: String(minInsync) }];
  const keys = opts.only ?? (Object.keys(TOPIC_DEFINITIONS) as TopicKey[]);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const wanted = keys.map((k) => ({ key: k, name: names[k], def: TOPIC_DEFINITIONS[k] as TopicDefinition }));
    const missing = wanted.filter((w) => !existing.has(w.name));
    if (missing.length > 0) {
      // createTopics answers false (not an error) when a concurrent creator won the race.
      await admin.createTopics({
        waitForLeaders: true,
        timeout: opts.timeoutMs ?? 30_000,
        topics: missing.map((w) => ({
          topic: w.name,
          numPartitions: w.def.partitions ?? partitions,
          replicationFactor,
          configEntries: [
            ...replication,
            ...(w.def.compacted
              ? [
                  { name: 'cleanup.policy', value: 'compact' },
                  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
                  { name: 'segment.ms', value: '600000' },
                ]
              : [{ name: 'retention.ms', value: String(w.def.retentionMs) }]),
          ],
        })),
      });
    }
    // Wait for metadata of every wanted topic.
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      try {
        await admin.fetchTopicMetadata({ topics: wanted.map((w) => w.name) });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return {
      created: missing.map((w) => w.name),
      existing: wanted.filter((w) => existing.has(w.name)).map((w) => w.name),
    };
  } catch (err) {
    throw kafkaError(err, 'ensureTopics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Delete every topic with the given prefix (tests clean up after themselves). */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  if (!prefix || prefix === 'downradar') throw new Error('refusing to delete the production topics');
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix + '.'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
