import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { createProducer, PartitionTable } from './producer';
import { keyPartition } from './key-partition';

/**
 * A stand-in for kafkajs: records every sendBatch request and fails the ones `fail` says.
 * `producers` counts the kafkajs producers created (a new one = a new producer id).
 */
/**
 * kafkajs as the producer sees it: topics of PARTITIONS partitions; every sendBatch is recorded;
 * `fail` may make a request throw, `forget` may leave partitions out of a successful answer
 * (what kafkajs does when a partition's leader moved to a broker that had already answered).
 */
const PARTITIONS = 3;
function fakeKafka(fail: (request: number) => Error | undefined, delayMs: number | ((producer: number) => number) = 0, forget: (request: number) => number[] = () => []) {
  const requests: {
    producer: number;
    values: string[];
    partitions?: number[];
    placed: Map<string, number>;
    messages: { key: string | null; value: string; partition: number }[];
    /** The request as kafkajs got it: its topics in order, each with its messages in order. */
    topics: { topic: string; messages: { value: string; partition: number }[] }[];
  }[] = [];
  let producers = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // Requests handed to sendBatch so far, and who waits for a count of them.
  let sent = 0;
  const sentWaiters: { n: number; resolve: () => void }[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
        topics: topics.map((name) => ({ name, partitions: Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId })) })),
      }),
    }),
    producer: () => {
      const id = ++producers;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: { key: string | null; value: string; partition?: number }[] }[] }) => {
          sent++;
          for (const w of sentWaiters.filter((w) => w.n <= sent)) w.resolve();
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, typeof delayMs === 'number' ? delayMs : delayMs(id))).finally(() => inFlight--);
          const partitions = [...new Set(topicMessages.flatMap((t) => t.messages.map((m) => m.partition!)))].sort();
          requests.push({
            producer: id,
            values: topicMessages.flatMap((t) => t.messages.map((m) => m.value)),
            partitions,
            placed: new Map(topicMessages.flatMap((t) => t.messages.map((m) => [m.value, m.partition!] as const))),
            messages: topicMessages.flatMap((t) => t.messages.map((m) => ({ key: m.key, value: m.value, partition: m.partition! }))),
            topics: topicMessages.map((t) => ({ topic: t.topic, messages: t.messages.map((m) => ({ value: m.value, partition: m.partition! })) })),
          });
          const err = fail(requests.length);
          if (err) throw err;
          const forgotten = forget(requests.length);
          return topicMessages.flatMap((t) =>
            [...new Set(t.messages.map((m) => m.partition!))].filter((p) => !forgotten.includes(p)).map((partition) => ({ topicName: t.topic, partition, errorCode: 0 })),
          );
        },
      };
    },
  } as unknown as Kafka;
  /**
   * Resolves once n requests were handed to sendBatch: "this send is on the wire now", without
   * guessing how long the producer takes to get there (a fixed sleep lost that race on a loaded
   * machine).
   */
  const sentRequests = (n: number) => new Promise<void>((resolve) => (sent >= n ? resolve() : sentWaiters.push({ n, resolve })));
  return { kafka, requests, producers: () => producers, maxInFlight: () => maxInFlight, sentRequests };
}

const connectionError = () => Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
const msg = (value: string) => ({ topic: 't', key: 'k', value });

