import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners, type Kafka as KafkaClient, type KafkaMessage, type Producer as KafkaProducer } from 'kafkajs';
import { createProducer } from './producer';
import { runConsumer } from './consumer';
import { ensureTopics, deleteTopicsWithPrefix } from './admin';
import { topicNames } from './topics';
import { createKafka } from './client';
import { eventually, randomSuffix, readTopicToEnd, testClickHouse, testDatabase, testKafka, testPrefix } from '../testing/index';
import { queryRows } from '../clickhouse/client';
import { repoRoot } from '../lifecycle';

const kafka = testKafka();
const prefix = testPrefix('common');
const topics = topicNames(prefix);
const db = testDatabase('common_kafka');
const ch = testClickHouse();

beforeAll(async () => {
  await ensureTopics(kafka, { prefix, partitions: 2, only: ['reports', 'posts', 'signals', 'detectorState'] });
  await ch.command({ query: `CREATE DATABASE ${db}` });
  await ch.command({ query: `CREATE TABLE ${db}.handled (id String, attempt String) ENGINE = MergeTree() ORDER BY id` });
});
afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
  await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await ch.close();
});

/** The `i` field of each message's JSON value, per key, in the order the topic holds them. */
function sequencesByKey(messages: KafkaMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const key = m.key!.toString();
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push((JSON.parse(m.value!.toString()) as { i: number }).i);
  }
  return byKey;
}

describe('topics', () => {
  it('creates the compacted state topic with cleanup.policy=compact and is idempotent', async () => {
    const again = await ensureTopics(kafka, { prefix, partitions: 2, only: ['reports', 'detectorState'] });
    expect(again.created).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: topics.detectorState, configNames: ['cleanup.policy'] }], includeSynonyms: false });
    await admin.disconnect();
    expect(cfg.resources[0]!.configEntries[0]!.configValue).toBe('compact');
  });
});

describe('producer request size', () => {
  it('sends more than the broker\'s 1 MiB a request when each partition stays under it, and the broker keeps every message once, in order per key', async () => {
    // Its own topic (two partitions): the other tests read the signals topic from its start.
    const topic = topics.posts;
    // One producer: the shape of one producer's requests (with more, each has its own partitions).
    const producer = createProducer({ kafka, maxBatchBytes: 900_000, maxRequestBytes: 8 * 1024 * 1024, producers: 1 });
    await producer.send([{ topic, key: 'warm-up', value: '{}' }]); // the partition count is known from here on
    const before = producer.stats.sentBatches;
    // 20 keys, 10 on each partition (kafkajs' partitioner), so that both partitions fill alike.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const onPartition = (p: number) =>
      Array.from({ length: 200 }, (_, i) => `key-${i}`)
        .filter((key) => partitioner({ topic, partitionMetadata, message: { key, value: null } }) === p)
        .slice(0, 10);
    const keys = [...onPartition(0), ...onPartition(1)];
    expect(keys).toHaveLength(20);
    // 40 concurrent sends of 100 messages, 4.4 MB: at most 900 KB a request would be 5 requests at least.
    const pad = 'x'.repeat(1000);
    const messages = Array.from({ length: 4000 }, (_, i) => ({ topic, key: keys[i % 20]!, value: JSON.stringify({ i, pad }) }));
    await Promise.all(Array.from({ length: 40 }, (_, s) => producer.send(messages.slice(s * 100, (s + 1) * 100))));
    const requests = producer.stats.sentBatches - before;
    await producer.close();
    expect(requests).toBeLessThan(5);
    const got = (await readTopicToEnd(kafka, topic)).filter((m) => m.key?.toString().startsWith('key-'));
    expect(got).toHaveLength(messages.length);
    const byKey = sequencesByKey(got);
    expect(byKey.size).toBe(20);
    for (const [key, seq] of byKey) expect(seq, key).toEqual(messages.filter((m) => m.key === key).map((m) => (JSON.parse(m.value) as { i: number }).i));
  });
});

describe('producer with several kafkajs producers', () => {
  /**
   * The real client and broker, with each kafkajs producer's sendBatch timed: how many requests
   * were on the wire at once.
   */
  function observed(client: KafkaClient) {
    let active = 0;
    let most = 0;
    const wrapped = Object.create(client) as KafkaClient;
    wrapped.producer = (config) => {
      const p: KafkaProducer = client.producer(config);
      const sendBatch = p.sendBatch.bind(p);
      p.sendBatch = async (batch) => {
        most = Math.max(most, ++active);
        try {
          return await sendBatch(batch);
        } finally {
          active--;
        }
      };
      return p;
    };
    return { kafka: wrapped, mostInFlight: () => most };
  }

  it('has two requests on the wire at once against the broker, and the broker holds every message once, in order per partition and key', async () => {
    const topic = `${prefix}.lanes`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const mostInFlight: Record<number, number> = {};
    for (const producers of [1, 2]) {
      const watch = observed(kafka);
      // Small requests (100 messages), so that each producer has several to send one after another.
      const producer = createProducer({ kafka: watch.kafka, producers, maxBatchMessages: 100 });
      const keys = Array.from({ length: 16 }, (_, i) => `${producers}-key-${i}`);
      const messages = Array.from({ length: 4000 }, (_, i) => ({ topic, key: keys[i % keys.length]!, value: JSON.stringify({ i, producers }) }));
      await Promise.all(Array.from({ length: 40 }, (_, s) => producer.send(messages.slice(s * 100, (s + 1) * 100))));
      await producer.close();
      mostInFlight[producers] = watch.mostInFlight();
      const got = (await readTopicToEnd(kafka, topic)).filter((m) => (JSON.parse(m.value!.toString()) as { producers: number }).producers === producers);
      expect(got).toHaveLength(messages.length);
      const byKey = sequencesByKey(got);
      expect(byKey.size).toBe(keys.length);
      for (const [key, seq] of byKey) expect(seq, key).toEqual(messages.filter((m) => m.key === key).map((m) => (JSON.parse(m.value) as { i: number }).i));
    }
    expect(mostInFlight).toEqual({ 1: 1, 2: 2 });
  });
});

