/**
 * The signals rows read straight from a binary message's bytes (signal-bytes.ts, used by the
 * sink's mapEncoded) against today's path (readSignalMessage, signalRow, the signals layout's
 * RowBinary encoder): over many drawn messages — one or many signals, of one service or several,
 * every field at and past its bounds, unicode valid and not, times past DateTime, confidence out
 * of range, cut messages, bytes after the end, random byte changes — the same RowBinary bytes and
 * the same dead letters, in batches and message by message.
 */
import { describe, expect, it } from 'vitest';
import { BinaryWriter, rowBinaryEncoder } from '@downradar/common/clickhouse/row-binary';
import { seededRandom } from '@downradar/common/seeded-random';
import { encodeSignalBatch } from '@downradar/common';
import { OFFICIAL_STATUSES, PROBLEM_CATEGORIES, SIGNAL_KINDS, type SignalEvent } from '../../../schemas/events/index';
import { LAYOUTS, mapBatch, type MessageOrigin, type SignalRow } from './rows';
import { mapEncoded } from './batch-handler';
import { encodeSignalBytes } from './signal-bytes';

const NOW = Date.UTC(2021, 9, 4, 16, 0, 0);
const ORIGIN: Omit<MessageOrigin, 'offset'> = { topicKey: 'signals', topic: 'downradar.signals', partition: 1 };
const encodeRow = rowBinaryEncoder<SignalRow>(LAYOUTS.signals);

/** Today's path for a batch: rows through mapBatch (no byte reader), each encoded by the layout. */
function todays(messages: { value: Buffer | null; offset: string }[]) {
  const m = mapBatch(ORIGIN, messages, NOW);
  const w = new BinaryWriter(1024);
  for (const row of (m.rows.get('signals') ?? []) as SignalRow[]) encodeRow(w, row);
  return { body: Buffer.from(w.view()), tables: [...m.rows.keys()], deadLetters: m.deadLetters, publish: m.publish };
}

/** The sink's path (mapEncoded: the byte reader first, today's path for the rest). */
function sinks(messages: { value: Buffer | null; offset: string }[]) {
  const m = mapEncoded(ORIGIN, messages as never, NOW);
  const parts = m.rows.get('signals') ?? [];
  return { body: Buffer.concat(parts.map((p) => p.body!)), tables: [...m.rows.keys()], deadLetters: m.deadLetters, publish: m.publish };
}

const rand = seededRandom(18_2026);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const chance = (p: number) => rand() < p;
/** While set, the draws below take only their common, valid branch (a message the byte reader should take). */
let clean = false;
const usually = (p: number) => clean || rand() < p;
const int = (n: number) => Math.floor(rand() * n);

const PIECES = ['a', 'Z', '0', ' ', '-', '_', '.', ':', '"', '\\', '\n', '\u0000', '\u007f', '\u0080', 'é', 'ß', '€', '\u2028', '😀', '\ud800', '\udfff', '\ufeff', '#', '\uffff', '\u{10ffff}', '中'];
function drawString(max: number): string {
  const n = int(max + 1);
  let s = '';
  const mode = rand();
  for (let i = 0; i < n; i++) s += mode < 0.6 ? String.fromCharCode(97 + int(26)) : pick(PIECES);
  return s;
}
const around = (limit: number) =>
  pick([() => 'x'.repeat(limit), () => 'x'.repeat(limit + 1), () => 'x'.repeat(limit - 1) + 'é', () => 'é'.repeat(limit / 2), () => 'é'.repeat(limit), () => '😀'.repeat(limit / 4), () => '😀'.repeat(limit)])();
const time = () =>
  usually(0.85)
    ? Date.UTC(2021, 9, 4, 15, 40) + int(7 * 3600_000)
    : pick([0, 1, 999, 1000, 4_294_967_295_999, 4_294_967_296_000, 99_999_999_999_999, 100_000_000_000_000, 8_640_000_000_000_000, Number.MAX_SAFE_INTEGER, -1, -1000]);
const id = () => (usually(0.9) ? `p${int(1e9)}:x.Y_${int(99)}-z` : pick([() => 'x'.repeat(128), () => 'x'.repeat(129), () => '', () => drawString(10), () => 'a b', () => 'é'])());
const SERVICES = ['facebook', 'whatsapp', 'whats', 'at-t', 'at', '0day', 'a'.repeat(63)];
const BAD_SERVICES = ['a'.repeat(64), '-x', 'Facebook', '', 'a_b', 'é', 'x y'];

