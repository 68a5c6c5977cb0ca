/**
 * kafkajs' Produce request v3 (kafkajs/src/protocol/requests/produce/v3/request.js, which v4-v7
 * reuse), with its encoding written straight into one buffer of the exact size. kafkajs builds
 * each record from a copy of its message (`Record({ ...message, offsetDelta, timestampDelta })`),
 * writes the records into a growing record batch, and copies the batch's bytes again into each
 * enclosing encoder (batch, partition, topic, request): in the profile of ingest in the live day
 * (session 14) the Produce request's encoding was 14.5 % of ingest's busy CPU, 5.4 % of it the
 * record copies alone. Here each record is measured, then written once, and the batch checksum
 * is taken over the bytes in place. The bytes are kafkajs' own (kafkajs-produce-request.test.ts
 * compares whole requests with the original's over drawn messages).
 *
 * Only the common case takes this way: no compression, and every message of the request with a
 * key and value that are text, bytes or null, no headers and no timestamp of its own. Any other
 * request is encoded by kafkajs' own code.
 */
import { createRequire } from 'node:module';
import { kafkajsOwn } from './kafkajs-modules';

const require = createRequire(import.meta.url);

interface LongLike {
  getHighBits(): number;
  getLowBits(): number;
}
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): LongLike; fromInt(v: number): LongLike };
const Encoder = require('kafkajs/src/protocol/encoder') as { prototype: object };
const { Types } = require('kafkajs/src/protocol/message/compression') as { Types: { None: number } };
/**
 * The record batch checksum kafkajs uses: the speedups' one once they are installed, so it is
 * taken from the module cache at the first request, not when this module loads.
 */
let crc32C: ((buf: Buffer) => number) | undefined;

export const produceRequestPath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request');

interface Message {
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
  timestamp?: unknown;
}
interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: Message[];
}
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: PartitionData[] }[];
}
interface RequestLike {
  encode(): Promise<unknown>;
}

const SMALL = 2 ** 30;

/** Bytes of a varint (zigzag) of an int32, as kafkajs writes it. */
export function varIntSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    n++;
    z >>>= 7;
  }
  return n;
}

export function writeVarInt(buf: Buffer, at: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[at++] = z;
  return at;
}

/** Byte length of a key or value (-1: null), or undefined when this encoder does not take it. */
export function bytesLength(v: unknown): number | undefined {
  if (v == null) return -1;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Buffer.isBuffer(v)) return v.length;
  return undefined;
}

/** Bytes of a record's body without headers (the varint of its length not counted): kafkajs' Record v0. */
export function recordBodySize(timestampDelta: number, offsetDelta: number, keyLength: number, valueLength: number): number {
  // attributes, timestamp delta, offset delta, key, value, no headers (varint 0)
  return 1 + varIntSize(timestampDelta) + varIntSize(offsetDelta) + varIntSize(keyLength) + Math.max(keyLength, 0) + varIntSize(valueLength) + Math.max(valueLength, 0) + 1;
}

function writeBytes(buf: Buffer, at: number, v: unknown, length: number): number {
  at = writeVarInt(buf, at, length);
  if (length <= 0) return at;
  if (typeof v === 'string') buf.write(v, at, length, 'utf8');
  else (v as Buffer).copy(buf, at);
  return at + length;
}

/** Writes one record without headers (its length first) at `at`; returns where it ends. */
export function writeRecord(
  buf: Buffer,
  at: number,
  body: number,
  timestampDelta: number,
  offsetDelta: number,
  key: unknown,
  keyLength: number,
  value: unknown,
  valueLength: number,
): number {
  at = writeVarInt(buf, at, body);
  buf[at++] = 0; // attributes
  at = writeVarInt(buf, at, timestampDelta);
  at = writeVarInt(buf, at, offsetDelta);
  at = writeBytes(buf, at, key, keyLength);
  at = writeBytes(buf, at, value, valueLength);
  buf[at++] = 0; // no headers
  return at;
}

function hasHeaders(h: unknown): boolean {
  if (h === undefined) return false;
  if (h === null || typeof h !== 'object') return true;
  for (const _ in h) return true;
  return false;
}

function writeInt64(buf: Buffer, at: number, v: unknown): number {
  const l = Long.fromValue(v);
  buf.writeInt32BE(l.getHighBits(), at);
  buf.writeInt32BE(l.getLowBits(), at + 4);
  return at + 8;
}

