/**
 * kafkajs groups a send's messages by partition with
 *
 *   messages.reduce((result, m) => Object.assign(result, { [p]: [...(result[p] || []), m] }), {})
 *
 * (kafkajs/src/producer/groupMessagesPerPartition.js, 2.2.4): every message copies its
 * partition's list so far, so a request with k messages on a partition costs k²/2 copies and as
 * much garbage. Ingest's requests carry thousands of messages a partition: the profile of NDJSON
 * batches showed this one function at 7.7 % of ingest's busy CPU (2-4 µs a message at 5,000-20,000
 * messages a request, measured alone), besides the garbage collection it causes.
 *
 * This module puts a linear grouping with the same result (the same partitions, each with its
 * messages in the order given; the partitioner called once per message, in order) in kafkajs'
 * place, through Node's module cache, before kafkajs loads: sendMessages.js takes the function
 * with `require('./groupMessagesPerPartition')` when it is first loaded. So every file in this
 * folder that loads kafkajs imports this module first. If kafkajs was loaded before (some other
 * import loaded it), nothing is replaced and kafkajs' own function runs: the same result, slower;
 * `linearGroupingInstalled` tells which (the producer's tests assert it is installed).
 */
import Module, { createRequire } from 'node:module';

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;

/** kafkajs' groupMessagesPerPartition, linear: an object from partition to its messages in order. */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: Partitioner;
}): Record<number, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, unknown[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list) list.push(message);
    else result[partition] = [message];
  }
  return result;
}

const require = createRequire(import.meta.url);
const groupingPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');
const sendMessagesPath = require.resolve('kafkajs/src/producer/sendMessages');

function install(): boolean {
  const cache = require.cache;
  if (cache[groupingPath]?.exports === groupMessagesPerPartition) return true;
  // Too late: kafkajs already holds its own function.
  if (cache[sendMessagesPath]) return false;
  const m = new Module(groupingPath);
  m.filename = groupingPath;
  m.loaded = true;
  m.exports = groupMessagesPerPartition;
  cache[groupingPath] = m;
  return true;
}

/** Whether kafkajs' producers in this process group with the linear function above. */
export const linearGroupingInstalled = install();