function drawSignal(service: string): SignalEvent {
  const sourceId = id();
  const s: Record<string, unknown> = {
    id: chance(0.3) ? sourceId : id(),
    sourceId,
    serviceId: usually(0.97) ? service : pick([...SERVICES, ...BAD_SERVICES]),
    kind: pick(SIGNAL_KINDS),
    at: time(),
    receivedAt: time(),
    outage: chance(0.5),
    problem: pick(PROBLEM_CATEGORIES),
    confidence: usually(0.9) ? rand() : pick([0, 1, -0, 1.0000001, -0.1, 2, NaN, Infinity, 1e-300]),
  };
  if (chance(0.7)) s.country = usually(0.9) ? pick(['US', 'BR', 'IN', 'GB']) : pick(['us', 'USA', '', 'U', 'É1', 'Ü', 'A1']);
  if (chance(0.8)) s.reporterHash = usually(0.85) ? 'f0'.repeat(32) : pick([() => around(128), () => '', () => drawString(10)])();
  s.hashtags = chance(0.6) ? [] : Array.from({ length: usually(0.95) ? 1 + int(4) : pick([50, 51]) }, () => (usually(0.8) ? pick(['down', 'whatsappdown', 'ausfall', 'caída', '故障']) : chance(0.5) ? around(140) : drawString(12)));
  if (chance(0.3)) s.evidence = Array.from({ length: usually(0.95) ? int(4) : pick([10, 11]) }, () => (usually(0.7) ? 'login failed' : chance(0.5) ? around(200) : drawString(20)));
  if (chance(0.1)) s.officialStatus = pick(OFFICIAL_STATUSES);
  return s as unknown as SignalEvent;
}

/** Invalid UTF-8 and edge forms to put into a string's bytes. */
const ODD_UTF8 = [
  [0x80], [0xc0, 0x80], [0xc2], [0xc2, 0x41], [0xe0, 0x80, 0x80], [0xe0, 0xa0, 0x80], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], [0xf0, 0x9f, 0x98], [0xe2, 0x80, 0xa8],
];

function drawValue(): { value: Buffer | null; kind: string } {
  const k = rand();
  if (k < 0.005) return { value: null, kind: 'null' };
  if (k < 0.02) return { value: Buffer.from(pick(['', '[]', '{}', '\u0000', '\u0000\u0001', '\u0000\u0002\u0002', '\u0000\u0001\u0000'])), kind: 'short' };
  clean = chance(0.5);
  const service = usually(0.9) ? pick(SERVICES) : pick(BAD_SERVICES);
  const signals = Array.from({ length: chance(0.3) ? 1 : 1 + int(30) }, () => drawSignal(service));
  if (k < 0.04) return { value: Buffer.from(JSON.stringify(signals)), kind: 'json' };
  let value: Buffer;
  try {
    value = encodeSignalBatch(signals);
  } catch {
    return { value: Buffer.from(JSON.stringify(signals)), kind: 'json' };
  }
  if (k < 0.7) return { value, kind: 'encoded' };
  if (k < 0.76) return { value: value.subarray(0, int(value.length)), kind: 'cut' };
  if (k < 0.8) return { value: Buffer.concat([value, Buffer.from([pick([0, 1, 2, 0x80])])]), kind: 'trailing' };
  if (k < 0.86) {
    // an odd UTF-8 sequence in place of a byte of the middle
    const at = 2 + int(value.length - 2);
    return { value: Buffer.concat([value.subarray(0, at), Buffer.from(pick(ODD_UTF8)), value.subarray(at + 1)]), kind: 'utf8' };
  }
  const copy = Buffer.from(value);
  for (let n = 1 + int(3); n > 0; n--) copy[2 + int(copy.length - 2)] = chance(0.5) ? int(256) : pick([0, 1, 2, 3, 0x7f, 0x80, 0xff]);
  return { value: copy, kind: 'changed' };
}

