/**
 * The detector's own topic (the windows hand-off needs one partition). Reading the state topic
 * back (readStateTopic) is common's, shared with the live sources: it is re-exported here.
 */
import type { Kafka } from 'kafkajs';
import { kafkaError } from '@downradar/common/kafka/errors';
export { readStateTopic, readToEnd, type StateReadResult } from '@downradar/common/kafka/read-topic';

/** Creates a topic with one partition if it is missing (the windows topic needs a total order). */
export async function ensureSinglePartitionTopic(kafka: Kafka, topic: string, retentionMs: number): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await admin.listTopics();
        if (!existing.includes(topic)) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: String(retentionMs) }] }],
          });
        }
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = meta.topics[0]?.partitions.length ?? 0;
        if (partitions !== 1) throw new Error(`${topic} has ${partitions} partitions; the incident stage needs exactly 1 (a total order of windows)`);
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true || /does not host|not available|UNKNOWN_TOPIC/i.test(String((err as Error).message));
        if (!retriable || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  } catch (err) {
    throw kafkaError(err, `ensure ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Partitions of a topic (from metadata). */
export async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? 0;
  } catch (err) {
    throw kafkaError(err, `metadata of ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
