/**
 * Two functions of kafkajs' consumer (2.2.4) replaced by ones that give the same messages for less
 * CPU (the producer's are in kafkajs-speedups.ts, which loads this file first). Measured with
 * bench/lib/sink-parts.ts: kafkajs' fetch decoding and Batch were about 3 µs of the sink's ~10 µs of
 * its own CPU a report row.
 *
 * 1. Decoding a record batch (kafkajs/src/protocol/recordBatch/v0/decoder): per record kafkajs
 *    makes a Buffer and a Decoder for the record, reads the timestamp delta as a 64-bit `Long`
 *    (BigInt) a byte at a time, and adds each delta to the batch's first timestamp and first offset
 *    by parsing those decimal strings into BigInts and printing the sums again; headers go through
 *    a reduce. Here each record is read in place from the batch's bytes and the sums are Number
 *    arithmetic while every value is a safe integer (offsets and epoch milliseconds are), giving
 *    the same strings. A record with headers, a varint longer than 4 bytes or bytes that do not
 *    end where its length says is decoded by kafkajs' own record decoder: the same objects.
 *
 * 2. A fetch's Batch (kafkajs/src/consumer/batch): its constructor keeps the messages at or after
 *    the fetched offset by parsing every message's offset into a BigInt. Here the comparison is
 *    between Numbers when both are safe integers (else BigInts, as kafkajs); the object is a
 *    kafkajs Batch (its prototype, its fields), only made more cheaply.
 *
 * Both go in kafkajs' place through Node's module cache before kafkajs loads (see
 * kafkajs-speedups.ts); `kafkajsConsumerSpeedupsInstalled` tells whether they did.
 */
import { createRequire } from 'node:module';
import { installModule, kafkajsOwn } from './kafkajs-modules';

const require = createRequire(import.meta.url);
const paths = {
  batchDecoder: require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder'),
  decodeMessages: require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages'),
  batch: require.resolve('kafkajs/src/consumer/batch'),
  consumerGroup: require.resolve('kafkajs/src/consumer/consumerGroup'),
  recordDecoder: require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder'),
  decoder: require.resolve('kafkajs/src/protocol/decoder'),
  errors: require.resolve('kafkajs/src/errors'),
  compression: require.resolve('kafkajs/src/protocol/message/compression'),
  filterAborted: require.resolve('kafkajs/src/consumer/filterAbortedMessages'),
};

/** kafkajs' Decoder, as far as the batch decoder uses it. */
interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readAll(): Buffer;
  slice(size: number): KafkaDecoder;
  forward(size: number): void;
}
type DecoderClass = new (buffer: Buffer) => KafkaDecoder;

/** A consumed record as kafkajs' record decoder returns it. */
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  isControlRecord: boolean;
  batchContext: RecordContext;
}
export interface RecordContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
}

const Decoder = require(paths.decoder) as DecoderClass;
const { KafkaJSPartialMessageError } = require(paths.errors) as { KafkaJSPartialMessageError: new (message: string) => Error };
const { lookupCodecByAttributes } = require(paths.compression) as {
  lookupCodecByAttributes(attributes: number): { decompress(b: Buffer): Promise<Buffer> } | undefined;
};
const kafkajsRecord = require(paths.recordDecoder) as (decoder: KafkaDecoder, context: RecordContext) => DecodedRecord;
const filterAbortedMessages = require(paths.filterAborted) as (a: { messages: DecodedRecord[]; abortedTransactions: unknown[] }) => DecodedRecord[];

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
const EMPTY_HEADERS_DONE = Symbol('no headers');

/** A decimal string as a Number when it is a safe integer, else NaN. */
function safeNumber(s: string): number {
  const n = Number(s);
  return Number.isSafeInteger(n) && String(n) === s ? n : NaN;
}

/** `base + delta` as kafkajs prints it (`Long.fromValue(base).add(delta).toString()`). */
function addToDecimal(base: string, baseNumber: number, delta: number): string {
  const sum = baseNumber + delta;
  if (Number.isSafeInteger(sum)) return String(sum);
  return (BigInt(base) + BigInt(delta)).toString();
}

