import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, linearGroupingInstalled } from './kafkajs-grouping';
import { createProducer } from './producer';
import { createKafka } from './client';

const require = createRequire(import.meta.url);
const groupingPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');

/** kafkajs' own function, compiled from its file (the module cache holds ours). */
function kafkajsOwn(): typeof groupMessagesPerPartition {
  const m = new Module(groupingPath) as Module & { _compile(code: string, file: string): void };
  m._compile(readFileSync(groupingPath, 'utf8'), groupingPath);
  return m.exports as typeof groupMessagesPerPartition;
}

describe('kafkajs grouping by partition', () => {
  it('gives what kafkajs gives: the same partitions, each with its messages in order, the partitioner called in order', () => {
    const own = kafkajsOwn();
    expect(own).not.toBe(groupMessagesPerPartition);
    let seed = 7;
    const draw = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
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

  it('is the one kafkajs uses in this process (installed before kafkajs loaded)', () => {
    expect(typeof createProducer).toBe('function');
    expect(typeof createKafka).toBe('function');
    expect(linearGroupingInstalled).toBe(true);
    // kafkajs is loaded (the imports above) and its sendMessages took the function from this cache entry.
    expect(require.cache[require.resolve('kafkajs/src/producer/sendMessages')]).toBeDefined();
    expect(require.cache[groupingPath]?.exports).toBe(groupMessagesPerPartition);
  });
});