/** The request's bytes as kafkajs' encode() gives them, or undefined when a message is not of the common case. */
export function encodeProduceRequest(args: ProduceArgs): { buf: Buffer; offset: number } | undefined {
  const { acks, timeout, transactionalId = null, producerEpoch = 0, compression = Types.None, topicData } = args;
  const producerId = args.producerId ?? Long.fromInt(-1);
  if (compression !== Types.None) return undefined;
  // First pass: check every message and measure everything.
  const keyLengths: number[] = [];
  const valueLengths: number[] = [];
  const recordSizes: number[] = [];
  let total = 2 + (transactionalId == null ? 0 : Buffer.byteLength(transactionalId, 'utf8')) + 2 + 4 + 4;
  for (const t of topicData) {
    total += 2 + Buffer.byteLength(t.topic, 'utf8') + 4;
    for (const p of t.partitions) {
      const messages = p.messages;
      if (messages.length === 0 || messages.length >= SMALL) return undefined;
      // partition, batch size, first offset, batch length, leader epoch, magic, crc, body header, record count
      total += 4 + 4 + 8 + 4 + 4 + 1 + 4 + (2 + 4 + 8 + 8 + 8 + 2 + 4) + 4;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        if (m.timestamp != null || hasHeaders(m.headers)) return undefined;
        const k = bytesLength(m.key);
        const v = bytesLength(m.value);
        if (k === undefined || v === undefined) return undefined;
        keyLengths.push(k);
        valueLengths.push(v);
        // timestamp delta 0: no message has a timestamp of its own
        const body = recordBodySize(0, i, k, v);
        recordSizes.push(body);
        total += varIntSize(body) + body;
      }
    }
  }
  crc32C ??= require('kafkajs/src/protocol/recordBatch/crc32C') as (buf: Buffer) => number;
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  if (transactionalId == null) at = buf.writeInt16BE(-1, at);
  else {
    at = buf.writeInt16BE(Buffer.byteLength(transactionalId, 'utf8'), at);
    at += buf.write(transactionalId, at, 'utf8');
  }
  at = buf.writeInt16BE(acks, at);
  at = buf.writeInt32BE(timeout, at);
  at = buf.writeInt32BE(topicData.length, at);
  const attributes = transactionalId ? 16 : 0;
  let r = 0;
  for (const t of topicData) {
    at = buf.writeInt16BE(Buffer.byteLength(t.topic, 'utf8'), at);
    at += buf.write(t.topic, at, 'utf8');
    at = buf.writeInt32BE(t.partitions.length, at);
    for (const p of t.partitions) {
      const messages = p.messages;
      const dateNow = Date.now();
      at = buf.writeInt32BE(p.partition, at);
      const sizeAt = at;
      at += 4;
      const recordBatchStart = at;
      at = writeInt64(buf, at, Long.fromInt(0));
      const batchLengthAt = at;
      at += 4;
      const batchStart = at;
      at = buf.writeInt32BE(0, at); // partition leader epoch
      buf[at++] = 2; // magic
      const crcAt = at;
      at += 4;
      const bodyStart = at;
      at = buf.writeInt16BE(attributes, at);
      at = buf.writeInt32BE(messages.length - 1, at);
      at = writeInt64(buf, at, dateNow);
      at = writeInt64(buf, at, dateNow);
      at = writeInt64(buf, at, producerId);
      at = buf.writeInt16BE(producerEpoch, at);
      at = buf.writeInt32BE(p.firstSequence ?? 0, at);
      at = buf.writeInt32BE(messages.length, at);
      for (let i = 0; i < messages.length; i++, r++) {
        const m = messages[i]!;
        at = writeRecord(buf, at, recordSizes[r]!, 0, i, m.key, keyLengths[r]!, m.value, valueLengths[r]!);
      }
      buf.writeUInt32BE(crc32C(buf.subarray(bodyStart, at)), crcAt);
      buf.writeInt32BE(at - batchStart, batchLengthAt);
      buf.writeInt32BE(at - recordBatchStart, sizeAt);
    }
  }
  if (at !== total) throw new Error(`produce request: wrote ${at} bytes of ${total}`);
  return { buf, offset: at };
}

type ProduceRequest = (args: ProduceArgs) => RequestLike;

/** kafkajs' Produce v3 request with the encoding above in the common case. */
export function produceRequestWith(own: ProduceRequest): ProduceRequest {
  return (args) => {
    const request = own(args);
    const encodeOwn = request.encode;
    return {
      ...request,
      encode: async () => {
        const fast = encodeProduceRequest(args);
        if (!fast) return encodeOwn();
        const e = Object.create(Encoder.prototype) as { buf: Buffer; offset: number };
        e.buf = fast.buf;
        e.offset = fast.offset;
        return e;
      },
    };
  };
}

/** kafkajs' own Produce v3 request module (compiled apart from the module cache). */
export const kafkajsProduceRequest = (): ProduceRequest => kafkajsOwn<ProduceRequest>(produceRequestPath);
