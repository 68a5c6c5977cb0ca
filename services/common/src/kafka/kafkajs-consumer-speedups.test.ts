import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Batch, KafkajsBatch, decodeRecordBatch, kafkajsConsumerSpeedupsInstalled, type DecodedRecord } from './kafkajs-consumer-speedups';
import { createKafka } from './client';

const require = createRequire(import.meta.url);
const paths = {
  batchDecoder: require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder'),
  batch: require.resolve('kafkajs/src/consumer/batch'),
  recordEncoder: require.resolve('kafkajs/src/protocol/recordBatch/record/v0'),
};

/** kafkajs' own module, compiled from its file (the module cache holds ours). */
function kafkajsOwn<T>(path: string): T {
  const m = new Module(path) as Module & { _compile(code: string, file: string): void };
  m.filename = path;
  m._compile(readFileSync(path, 'utf8'), path);
  return m.exports as T;
}

type KafkaDecoder = Parameters<typeof decodeRecordBatch>[0];
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => KafkaDecoder;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(a: Record<string, unknown>): Promise<{ buffer: Buffer }> };
const ownRecordEncoder = kafkajsOwn<(a: Record<string, unknown>) => unknown>(paths.recordEncoder);
const ownBatchDecoder = kafkajsOwn<typeof decodeRecordBatch>(paths.batchDecoder);

let seed = 11;
const draw = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const text = (n: number) => Array.from({ length: n }, () => 'aZ é€😀\n"{}'[draw(11)]).join('');
const bytesOrText = (): unknown => [null, undefined, '', text(draw(40)), text(draw(3000)), Buffer.from(text(draw(300))), Buffer.alloc(0), JSON.stringify({ id: text(10) })][draw(8)];
const delta = () => [0, 1, 63, 64, 8191, 8192, 2 ** 20, 2 ** 27 - 1, 2 ** 27, 2 ** 28, 2 ** 30 - 1, 2 ** 31 - 1, draw(100_000)][draw(13)]!;
const base = () =>
  ['0', '1', '1633362300000', '9007199254740000', '9007199254740991', '9007199254740992', '9223372036854775000', '-1', String(draw(1_000_000_000))][draw(9)]!;

/** One record batch's bytes as the broker sends them, drawn; some with attribute bits set after encoding. */
async function drawBatch(): Promise<{ bytes: Buffer; count: number }> {
  const count = draw(40);
  const records = Array.from({ length: count }, (_, i) => {
    const r: Record<string, unknown> = { key: bytesOrText(), value: bytesOrText(), offsetDelta: draw(8) === 0 ? delta() : i, timestampDelta: delta() };
    if (draw(15) === 0) r.headers = { 'content-type': 'json' };
    if (draw(30) === 0) r.headers = { a: ['1', '2'], [text(4)]: Buffer.from(text(5)) };
    return ownRecordEncoder(r);
  });
  const rb = await RecordBatch({
    compression: draw(6) === 0 ? 1 : 0,
    firstOffset: Long.fromValue(base()),
    firstTimestamp: base(),
    maxTimestamp: base(),
    lastOffsetDelta: Math.max(0, count - 1),
    records,
  });
  const bytes = Buffer.from(rb.buffer);
  // Attributes (int16 after firstOffset, length, leader epoch, magic and CRC): log-append time,
  // transactional, control.
  const flags = [0, 0, 0, 0x08, 0x10, 0x20, 0x18][draw(7)]!;
  bytes[22] = bytes[22]! | flags;
  return { bytes, count };
}

const shape = (r: { records: DecodedRecord[] }) => JSON.stringify(r, (_, v: unknown) => (v && typeof v === 'object' && 'type' in v && (v as { type: string }).type === 'Buffer' ? `buf:${Buffer.from((v as unknown as { data: number[] }).data).toString('hex')}` : v));