/** The bytes the producer counts for a message (its sizeOf), by partition, in one request. */
const bytesByPartition = (messages: { key: string | null; value: string; partition: number }[]) => {
  const out = new Map<number, number>();
  for (const m of messages) out.set(m.partition, (out.get(m.partition) ?? 0) + m.value.length + (m.key?.length ?? 0) + 70);
  return out;
};
const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('createProducer request size', () => {
  // 60 sends of one message each, 272 bytes a message, queued behind a slow broker.
  const sends = (keyOf: (i: number) => string | null) => Array.from({ length: 60 }, (_, i) => ({ topic: 't', key: keyOf(i), value: `${String(i).padStart(4, '0')}${'x'.repeat(196)}` }));

  it('caps bytes per partition, not per request: a request carries several partitions of up to maxBatchBytes each', async () => {
    const fake = fakeKafka(() => undefined, 5);
    const producer = createProducer({ kafka: fake.kafka, maxBatchBytes: 1000, maxRequestBytes: 10_000 });
    const messages = sends((i) => `k${i % 6}`);
    await Promise.all(messages.map((m) => producer.send([m])));
    await producer.close();
    const shares = fake.requests.map((r) => bytesByPartition(r.messages));
    for (const share of shares) for (const bytes of share.values()) expect(bytes).toBeLessThanOrEqual(1000);
    // More than one partition's cap in one request (at most 1000 bytes a request before).
    expect(Math.max(...shares.map(total))).toBeGreaterThan(1000);
    expect(fake.requests.length).toBeLessThan(60 / 3);
    // Every message once, and each partition's messages in the order they were sent.
    const sent = fake.requests.flatMap((r) => r.messages);
    expect(sent.map((m) => m.value).sort()).toEqual(messages.map((m) => m.value).sort());
    for (let p = 0; p < PARTITIONS; p++) {
      const values = sent.filter((m) => m.partition === p).map((m) => m.value);
      expect(values).toEqual([...values].sort());
    }
  });

  it('caps a whole request at maxRequestBytes', async () => {
    for (const maxRequestBytes of [1000, 1700]) {
      const fake = fakeKafka(() => undefined, 5);
      const producer = createProducer({ kafka: fake.kafka, maxBatchBytes: 1000, maxRequestBytes });
      await Promise.all(sends((i) => `k${i % 6}`).map((m) => producer.send([m])));
      await producer.close();
      const totals = fake.requests.map((r) => total(bytesByPartition(r.messages)));
      for (const t of totals) expect(t).toBeLessThanOrEqual(maxRequestBytes);
      expect(Math.max(...totals)).toBeGreaterThan(maxRequestBytes - 272);
      expect(totals.reduce((a, b) => a + b, 0)).toBe(60 * 272);
    }
  });

  it('counts a message without a key on the partition it is then sent to', async () => {
    const fake = fakeKafka(() => undefined, 5);
    const producer = createProducer({ kafka: fake.kafka, maxBatchBytes: 600, maxRequestBytes: 10_000 });
    await Promise.all(sends(() => null).map((m) => producer.send([m])));
    await producer.close();
    const shares = fake.requests.map((r) => bytesByPartition(r.messages));
    for (const share of shares) for (const bytes of share.values()) expect(bytes).toBeLessThanOrEqual(600);
    expect(Math.max(...shares.map(total))).toBeGreaterThan(600);
    expect(fake.requests.flatMap((r) => r.values)).toHaveLength(60);
  });
});