describe('signals read from their bytes', () => {
  it('gives the same RowBinary bytes and dead letters as decoding them, over many drawn messages', () => {
    const kinds = new Map<string, number>();
    let taken = 0;
    let messages = 0;
    for (let round = 0; round < 150; round++) {
      const batch = Array.from({ length: 1 + int(40) }, (_, i) => {
        const d = drawValue();
        kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
        return { value: d.value, offset: String(1000 + round * 100 + i) };
      });
      expect(sinks(batch)).toEqual(todays(batch));
      for (const m of batch) {
        messages++;
        expect(sinks([m])).toEqual(todays([m]));
        if (m.value !== null && encodeSignalBytes(new BinaryWriter(16), m.value) > 0) taken++;
      }
    }
    // Both paths well exercised: most encoded messages are read from their bytes, many drawn ones are not.
    expect(kinds.get('encoded')).toBeGreaterThan(1500);
    for (const k of ['cut', 'trailing', 'utf8', 'changed', 'json', 'short', 'null']) expect(kinds.get(k) ?? 0).toBeGreaterThan(10);
    expect(taken).toBeGreaterThan(messages * 0.25);
    expect(messages - taken).toBeGreaterThan(messages * 0.25);
  });

  it('writes nothing for a message it does not take, and the rows of one it takes after what is there', () => {
    const good = encodeSignalBatch([drawSignalOk(), drawSignalOk()]);
    const w = new BinaryWriter(16);
    expect(encodeSignalBytes(w, good)).toBe(2);
    const first = Buffer.from(w.view());
    expect(encodeSignalBytes(w, good.subarray(0, good.length - 1))).toBe(0);
    expect(Buffer.from(w.view())).toEqual(first);
    expect(encodeSignalBytes(w, good)).toBe(2);
    expect(Buffer.from(w.view())).toEqual(Buffer.concat([first, first]));
  });

  it('takes a message whose signals come in two Avro blocks', () => {
    const [a, b] = [drawSignalOk(), drawSignalOk()];
    const one = encodeSignalBatch([a]);
    const two = encodeSignalBatch([b]);
    // 0x00 0x01, count 1, signal a, count 1, signal b, 0
    const blocks = Buffer.concat([one.subarray(0, one.length - 1), two.subarray(2)]);
    const m = [{ value: blocks, offset: '7' }];
    expect(encodeSignalBytes(new BinaryWriter(16), blocks)).toBe(2);
    expect(sinks(m)).toEqual(todays(m));
    expect(todays(m).deadLetters).toEqual([]);
  });

  it('leaves a message of two services to the decoder, also when one service starts the other', () => {
    for (const [a, b] of [['whatsapp', 'whats'], ['whats', 'whatsapp'], ['at-t', 'at-u']]) {
      const m = [{ value: encodeSignalBatch([{ ...drawSignalOk(), serviceId: a! }, { ...drawSignalOk(), serviceId: b! }]), offset: '5' }];
      expect(encodeSignalBytes(new BinaryWriter(16), m[0]!.value)).toBe(0);
      expect(sinks(m)).toEqual(todays(m));
      expect(todays(m).deadLetters).toHaveLength(1);
    }
  });

  it('counts the items of every block of a list against its bound', () => {
    // hashtags of 25 items in one block, made into the same items twice in two blocks: 50 (the
    // schema's bound) are stored, 52 (two blocks of 26) are a dead letter either way.
    const bytesOf = (items: number) => {
      const s: SignalEvent = { ...drawSignalOk(), hashtags: Array.from({ length: items }, () => 'a') };
      delete s.country;
      delete s.reporterHash;
      delete s.evidence;
      const one = encodeSignalBatch([s]);
      const block = Buffer.from([items * 2, ...Array.from({ length: items }, () => [0x02, 0x61]).flat()]);
      const at = one.indexOf(block);
      expect(at).toBeGreaterThan(0);
      return Buffer.concat([one.subarray(0, at), block, block, one.subarray(at + block.length)]);
    };
    const fifty = [{ value: bytesOf(25), offset: '8' }];
    expect(encodeSignalBytes(new BinaryWriter(16), fifty[0]!.value)).toBe(1);
    expect(sinks(fifty)).toEqual(todays(fifty));
    expect(todays(fifty).deadLetters).toEqual([]);
    const over = [{ value: bytesOf(26), offset: '9' }];
    expect(encodeSignalBytes(new BinaryWriter(16), over[0]!.value)).toBe(0);
    expect(sinks(over)).toEqual(todays(over));
    expect(todays(over).deadLetters).toHaveLength(1);
  });
});

function drawSignalOk(): SignalEvent {
  return {
    id: `r${int(1e9)}`,
    sourceId: `r${int(1e9)}`,
    serviceId: 'whatsapp',
    kind: 'report',
    at: Date.UTC(2021, 9, 4, 16),
    receivedAt: Date.UTC(2021, 9, 4, 16, 0, 1),
    outage: true,
    problem: 'login',
    confidence: 0.75,
    country: 'US',
    reporterHash: 'ab'.repeat(32),
    hashtags: ['whatsappdown', 'caída'],
    evidence: ['x'],
  };
}