describe('producer and consumer runner', () => {
  it('delivers what the producer factory sent to the consumer runner, after acks', async () => {
    const producer = createProducer({ kafka });
    const ids = Array.from({ length: 50 }, (_, i) => `m-${i}`);
    await Promise.all(ids.map((id) => producer.send([{ topic: topics.reports, key: `svc-${id.length % 3}`, value: JSON.stringify({ id }) }])));
    expect(producer.stats.sentMessages).toBe(50);
    // Coalescing: 50 concurrent sends went out in far fewer requests.
    expect(producer.stats.sentBatches).toBeLessThan(50);
    await producer.close();

    const seen = new Set<string>();
    const runner = await runConsumer({
      kafka,
      groupId: `g-${randomSuffix()}`,
      topics: [topics.reports],
      handleBatch: async ({ messages }) => {
        for (const m of messages) seen.add(JSON.parse(m.value!.toString()).id);
      },
    });
    await eventually(async () => (seen.size === 50 ? true : undefined), 30_000, '50 messages');
    await runner.stop();
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('commits only after the handler write is acknowledged: a consumer killed between write and commit gets the message again', async () => {
    const groupId = `g-kill-${randomSuffix()}`;
    const producer = createProducer({ kafka });
    await producer.send([{ topic: topics.signals, key: 'facebook', value: JSON.stringify({ id: 'only-one' }) }]);
    await producer.close();

    // A child process runs the consumer runner; its handler writes to ClickHouse and then the
    // process is killed with SIGKILL before the runner can commit.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', `${repoRoot}/services/common/src/testing/fixtures/kill-after-write.ts`],
      { env: { ...process.env, GROUP: groupId, TOPIC: topics.signals, DB: db }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = await new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    expect(exit.signal, stderr).toBe('SIGKILL');
    const first = await queryRows<{ id: string; attempt: string }>(ch, `SELECT id, attempt FROM ${db}.handled`);
    expect(first).toEqual([{ id: 'only-one', attempt: 'killed' }]);

    // The same group again: the message was not committed, so it is delivered again.
    const again: string[] = [];
    const runner = await runConsumer({
      kafka,
      groupId,
      topics: [topics.signals],
      handleBatch: async ({ messages }) => {
        for (const m of messages) again.push(JSON.parse(m.value!.toString()).id);
      },
    });
    await eventually(async () => (again.length > 0 ? true : undefined), 30_000, 'redelivery');
    await runner.stop();
    expect(again).toEqual(['only-one']);
  });

  it('retries a failing handler with the partition paused, and skips nothing', async () => {
    const producer = createProducer({ kafka });
    await producer.send([1, 2, 3].map((n) => ({ topic: topics.signals, key: 'x', value: JSON.stringify({ id: `r-${n}` }) })));
    await producer.close();
    let failures = 0;
    const got: string[] = [];
    const runner = await runConsumer({
      kafka,
      groupId: `g-retry-${randomSuffix()}`,
      topics: [topics.signals],
      handleBatch: async ({ messages }) => {
        const ids = messages.map((m) => JSON.parse(m.value!.toString()).id as string).filter((i) => i.startsWith('r-'));
        if (ids.length && failures < 2) {
          failures++;
          throw new Error('downstream refused');
        }
        got.push(...ids);
      },
    });
    await eventually(async () => (got.length >= 3 ? true : undefined), 30_000, 'retried batch');
    await runner.stop();
    expect(failures).toBe(2);
    expect(got.sort()).toEqual(['r-1', 'r-2', 'r-3']);
    expect(runner.stats.retries).toBe(2);
  });

  it('lets the batch in hand finish when stopped, and commits its offset (kafkajs drops commits once its own stop has begun)', async () => {
    // A topic of its own, one partition: the batch in hand is exactly these three messages.
    const topic = `${prefix}drain`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = createProducer({ kafka });
    await producer.send(['d-1', 'd-2', 'd-3'].map((id) => ({ topic, key: 'drain', value: JSON.stringify({ id }) })));
    await producer.close();
    const groupId = `g-drain-${randomSuffix()}`;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHand = new Promise<void>((r) => (entered = r));
    const handled: string[][] = [];
    const runner = await runConsumer({
      kafka,
      groupId,
      topics: [topic],
      handleBatch: async ({ messages }) => {
        entered();
        await released;
        handled.push(messages.map((m) => JSON.parse(m.value!.toString()).id as string));
      },
    });
    await inHand;
    const stopped = runner.stop();
    await new Promise((r) => setTimeout(r, 300));
    release();
    await stopped;
    expect(handled).toEqual([['d-1', 'd-2', 'd-3']]);

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(committed!.partitions).toEqual([{ partition: 0, offset: '3', metadata: null }]);
  });

  it('rejects sends with a retriable error when the broker cannot be reached', async () => {
    const deadKafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'dead', config: { retry: { retries: 1, initialRetryTime: 50 } } });
    const producer = createProducer({ kafka: deadKafka, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    await expect(producer.send([{ topic: topics.reports, key: null, value: '{}' }])).rejects.toMatchObject({ name: 'InfraError' });
    await producer.close();
    const all = await readTopicToEnd(kafka, topics.reports);
    expect(all.every((m) => m.value!.toString() !== '{}')).toBe(true);
  });
});