describe('createProducer', () => {
  it('puts a keyed message on the partition kafkajs would choose, on every send, however many keys it has seen', async () => {
    const fake = fakeKafka(() => undefined);
    const producer = createProducer({ kafka: fake.kafka });
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const expected = (key: string) => partitioner({ topic: 't', partitionMetadata, message: { key, value: '' } });
    // 12,000 keys (past the 10,000 it remembers), then the first ones again
    const keys = Array.from({ length: 12_000 }, (_, i) => `key-${i}`);
    await producer.send(keys.map((key) => ({ topic: 't', key, value: `first:${key}` })));
    await producer.send(keys.slice(0, 500).map((key) => ({ topic: 't', key, value: `again:${key}` })));
    await producer.close();
    const placed = new Map(fake.requests.flatMap((r) => [...r.placed]));
    expect(new Set(placed.values()).size).toBe(PARTITIONS);
    for (const key of keys) expect(placed.get(`first:${key}`)).toBe(expected(key));
    for (const key of keys.slice(0, 500)) expect(placed.get(`again:${key}`)).toBe(expected(key));
  });

  it('sends again, in a new send, the messages of a partition the answer left out', async () => {
    // Keys that land on different partitions (kafkajs' murmur2 partitioner over 3 partitions).
    const fake = fakeKafka(() => undefined, 0, (n) => (n === 1 ? [0, 1, 2].slice(0, 1) : []));
    // One producer: the first request holds every partition (with more, each has its own requests).
    const producer = createProducer({ kafka: fake.kafka, producers: 1 });
    const messages = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map((key, i) => ({ topic: 't', key, value: `v${i}` }));
    await producer.send(messages);
    await producer.close();
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.partitions!.length).toBeGreaterThan(1);
    // Only partition 0's messages went again.
    expect(fake.requests[1]!.partitions).toEqual([0]);
    expect(fake.requests[1]!.values.length).toBeGreaterThan(0);
    expect(fake.requests[1]!.values.length).toBeLessThan(messages.length);
    expect(producer.stats.sentMessages).toBe(messages.length);
  });

  it('with flushOnAck sends what queued during a request right after its acknowledgement, without a second linger', async () => {
    // A 300 ms linger and a 20 ms broker: 'a' goes out after the linger, 'b' is queued while 'a' is on the wire.
    const run = async (flushOnAck: boolean) => {
      const fake = fakeKafka(() => undefined, 20);
      const producer = createProducer({ kafka: fake.kafka, producers: 1, lingerMs: 300, flushOnAck });
      const a = producer.send([msg('a')]).then(() => performance.now());
      while (fake.maxInFlight() === 0) await new Promise((r) => setTimeout(r, 1)); // 'a' is on the wire
      const b = producer.send([msg('b')]).then(() => performance.now());
      const c = producer.send([msg('c')]).then(() => performance.now());
      const [aAt, bAt, cAt] = await Promise.all([a, b, c]);
      await producer.close();
      return { gap: Math.max(bAt, cAt) - aAt, requests: fake.requests.map((r) => r.values) };
    };
    const soon = await run(true);
    const lingered = await run(false);
    // Both queued sends went in one request after 'a''s in either case.
    for (const r of [soon, lingered]) expect(r.requests).toEqual([['a'], ['b', 'c']]);
    // flushOnAck: one round trip after 'a' (20 ms); otherwise the 300 ms linger first.
    expect(soon.gap).toBeLessThan(150);
    expect(lingered.gap).toBeGreaterThanOrEqual(250);
  });

  it('withdraws a message from the queue when the caller gives up before it was sent', async () => {
    const fake = fakeKafka(() => undefined, 50);
    const producer = createProducer({ kafka: fake.kafka });
    const first = producer.send([msg('a')]);
    await fake.sentRequests(1); // 'a' is now in a request
    const giveUp = new AbortController();
    const second = producer.send([msg('b')], { signal: giveUp.signal });
    giveUp.abort();
    await expect(second).rejects.toMatchObject({ code: 'NOT_SENT', retriable: true });
    await first;
    await producer.close();
    expect(fake.requests.map((r) => r.values)).toEqual([['a']]);
  });

  it('lets a request already sent run its course when the caller gives up', async () => {
    const fake = fakeKafka(() => undefined, 50);
    const producer = createProducer({ kafka: fake.kafka });
    const giveUp = new AbortController();
    const sent = producer.send([msg('a')], { signal: giveUp.signal });
    await fake.sentRequests(1);
    giveUp.abort();
    await expect(sent).resolves.toBeUndefined();
    await producer.close();
  });

  it('by default fails the callers of a failed request and starts a new producer id', async () => {
    const fake = fakeKafka((n) => (n === 1 ? connectionError() : undefined));
    const producer = createProducer({ kafka: fake.kafka });
    await expect(producer.send([msg('a')])).rejects.toMatchObject({ name: 'InfraError' });
    await producer.send([msg('b')]);
    await producer.close();
    expect(fake.requests.map(({ producer, values }) => ({ producer, values }))).toEqual([
      { producer: 1, values: ['a'] },
      { producer: 2, values: ['b'] },
    ]);
  });

  it('with retryFailedRequests sends the very same request again with the same producer until the broker takes it', async () => {
    const fake = fakeKafka((n) => (n <= 3 ? connectionError() : undefined), 10);
    const producer = createProducer({ kafka: fake.kafka, retryFailedRequests: true });
    const a = producer.send([msg('a'), msg('b')]);
    await fake.sentRequests(1);
    const c = producer.send([msg('c')]);
    await Promise.all([a, c]);
    await producer.close();
    // 'c' waited behind the failing request instead of taking its sequence numbers.
    expect(fake.requests.map(({ producer, values }) => ({ producer, values }))).toEqual([
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['c'] },
    ]);
  });

  it('with retryFailedRequests still gives up when the broker lost the sequence, and on close', async () => {
    const outOfOrder = Object.assign(new Error('out of order'), { name: 'KafkaJSProtocolError', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });
    const fake = fakeKafka((n) => (n === 1 ? outOfOrder : undefined));
    const producer = createProducer({ kafka: fake.kafka, retryFailedRequests: true });
    await expect(producer.send([msg('a')])).rejects.toMatchObject({ name: 'InfraError' });
    expect(fake.producers()).toBe(2);

    const down = fakeKafka(() => connectionError());
    const closing = createProducer({ kafka: down.kafka, retryFailedRequests: true });
    const pending = closing.send([msg('x')]);
    await new Promise((r) => setTimeout(r, 20));
    await closing.close();
    await expect(pending).rejects.toMatchObject({ name: 'InfraError' });
    await producer.close();
  });
});

