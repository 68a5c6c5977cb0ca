import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32C, encodeRecord, groupMessagesPerPartition, kafkajsSpeedupsInstalled, type RecordArgs } from './kafkajs-speedups';
import { createProducer } from './producer';
import { createKafka } from './client';

const require = createRequire(import.meta.url);
const paths = {
  grouping: require.resolve('kafkajs/src/producer/groupMessagesPerPartition'),
  record: require.resolve('kafkajs/src/protocol/recordBatch/record/v0'),
  crc32C: require.resolve('kafkajs/src/protocol/recordBatch/crc32C'),
};

/** kafkajs' own function, compiled from its file (the module cache holds ours). */
function kafkajsOwn<T>(path: string): T {
  const m = new Module(path) as Module & { _compile(code: string, file: string): void };
  m.filename = path;
  m._compile(readFileSync(path, 'utf8'), path);
  return m.exports as T;
}

let seed = 7;
const draw = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);

describe('kafkajs grouping by partition', () => {
  it('gives what kafkajs gives: the same partitions, each with its messages in order, the partitioner called in order', () => {
    const own = kafkajsOwn<typeof groupMessagesPerPartition>(paths.grouping);
    expect(own).not.toBe(groupMessagesPerPartition);
    for (let trial = 0; trial < 50; trial++) {
      const partitions = 1 + draw(12);
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      const messages = Array.from({ length: draw(400) }, (_, i) => ({ key: `k${draw(30)}`, value: `v${i}`, partition: draw(partitions) }));
      const calls: [unknown[], unknown[]] = [[], []];
      const partitioner = (which: 0 | 1) => (a: { message: unknown }) => {
        calls[which].push(a.message);
        return (a.message as { partition: number }).partition;
      };
      const theirs = own({ topic: 't', partitionMetadata, messages, partitioner: partitioner(0) });
      const ours = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner: partitioner(1) });
      expect(ours).toEqual(theirs);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(calls[1]).toEqual(calls[0]);
    }
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ value: 'x' }], partitioner: () => 0 })).toEqual({});
  });
});

describe('kafkajs record encoding', () => {
  const own = kafkajsOwn<(a: RecordArgs) => { buffer: Buffer; buf: Buffer }>(paths.record);
  const text = (n: number) => Array.from({ length: n }, () => 'aZ é€😀\n"'[draw(9)]).join('');
  const bytesOrText = (): unknown => [null, undefined, '', text(draw(40)), text(draw(3000)), Buffer.from(text(draw(300))), Buffer.alloc(0)][draw(7)];
  const delta = () => [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 30 - 1, -(2 ** 30) + 1, 2 ** 30, 2 ** 31 + 5, -(2 ** 33), 1_633_362_300_000, draw(100_000)][draw(18)];

  it('writes the bytes kafkajs writes, for text, bytes, null, unicode, long values and every varint width', () => {
    expect(own).not.toBe(encodeRecord);
    for (let i = 0; i < 3000; i++) {
      const args: RecordArgs = { key: bytesOrText(), value: bytesOrText(), offsetDelta: delta(), timestampDelta: delta() };
      if (draw(10) === 0) delete args.offsetDelta;
      if (draw(10) === 0) delete args.timestampDelta;
      if (draw(20) === 0) args.headers = {};
      if (draw(20) === 0) args.headers = { 'content-type': 'json', [text(5)]: text(draw(50)) };
      const ours = encodeRecord(args);
      expect(Buffer.isBuffer(ours.buf)).toBe(true);
      expect(ours.buffer.equals(own(args).buffer), JSON.stringify(args)).toBe(true);
    }
  });
});

describe('kafkajs record batch checksum', () => {
  it('is the CRC-32C kafkajs computes, for every length 0-100 and long buffers, and the standard check value', () => {
    const own = kafkajsOwn<(b: Buffer) => number>(paths.crc32C);
    expect(own).not.toBe(crc32C);
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    const lengths = [...Array.from({ length: 101 }, (_, i) => i), 1000, 4097, 65_536 + 3, 900_000];
    for (const n of lengths) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = draw(256);
      expect(crc32C(b), `length ${n}`).toBe(own(b));
    }
  });
});

describe('installed', () => {
  it('kafkajs in this process uses all three (installed before kafkajs loaded)', () => {
    expect(typeof createProducer).toBe('function');
    expect(typeof createKafka).toBe('function');
    expect(kafkajsSpeedupsInstalled).toBe(true);
    // kafkajs is loaded (the imports above) and took its grouping from this cache entry; its produce
    // request (loaded at the first send) takes the record encoder from the next one.
    expect(require.cache[require.resolve('kafkajs/src/producer/sendMessages')]).toBeDefined();
    expect(require.cache[paths.grouping]?.exports).toBe(groupMessagesPerPartition);
    expect(require.cache[paths.record]?.exports).toBe(encodeRecord);
    expect(require.cache[paths.crc32C]?.exports).toBe(crc32C);
  });
});