describe('kafkajs record batch decoding', () => {
  it('gives what kafkajs gives: the same fields and records, keys in the same order, for drawn batches (compressed, headers, offsets beyond 2^53, 5-byte varints, log-append time, control)', async () => {
    expect(ownBatchDecoder).not.toBe(decodeRecordBatch);
    let records = 0;
    for (let trial = 0; trial < 250; trial++) {
      const { bytes, count } = await drawBatch();
      const theirs = await ownBatchDecoder(new Decoder(bytes));
      const ours = await decodeRecordBatch(new Decoder(bytes));
      expect(ours.records).toHaveLength(count);
      expect(shape(ours)).toBe(shape(theirs));
      expect(ours).toEqual(theirs);
      for (let i = 0; i < count; i++) {
        expect(Object.keys(ours.records[i]!)).toEqual(Object.keys(theirs.records[i]!));
        expect(ours.records[i]!.batchContext).toBe(ours.records[0]!.batchContext);
      }
      records += count;
    }
    expect(records).toBeGreaterThan(3000);
  });

  it('reads several batches in a row from one fetch and moves the decoder as kafkajs does; a partial batch fails as kafkajs fails', async () => {
    const batches = await Promise.all(Array.from({ length: 5 }, () => drawBatch()));
    const all = Buffer.concat(batches.map((b) => b.bytes));
    const [a, b] = [new Decoder(all), new Decoder(all)];
    for (let i = 0; i < 5; i++) {
      expect(shape(await decodeRecordBatch(a))).toBe(shape(await ownBatchDecoder(b)));
      expect(a.offset).toBe(b.offset);
    }
    const cut = all.subarray(0, all.length - 7);
    const last = batches.slice(0, 4).reduce((n, x) => n + x.bytes.length, 0);
    const [c, d] = [new Decoder(cut), new Decoder(cut)];
    c.offset = d.offset = last;
    await expect(decodeRecordBatch(c)).rejects.toThrow(/partial record batch/);
    await expect(ownBatchDecoder(d)).rejects.toThrow(/partial record batch/);
  });
});

describe('kafkajs Batch', () => {
  const message = (offset: string, control = false) => ({ offset, isControlRecord: control, key: null, value: Buffer.from(offset), batchContext: { producerId: '-1', inTransaction: false } });
  it('keeps the messages kafkajs keeps (at or after the fetched offset, no control records), with its prototype and fields', () => {
    const fetchedOffsets: (string | number)[] = ['0', '5', 5, '100', '9007199254740993', '9007199254740991', '007', 12.5, '-1'];
    for (let trial = 0; trial < 300; trial++) {
      const start = [0, 3, 95, 9007199254740985][draw(4)]!;
      const messages = Array.from({ length: draw(20) }, (_, i) => message(start >= 2 ** 52 ? (BigInt(start) + BigInt(i * 2)).toString() : String(start + i), draw(10) === 0));
      const fetched = fetchedOffsets[draw(fetchedOffsets.length)]!;
      const partitionData = { partition: 2, highWatermark: '123', messages: messages as unknown as DecodedRecord[], abortedTransactions: [] };
      type Made = Record<string, unknown> & { lastOffset(): string; offsetLag(): string };
      const make = (B: typeof KafkajsBatch): Made | string => {
        try {
          return new B('t', fetched, partitionData) as Made;
        } catch (err) {
          return (err as Error).message;
        }
      };
      const theirs = make(KafkajsBatch);
      const ours = make(Batch as unknown as typeof KafkajsBatch);
      if (typeof theirs === 'string' || typeof ours === 'string') {
        // 12.5: kafkajs fails (no BigInt of a fraction), and so does ours, the same way.
        expect(ours).toBe(theirs);
        continue;
      }
      expect(ours).toBeInstanceOf(KafkajsBatch);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(ours).toEqual(theirs);
      expect(ours.lastOffset()).toBe(theirs.lastOffset());
      expect(ours.offsetLag()).toBe(theirs.offsetLag());
    }
  });
});

describe('installed', () => {
  it("kafkajs' consumer in this process uses both (installed before kafkajs loaded)", () => {
    expect(typeof createKafka).toBe('function');
    expect(kafkajsConsumerSpeedupsInstalled).toBe(true);
    expect(require.cache[require.resolve('kafkajs/src/consumer/consumerGroup')]).toBeDefined();
    expect(require.cache[paths.batchDecoder]?.exports).toBe(decodeRecordBatch);
    expect(require.cache[paths.batch]?.exports).toBe(Batch);
  });
});