/** The first keys `key-<i>` that land on partition p of PARTITIONS. */
const keysOn = (p: number, n: number) => {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (keyPartition(`key-${i}`, PARTITIONS) === p) keys.push(`key-${i}`);
  return keys;
};

describe('createProducer with several producers', () => {
  it('has one request per producer on the wire at once, each partition always on the same producer, in the order sent', async () => {
    for (const producers of [1, 2, 3]) {
      const fake = fakeKafka(() => undefined, 20);
      const producer = createProducer({ kafka: fake.kafka, producers, maxBatchMessages: 10 });
      const keys = [0, 1, 2].flatMap((p) => keysOn(p, 2));
      const messages = Array.from({ length: 120 }, (_, i) => ({ topic: 't', key: keys[i % keys.length]!, value: String(i).padStart(4, '0') }));
      await Promise.all(messages.map((m) => producer.send([m])));
      await producer.close();
      expect(fake.maxInFlight()).toBe(producers);
      const sent = fake.requests.flatMap((r) => r.messages.map((m) => ({ ...m, producer: r.producer })));
      expect(sent.map((m) => m.value).sort()).toEqual(messages.map((m) => m.value));
      for (let p = 0; p < PARTITIONS; p++) {
        const mine = sent.filter((m) => m.partition === p);
        expect(new Set(mine.map((m) => m.producer)).size).toBe(1);
        expect(mine.map((m) => m.value)).toEqual(mine.map((m) => m.value).sort());
      }
      // Partitions p and p + producers share a producer (p mod producers).
      const owner = (p: number) => sent.find((m) => m.partition === p)!.producer;
      if (producers === 2) expect(owner(0)).toBe(owner(2));
      if (producers > 1) expect(owner(0)).not.toBe(owner(1));
    }
  });

  it('resolves a send spanning producers only once every one of them acknowledged its part', async () => {
    // Producers are made as their partitions are first sent to: the first (the fast one) sends partition 0.
    const acked: string[] = [];
    const fake = fakeKafka(() => undefined, (id) => (id === 1 ? 5 : 80));
    const producer = createProducer({ kafka: fake.kafka, producers: 3 });
    const [fast] = keysOn(0, 1);
    const [slow] = keysOn(1, 1);
    const spanning = producer.send([{ topic: 't', key: fast!, value: 'fast' }, { topic: 't', key: slow!, value: 'slow' }]).then(() => acked.push('spanning'));
    await new Promise((r) => setTimeout(r, 40));
    // The fast part is written by now; the send waits for the slow one.
    expect(fake.requests.flatMap((r) => r.values)).toEqual(['fast']);
    expect(acked).toEqual([]);
    await spanning;
    expect(fake.requests.flatMap((r) => r.values).sort()).toEqual(['fast', 'slow']);
    await producer.close();
  });

  it('rejects a send spanning producers when one part fails, after the other parts settled', async () => {
    let failedAt = 0;
    // The first producer made (partition 0's, 'failing') answers in 5 ms with an error, the second in 60 ms.
    const fake = fakeKafka((n) => (n === 1 ? ((failedAt = Date.now()), connectionError()) : undefined), (id) => (id === 1 ? 5 : 60));
    const producer = createProducer({ kafka: fake.kafka, producers: 2 });
    const send = producer.send([{ topic: 't', key: keysOn(0, 1)[0]!, value: 'failing' }, { topic: 't', key: keysOn(1, 1)[0]!, value: 'slow' }]);
    await expect(send).rejects.toMatchObject({ name: 'InfraError' });
    // Rejected only once the slow part was acknowledged too (60 ms after it was sent).
    expect(fake.requests.map((r) => r.values)).toEqual([['failing'], ['slow']]);
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(40);
    await producer.close();
  });

  it('when the caller gives up, withdraws a send none of whose parts was sent, and sends whole one that had a part on the wire', async () => {
    const fake = fakeKafka(() => undefined, 50);
    const producer = createProducer({ kafka: fake.kafka, producers: 2 });
    const [k0] = keysOn(0, 1);
    const [k1] = keysOn(1, 1);
    // The producer of partition 1 is busy with 'first'.
    const first = producer.send([{ topic: 't', key: k1!, value: 'first' }]);
    await fake.sentRequests(1);
    const giveUp = new AbortController();
    // Its partition 0 part goes out at once, its partition 1 part waits behind 'first'.
    const started = producer.send([{ topic: 't', key: k0!, value: 'started-0' }, { topic: 't', key: k1!, value: 'started-1' }], { signal: giveUp.signal });
    await fake.sentRequests(2);
    // Wholly queued (partition 1 only): withdrawn.
    const queued = producer.send([{ topic: 't', key: k1!, value: 'queued' }], { signal: giveUp.signal });
    giveUp.abort();
    await expect(queued).rejects.toMatchObject({ code: 'NOT_SENT', retriable: true });
    await expect(started).resolves.toBeUndefined();
    await first;
    await producer.close();
    expect(fake.requests.flatMap((r) => r.values).sort()).toEqual(['first', 'started-0', 'started-1']);
  });
});

