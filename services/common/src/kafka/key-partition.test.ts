import { describe, expect, it } from 'vitest';
import { Partitioners, type Kafka } from 'kafkajs';
import { createProducer } from './producer';
import { createRequire } from 'node:module';
import { keyPartition, murmur2 } from './key-partition';

const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2') as (key: string) => number;

/** kafkajs as the producer sees it: `partitions` partitions a topic, every request recorded. */
function recordingKafka(partitions: number) {
  const sent: { topic: string; messages: { key: string }[]; partition?: number }[][] = [];
  const kafka = {
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: { key: string; partition?: number }[] }[] }) => {
        sent.push(topicMessages.map((t) => ({ topic: t.topic, messages: t.messages })));
        return topicMessages.flatMap((t) => [...new Set(t.messages.map((m) => m.partition ?? 0))].map((partition) => ({ topicName: t.topic, partition, errorCode: 0, baseOffset: '0' })));
      },
    }),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
        topics: topics.map((name) => ({ name, partitions: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 })) })),
      }),
    }),
  } as unknown as Kafka;
  return { kafka, sent };
}

describe('keyPartition', () => {
  it('is the partition the producer writes a keyed message to', async () => {
    for (const partitions of [1, 3, 6]) {
      const fake = recordingKafka(partitions);
      const producer = createProducer({ kafka: fake.kafka });
      const keys = ['facebook', 'instagram', 'whatsapp', 'messenger', 'aws', 'twitter', ...Array.from({ length: 200 }, (_, i) => `service-${i}`)];
      await producer.send(keys.map((key) => ({ topic: 't', key, value: 'x' })));
      const written = new Map<string, number>();
      for (const request of fake.sent) for (const t of request) for (const m of t.messages as { key: string; partition: number }[]) written.set(m.key, m.partition);
      expect(written.size).toBe(keys.length);
      for (const key of keys) expect(keyPartition(key, partitions)).toBe(written.get(key));
      if (partitions > 1) expect(new Set(keys.map((k) => keyPartition(k, partitions))).size).toBe(partitions);
    }
  });

  it('is what kafkajs\' default partitioner picks for the key with every partition up, whatever the topic (asked again: the cached answer)', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    for (const partitions of [2, 6, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      for (const key of ['facebook', 'whatsapp', ...Array.from({ length: 100 }, (_, i) => `post-${i}`)]) {
        const expected = partitioner({ topic: 'downradar.signals', partitionMetadata, message: { key, value: 'x' } });
        expect(keyPartition(key, partitions)).toBe(expected);
        expect(keyPartition(key, partitions)).toBe(expected);
      }
    }
  });

  it('hashes as kafkajs\' murmur2 (64-bit Longs) does, for keys of every length and alphabet', () => {
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789.:-_', 'éüßçñ', '日本語のテキスト', '😀🚀', '\u0000\u007f\u0080\u07ff\u0800\uffff', '\ud800\udc00x\ud800'];
    const keys = ['', 'facebook', 'fb-2021-10-04.c16ws.s0.02:g7g10:2'];
    for (let i = 0; i < 3000; i++) {
      const alphabet = [...alphabets[i % alphabets.length]!, ...alphabets[0]!];
      const len = i < 600 ? i % 300 : Math.floor(next() * 90);
      let key = '';
      for (let k = 0; k < len; k++) key += alphabet[Math.floor(next() * alphabet.length)];
      keys.push(key);
    }
    for (const key of keys) {
      expect(murmur2(key), JSON.stringify(key)).toBe(kafkajsMurmur2(key));
      for (const partitions of [1, 3, 6, 7]) expect(keyPartition(key, partitions)).toBe(((kafkajsMurmur2(key) & 0x7fffffff) % partitions));
    }
  });
});