/**
 * The record at `decoder.offset` (its varint length first), read in place; the decoder moves past
 * it. A record this reader is not sure of goes to kafkajs' own record decoder.
 */
function decodeRecord(decoder: KafkaDecoder, context: RecordContext, firstOffset: number, firstTimestamp: number): DecodedRecord {
  const buf = decoder.buffer;
  const end = buf.length;
  let p = decoder.offset;
  // kafkajs' readVarInt, for varints of at most 4 bytes (values below 2^28: the same result).
  let b = buf[p++]!;
  let length = b & 0x7f;
  if (b >= 0x80) {
    b = buf[p++]!;
    length |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      b = buf[p++]!;
      length |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        b = buf[p++]!;
        length |= (b & 0x7f) << 21;
        if (b >= 0x80) return slowRecord(decoder, context);
      }
    }
  }
  length = (length >>> 1) ^ -(length & 1);
  const start = p;
  const stop = start + length;
  if (length < 0 || stop > end) return slowRecord(decoder, context);
  const attributes = (buf[p++]! << 24) >> 24;
  const read = readRecordFields(buf, p, stop);
  if (read === undefined) return slowRecord(decoder, context);
  decoder.offset = stop;
  const timestamp =
    context.timestampType === LOG_APPEND_TIME && context.maxTimestamp
      ? context.maxTimestamp
      : addToDecimal(context.firstTimestamp, firstTimestamp, fields.timestampDelta);
  return {
    magicByte: context.magicByte,
    attributes,
    timestamp,
    offset: addToDecimal(context.firstOffset, firstOffset, fields.offsetDelta),
    key: fields.key,
    value: fields.value,
    headers: {},
    isControlRecord: context.isControlBatch,
    batchContext: context,
  };
}

/** The fields of the record being read (one record at a time, so one object reused). */
const fields = { timestampDelta: 0, offsetDelta: 0, key: null as Buffer | null, value: null as Buffer | null };

/** A zigzag varint of at most 4 bytes at `at`; sets `varPos` past it, or returns undefined. */
let varPos = 0;
function varInt(buf: Buffer, at: number, stop: number): number | undefined {
  let result = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= stop) return undefined;
    const b = buf[at++]!;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varPos = at;
      return (result >>> 1) ^ -(result & 1);
    }
  }
  return undefined;
}

/** Bytes of `n` (-1: null) at `at`; sets `varPos` past them. */
function bytesAt(buf: Buffer, at: number, n: number, stop: number): Buffer | null | typeof EMPTY_HEADERS_DONE {
  if (n === -1) {
    varPos = at;
    return null;
  }
  if (n < 0 || at + n > stop) return EMPTY_HEADERS_DONE;
  varPos = at + n;
  return buf.subarray(at, at + n);
}

/** Reads timestamp delta, offset delta, key, value and an empty header list into `fields`; undefined when unsure. */
function readRecordFields(buf: Buffer, p: number, stop: number): true | undefined {
  const timestampDelta = varInt(buf, p, stop);
  if (timestampDelta === undefined) return undefined;
  const offsetDelta = varInt(buf, varPos, stop);
  if (offsetDelta === undefined) return undefined;
  const keyLength = varInt(buf, varPos, stop);
  if (keyLength === undefined) return undefined;
  const key = bytesAt(buf, varPos, keyLength, stop);
  if (key === EMPTY_HEADERS_DONE) return undefined;
  const valueLength = varInt(buf, varPos, stop);
  if (valueLength === undefined) return undefined;
  const value = bytesAt(buf, varPos, valueLength, stop);
  if (value === EMPTY_HEADERS_DONE) return undefined;
  const headers = varInt(buf, varPos, stop);
  // kafkajs: -1 and 0 both give {}; any header goes to kafkajs' decoder.
  if ((headers !== 0 && headers !== -1) || varPos !== stop) return undefined;
  fields.timestampDelta = timestampDelta;
  fields.offsetDelta = offsetDelta;
  fields.key = key;
  fields.value = value;
  return true;
}