describe("createProducer's kafkajs partitioner", () => {
  it('sends each message to the partition it was placed on, and a message without one where kafkajs would', async () => {
    const made: { createPartitioner?: () => (args: { topic: string; partitionMetadata: unknown[]; message: { key?: unknown; partition?: number | null } }) => number }[] = [];
    const fake = fakeKafka(() => undefined);
    const kafka = { ...fake.kafka, producer: (config: (typeof made)[number]) => (made.push(config), fake.kafka.producer()) } as unknown as Kafka;
    const producer = createProducer({ kafka, producers: 1 });
    await producer.connect();
    const partitioner = made[0]!.createPartitioner!();
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0 }));
    for (let i = 0; i < 200; i++) {
      const key = `key-${i}`;
      // a placed message: its own partition, whatever its key hashes to
      expect(partitioner({ topic: 't', partitionMetadata, message: { key, partition: i % 6 } })).toBe(i % 6);
      // none placed: kafkajs' default partitioner's choice
      expect(partitioner({ topic: 't', partitionMetadata, message: { key } })).toBe(kafkajs({ topic: 't', partitionMetadata: partitionMetadata as never, message: { key, value: null } }));
    }
    await producer.close();
  });
});

/**
 * The request the producer must make of messages all in one request: topics in the order they
 * first occur, within a topic its partitions in the order they first occur, and each partition's
 * messages in the order they were sent (kafkajs writes one record batch per partition as given).
 */
