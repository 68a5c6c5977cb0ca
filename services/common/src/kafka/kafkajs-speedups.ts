/**
 * Three functions of kafkajs' producer (2.2.4) replaced by ones that give the same result for less
 * CPU. The first two were each a large part of ingest's busy CPU on NDJSON batches (profile in the README, "Ingest,
 * session 8"); bare kafkajs pays the same costs.
 *
 * 1. Grouping a request's messages by partition (kafkajs/src/producer/groupMessagesPerPartition.js):
 *
 *      messages.reduce((result, m) => Object.assign(result, { [p]: [...(result[p] || []), m] }), {})
 *
 *    copies a partition's list so far for every message: k²/2 copies for k messages on a partition
 *    (2-4 µs a message at the 5,000-20,000 messages of ingest's requests, measured alone; 7.7 % of
 *    ingest's busy CPU). Here: linear, the same partitions with their messages in the order given,
 *    the partitioner called once per message in order.
 *
 * 2. Encoding one record (kafkajs/src/protocol/recordBatch/record/v0): a zero-filled 512-byte
 *    buffer per record, a `Buffer.from([...])` for every varint written and 64-bit `Long` objects
 *    for the timestamp delta (10 % of ingest's busy CPU, with the buffers' garbage besides). Here:
 *    the record's exact size computed once and its bytes written into one buffer of that size; the
 *    bytes are the same as kafkajs' (tested byte for byte). Records with headers, a key or value
 *    that is neither text, bytes nor null, or deltas beyond ±2^30 go to kafkajs' own encoder.
 *
 * 3. The CRC-32C of each record batch (kafkajs/src/protocol/recordBatch/crc32C): a table lookup a
 *    byte; here eight bytes a step (slicing by 8), the same checksum.
 *
 * 4. (Session 14, kafkajs-produce-request.ts) the whole Produce request written into one buffer of
 *    its exact size; requests it does not take go through kafkajs' own request with 2 and 3.
 *
 * All four go in kafkajs' place through Node's module cache before kafkajs loads: the modules that use
 * them take them with `require(...)` when they are first loaded. So every file in this folder that
 * loads kafkajs imports this module first. If kafkajs was loaded before (some other import loaded
 * it), nothing is replaced and kafkajs' own functions run: the same bytes, more CPU;
 * `kafkajsSpeedupsInstalled` tells which (tests assert it, in ingest's process too).
 */
import { createRequire } from 'node:module';
import { installModule } from './kafkajs-modules';
import { bytesLength, kafkajsProduceRequest, produceRequestWith, recordBodySize, varIntSize, writeRecord } from './kafkajs-produce-request';
// The consumer's two replacements (record batch decoding, Batch), installed with these.
import './kafkajs-consumer-speedups';

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
const paths = {
  grouping: require.resolve('kafkajs/src/producer/groupMessagesPerPartition'),
  sendMessages: require.resolve('kafkajs/src/producer/sendMessages'),
  record: require.resolve('kafkajs/src/protocol/recordBatch/record/v0'),
  crc32C: require.resolve('kafkajs/src/protocol/recordBatch/crc32C'),
  recordBatch: require.resolve('kafkajs/src/protocol/recordBatch/v0'),
  produceRequest: require.resolve('kafkajs/src/protocol/requests/produce/v3/request'),
  encoder: require.resolve('kafkajs/src/protocol/encoder'),
};

/** What kafkajs' record encoder takes (its Record v0 arguments). */
export interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}
/** What it returns: a kafkajs Encoder (the record batch reads `buf` and `buffer`). */
interface EncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

// Loaded before kafkajs' producer: neither module requires the grouping or the produce request.
const Encoder = require(paths.encoder) as { prototype: object };
const kafkajsRecord = require(paths.record) as (args: RecordArgs) => EncoderLike;

const SMALL = 2 ** 30;

/** kafkajs' Record v0 encoder, the same bytes in one exact-size buffer. */
export function encodeRecord(args: RecordArgs): EncoderLike {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args;
  const keyLength = bytesLength(key);
  const valueLength = bytesLength(value);
  if (
    keyLength === undefined ||
    valueLength === undefined ||
    (headers !== undefined && Object.keys(headers).length > 0) ||
    !Number.isInteger(timestampDelta) ||
    !Number.isInteger(offsetDelta) ||
    Math.abs(timestampDelta) >= SMALL ||
    Math.abs(offsetDelta) >= SMALL
  )
    return kafkajsRecord(args);
  const body = recordBodySize(timestampDelta, offsetDelta, keyLength, valueLength);
  const buf = Buffer.allocUnsafe(varIntSize(body) + body);
  const at = writeRecord(buf, 0, body, timestampDelta, offsetDelta, key, keyLength, value, valueLength);
  const e = Object.create(Encoder.prototype) as EncoderLike;
  e.buf = buf;
  e.offset = at;
  return e;
}

/**
 * CRC-32C tables for slicing by 8 (Intel's method): eight bytes a step instead of one, the same
 * checksum as kafkajs' byte-at-a-time table loop (tested against it).
 */
const CRC_TABLES = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0]![n]!;
    for (let k = 1; k < 8; k++) {
      c = t[0]![c & 0xff]! ^ (c >>> 8);
      t[k]![n] = c;
    }
  }
  return t;
})();

/** kafkajs' crc32C (recordBatch/crc32C): the CRC-32C of a record batch, unsigned. */
export function crc32C(buf: Buffer): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  let crc = -1;
  let i = 0;
  const end8 = buf.length - (buf.length % 8);
  for (; i < end8; i += 8) {
    crc ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    crc =
      t7[crc & 0xff]! ^
      t6[(crc >>> 8) & 0xff]! ^
      t5[(crc >>> 16) & 0xff]! ^
      t4[crc >>> 24]! ^
      t3[buf[i + 4]!]! ^
      t2[buf[i + 5]!]! ^
      t1[buf[i + 6]!]! ^
      t0[buf[i + 7]!]!;
  }
  for (; i < buf.length; i++) crc = t0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** Whether kafkajs' producers in this process use the four replacements above. */
export const kafkajsSpeedupsInstalled =
  installModule(paths.grouping, groupMessagesPerPartition, paths.sendMessages) && installModule(paths.record, encodeRecord, paths.produceRequest) && installModule(paths.crc32C, crc32C, paths.recordBatch) &&
  // 4. The Produce request written into one buffer (kafkajs-produce-request.ts); its own code,
  // compiled here, takes the record encoder and the checksum above from the module cache.
  installModule(paths.produceRequest, produceRequestWith(kafkajsProduceRequest()), paths.produceRequest);