/** kafkajs' own way: the record's bytes as a slice, its record decoder over them. */
function slowRecord(decoder: KafkaDecoder, context: RecordContext): DecodedRecord {
  // decoder.readVarIntBytes(), as kafkajs' decodeRecord does.
  const d = decoder as KafkaDecoder & { readVarIntBytes(): Buffer };
  return kafkajsRecord(new Decoder(d.readVarIntBytes()), context);
}

function decodeAll(decoder: KafkaDecoder, count: number, context: RecordContext): DecodedRecord[] {
  const firstOffset = safeNumber(context.firstOffset);
  const firstTimestamp = safeNumber(context.firstTimestamp);
  const records = new Array<DecodedRecord>(count);
  for (let i = 0; i < count; i++) records[i] = decodeRecord(decoder, context, firstOffset, firstTimestamp);
  return records;
}

/** kafkajs' RecordBatch v0 decoder (same fields, same records), its records read in place. */
export async function decodeRecordBatch(fetchDecoder: KafkaDecoder) {
  const firstOffset = fetchDecoder.readInt64().toString();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  const remainingBytes = Buffer.byteLength(decoder.buffer);
  if (remainingBytes < length) {
    throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`);
  }
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // the CRC: kafkajs does not check it either
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64().toString();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const inTransaction = (attributes & TRANSACTIONAL_FLAG_MASK) > 0;
  const isControlBatch = (attributes & CONTROL_FLAG_MASK) > 0;
  const timestampType = (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
  const codec = lookupCodecByAttributes(attributes);
  const recordContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction,
    isControlBatch,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType,
  };
  const context: RecordContext = { ...recordContext, magicByte };
  let records: DecodedRecord[];
  if (!codec) {
    // decoder.readArray: an Int32 count, -1 for none.
    const count = decoder.readInt32();
    records = count === -1 ? [] : decodeAll(decoder, count, context);
  } else {
    const count = decoder.readInt32();
    if (count <= 0) records = [];
    else records = decodeAll(new Decoder(await codec.decompress(decoder.readAll())), count, context);
  }
  return { ...recordContext, records };
}

// --- Batch --------------------------------------------------------------------------------------

interface PartitionData {
  partition: number;
  highWatermark: string;
  messages: DecodedRecord[];
  abortedTransactions?: unknown[];
}
type BatchClass = new (topic: string, fetchedOffset: string | number, partitionData: PartitionData) => object;
export const KafkajsBatch = kafkajsOwn<BatchClass>(paths.batch);

/** A kafkajs Batch, the offsets compared as Numbers while they are safe integers. */
export function Batch(topic: string, fetchedOffset: string | number, partitionData: PartitionData): object {
  const fetched = typeof fetchedOffset === 'number' ? (Number.isSafeInteger(fetchedOffset) ? fetchedOffset : NaN) : typeof fetchedOffset === 'string' ? safeNumber(fetchedOffset) : NaN;
  const { abortedTransactions, messages } = partitionData;
  let within: DecodedRecord[] | undefined;
  if (!Number.isNaN(fetched)) {
    within = [];
    for (const m of messages) {
      const o = safeNumber(m.offset);
      if (Number.isNaN(o)) {
        within = undefined;
        break;
      }
      if (o >= fetched) within.push(m);
    }
  }
  if (within === undefined) return new KafkajsBatch(topic, fetchedOffset, partitionData);
  const b = Object.create(KafkajsBatch.prototype) as Record<string, unknown>;
  b.fetchedOffset = fetchedOffset;
  b.topic = topic;
  b.partition = partitionData.partition;
  b.highWatermark = partitionData.highWatermark;
  b.rawMessages = messages;
  b.messagesWithinOffset = within;
  b.messages = filterAbortedMessages({ messages: within, abortedTransactions: abortedTransactions as unknown[] }).filter((m) => !m.isControlRecord);
  return b;
}
Batch.prototype = KafkajsBatch.prototype;

/** Whether kafkajs' consumers in this process use the two replacements above. */
export const kafkajsConsumerSpeedupsInstalled = installModule(paths.batchDecoder, decodeRecordBatch, paths.decodeMessages) && installModule(paths.batch, Batch, paths.consumerGroup);