function expectedRequest(messages: { topic: string; key: string; value: string }[]) {
  const topics: { topic: string; messages: { value: string; partition: number }[] }[] = [];
  for (const topic of [...new Set(messages.map((m) => m.topic))]) {
    const mine = messages.filter((m) => m.topic === topic).map((m) => ({ value: m.value, partition: keyPartition(m.key, PARTITIONS) }));
    const partitions = [...new Set(mine.map((m) => m.partition))];
    topics.push({ topic, messages: partitions.flatMap((p) => mine.filter((m) => m.partition === p)) });
  }
  return topics;
}

describe("createProducer's requests by topic and partition", () => {
  it('sends every partition of every topic whole, its messages in the order sent, the partitions in the order they first occur', async () => {
    for (const producers of [1, 2]) {
      const fake = fakeKafka(() => undefined);
      const producer = createProducer({ kafka: fake.kafka, producers });
      // Three topics interleaved message by message (as ingest's report, signal and post), keys over every partition.
      const messages = Array.from({ length: 300 }, (_, i) => ({ topic: ['reports', 'signals', 'posts'][i % 3]!, key: `key-${(i * 7) % 23}`, value: `v${i}` }));
      // Several sends in one turn: one request per producer, made of several parts.
      await Promise.all([0, 1, 2, 3, 4].map((j) => producer.send(messages.slice(j * 60, (j + 1) * 60))));
      await producer.close();
      expect(fake.requests).toHaveLength(producers);
      for (const r of fake.requests) {
        const owned = new Set(r.messages.map((m) => m.partition));
        expect(r.topics).toEqual(expectedRequest(messages.filter((m) => owned.has(keyPartition(m.key, PARTITIONS)))));
      }
      expect(fake.requests.flatMap((r) => r.values).sort()).toEqual(messages.map((m) => m.value).sort());
    }
  });

  it('sends again exactly the messages of the partitions the answer left out, of every topic, in order', async () => {
    const fake = fakeKafka(() => undefined, 0, (n) => (n === 1 ? [1] : []));
    const producer = createProducer({ kafka: fake.kafka, producers: 1 });
    const messages = Array.from({ length: 120 }, (_, i) => ({ topic: i % 2 ? 'signals' : 'reports', key: `key-${i % 17}`, value: `v${i}` }));
    await producer.send(messages);
    await producer.close();
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.topics).toEqual(expectedRequest(messages));
    expect(fake.requests[1]!.topics).toEqual(expectedRequest(messages.filter((m) => keyPartition(m.key, PARTITIONS) === 1)));
    expect(producer.stats.sentMessages).toBe(messages.length);
  });
});

describe('PartitionTable', () => {
  it('has one entry per topic and partition, made once, in the order first asked for', () => {
    const made: string[] = [];
    const table = new PartitionTable((topic, partition) => (made.push(`${topic}:${partition}`), { topic, partition, n: 0 }));
    const asked: [string, number][] = [
      ['b', 2],
      ['a', 2],
      ['b', 0],
      ['b', 2],
      ['a', 0],
      ['a', 2],
      ['c', 5],
      ['b', 0],
    ];
    for (const [topic, partition] of asked) table.entry(topic, partition).n++;
    // A topic equal in content but another string object finds the same entries.
    table.entry(['b', 'b'].join('').slice(1), 2).n++;
    expect(made).toEqual(['b:2', 'a:2', 'b:0', 'a:0', 'c:5']);
    expect(table.entries.map((e) => `${e.topic}:${e.partition}=${e.n}`)).toEqual(['b:2=3', 'a:2=2', 'b:0=2', 'a:0=1', 'c:5=1']);
  });
});
